import Foundation
import PaddockBasics

#if canImport(Glibc)
    import Glibc
#endif

/// A cross-process lock (flock on a file in the state directory): one paddock writes at a
/// time. The kernel releases it when the process dies, even by kill -9.
public final class StateLock {
    private let descriptor: Int32
    public let path: String

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case busy(holder: String)
        case cannotOpen(String)
        public var description: String {
            switch self {
            case .busy(let holder):
                return "another paddock (\(holder)) is changing the installation; wait for it, or run again without --no-wait to queue"
            case .cannotOpen(let path): return "cannot open the lock file '\(path)'"
            }
        }
    }

    /// Takes the lock. When it is held: fails at once if `wait` is false, otherwise calls
    /// `onWait` once (to say so) and blocks until it is free.
    public init(path: String, wait: Bool, onWait: (String) -> Void = { _ in }) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure.cannotOpen(path) }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.holder(path)
            guard wait else {
                close(descriptor)
                throw Failure.busy(holder: holder)
            }
            onWait(holder)
            while flock(descriptor, LOCK_EX) != 0 {
                if errno != EINTR {
                    close(descriptor)
                    throw Failure.cannotOpen(path)
                }
            }
        }
        // Say who holds it, for the message another process shows while it waits.
        let note = "pid \(getpid())\n"
        ftruncate(descriptor, 0)
        _ = note.withCString { write(descriptor, $0, strlen($0)) }
    }

    private static func holder(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return (text?.isEmpty ?? true) ? "unknown pid" : text!
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Another paddock holds the lock: EX_TEMPFAIL, try again later.
extension StateLock.Failure: PaddockError {
    public var exitStatus: ExitStatus { .tryAgain }
}
