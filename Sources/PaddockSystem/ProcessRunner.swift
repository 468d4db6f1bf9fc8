import FeedModel
import Foundation
import PaddockBasics

#if canImport(Glibc)
    import Glibc
#endif

/// A command that exited with a status it should not have.
public struct CommandFailure: Error, CustomStringConvertible, Sendable {
    public var arguments: [String]
    public var status: Int32
    public var output: String

    public init(arguments: [String], status: Int32, output: String) {
        self.arguments = arguments
        self.status = status
        self.output = output
    }

    public var description: String {
        let tail = output.split(separator: "\n").suffix(5).joined(separator: "\n")
        return "'\(arguments.joined(separator: " "))' exited with status \(status)" + (tail.isEmpty ? "" : ":\n\(tail)")
    }
}

public struct ProcessOutput: Sendable {
    public var status: Int32
    public var output: String

    public init(status: Int32, output: String) {
        self.status = status
        self.output = output
    }
}

/// What runs programs for the services: the real `ProcessRunner`, or in tests a double that
/// answers the calls a test expects and fails loudly on any other.
public protocol ProcessRunning: Sendable {
    /// Runs `arguments` to their end; see `ProcessRunner.run`.
    @discardableResult
    func run(
        _ arguments: [String], environment: [String: String]?, directory: String?, log: String?,
        check: Bool, deadline: TimeInterval?, onLine: ((Substring) -> Void)?
    ) throws -> ProcessOutput

    /// The same runner for the children of an install: each in a group of its own that dies with
    /// paddock, `childStarted` called with its pid as soon as it runs (the journal records it).
    func tracked(_ childStarted: @escaping @Sendable (pid_t) throws -> Void) -> any ProcessRunning
}

extension ProcessRunning {
    /// `run` with the defaults the call sites use.
    @discardableResult
    public func run(
        _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil, log: String? = nil,
        check: Bool = true, deadline: TimeInterval? = nil
    ) throws -> ProcessOutput {
        try run(arguments, environment: environment, directory: directory, log: log, check: check, deadline: deadline, onLine: nil)
    }
}

/// Runs programs to their end and collects what they print (apt-get, pip, venv, dpkg-query,
/// command installers), through the one spawner (`Spawn`).
public struct ProcessRunner: ProcessRunning {
    /// Set for the children of an install: each gets a process group of its own and dies with
    /// paddock; this is called with its pid (the group's id) as soon as it runs, so that the
    /// journal can name the group a recovery must end before it undoes anything. A throw ends
    /// the child at once.
    public var childStarted: (@Sendable (pid_t) throws -> Void)?
    /// Every line of every child's output, as it arrives, with the program's name (`pip`,
    /// `apt-get`): what a terminal shows of a long step while it runs. Kept by `tracked`.
    public var lines: (@Sendable (_ program: String, _ line: Substring) -> Void)?

    public init(
        childStarted: (@Sendable (pid_t) throws -> Void)? = nil, lines: (@Sendable (_ program: String, _ line: Substring) -> Void)? = nil
    ) {
        self.childStarted = childStarted
        self.lines = lines
    }

    public func tracked(_ childStarted: @escaping @Sendable (pid_t) throws -> Void) -> any ProcessRunning {
        ProcessRunner(childStarted: childStarted, lines: lines)
    }

    /// Finds `name` on PATH (or returns it when it is already a path).
    public static func which(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        Spawn.which(name, path: path)
    }

    /// Runs and captures stdout and stderr together. With `log`, output is appended to that
    /// file too (and still returned), after a line naming the command, so that a log says what
    /// ran even when the program printed nothing.
    ///
    /// `deadline`: seconds after which the child (and its group, for a tracked child) is
    /// killed and the run fails with status 124, as coreutils' timeout says. `onLine`: each
    /// line of output as it arrives (progress that reads the child live); a carriage return
    /// ends a line too, as progress bars redraw with it.
    @discardableResult
    public func run(
        _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil, log: String? = nil,
        check: Bool = true, deadline: TimeInterval? = nil, onLine: ((Substring) -> Void)? = nil
    ) throws -> ProcessOutput {
        guard let first = arguments.first else { throw CommandFailure(arguments: [], status: -1, output: "empty command") }
        let environment = environment ?? ProcessInfo.processInfo.environment
        guard Spawn.which(first, path: environment["PATH"]) != nil else {
            throw CommandFailure(arguments: arguments, status: 127, output: "'\(first)' was not found on PATH")
        }
        let tracked = childStarted != nil
        let child: Spawn.Child
        do {
            child = try Spawn.start(
                arguments, environment: environment,
                options: Spawn.Options(directory: directory, output: .pipe, newProcessGroup: tracked, dieWithParent: tracked))
        } catch {
            throw CommandFailure(arguments: arguments, status: 127, output: error.message)
        }
        guard let output = child.output else { preconditionFailure("a piped child without its pipe") }
        try Spawn.record(child, with: childStarted)
        var collected = Data()
        let logHandle = log.flatMap { path -> FileHandle? in
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            let handle = FileHandle(forWritingAtPath: path)
            _ = try? handle?.seekToEnd()
            let stamp = ISO8601DateFormatter().string(from: Date())
            handle?.write(Data("=== \(stamp) $ \(arguments.joined(separator: " "))\n".utf8))
            return handle
        }
        let program = URL(fileURLWithPath: first).lastPathComponent
        let sink: ((Substring) -> Void)? =
            switch (onLine, lines) {
            case (nil, nil): nil
            case (let onLine?, nil): onLine
            case (nil, let lines?): { lines(program, $0) }
            case (let onLine?, let lines?):
                {
                    onLine($0)
                    lines(program, $0)
                }
            }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let ends = deadline.map { Date().addingTimeInterval($0) }
        var timedOut = false
        var pendingLine = Data()
        while true {
            if let ends {
                // Wait for output no longer than the time left; past it, end the child.
                var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
                let left = ends.timeIntervalSinceNow
                if left <= 0 || poll(&descriptor, 1, Int32(min(left, 1) * 1000)) == 0 {
                    if Date() >= ends {
                        kill(tracked ? -child.pid : child.pid, SIGKILL)
                        timedOut = true
                        break
                    }
                    continue
                }
            }
            let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            let chunk = Data(buffer[0..<count])
            collected.append(chunk)
            logHandle?.write(chunk)
            if let sink {
                pendingLine.append(chunk)
                while let end = pendingLine.firstIndex(where: { $0 == 10 || $0 == 13 }) {
                    let line = pendingLine[pendingLine.startIndex..<end]
                    if !line.isEmpty { sink(Substring(String(decoding: line, as: UTF8.self))) }
                    pendingLine.removeSubrange(pendingLine.startIndex...end)
                }
            }
        }
        if let sink, !pendingLine.isEmpty, !timedOut { sink(Substring(String(decoding: pendingLine, as: UTF8.self))) }
        close(output)
        var status = Spawn.wait(child.pid)
        try? logHandle?.close()
        var text = String(decoding: collected, as: UTF8.self)
        if timedOut {
            status = 124
            text += "\n'\(first)' was stopped after \(Int(deadline ?? 0)) seconds\n"
        }
        if check && status != 0 { throw CommandFailure(arguments: arguments, status: status, output: text) }
        return ProcessOutput(status: status, output: text)
    }
}

/// An install's log, written by more than its children: a line for each step (so that a step
/// without a program of its own, an archive unpacked, is in it too) and the deploy hook's
/// lines. Opened once; writes are appended as they come.
public final class StepLog: @unchecked Sendable {
    private let handle: FileHandle?
    private let lock = NSLock()

    public init(path: String) {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        handle = FileHandle(forWritingAtPath: path)
        _ = try? handle?.seekToEnd()
    }

    deinit { try? handle?.close() }

    /// `=== TIME what`, a line of its own.
    public func header(_ what: String) { write("=== \(ISO8601DateFormatter().string(from: Date())) \(what)\n") }

    public func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        handle?.write(Data(text.utf8))
    }
}

/// A step's program failed (apt, pip, a command installer): status 1, as the program's own
/// failure; the line names the command and its last line of output, escaped.
extension CommandFailure: PaddockError {
    public var exitStatus: ExitStatus { .failure }

    public var userMessage: String {
        let last = output.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return "'\(arguments.joined(separator: " ").escapingControlCharacters)' exited with status \(status)"
            + (last.map { ": \(String($0).escapingControlCharacters)" } ?? "")
    }
}
