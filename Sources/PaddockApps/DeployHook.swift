import FeedModel
import Foundation
import PaddockBasics

#if canImport(Glibc)
    import Glibc
#endif

/// A deploy hook that failed: what the user sees is its log's last lines and where the log is.
public struct DeployFailure: Error, CustomStringConvertible, Sendable {
    public var app: String
    public var status: Int32
    public var logPath: String
    public var lastLines: [String]
    public var description: String {
        "the deploy hook of '\(app)' failed (exit status \(status)); last lines of \(logPath):\n"
            + lastLines.map { "    " + $0 }.joined(separator: "\n")
    }
}

/// Runs an app's deploy hook (migrate, collectstatic...): one at a time per app (a lock in
/// its run folder), output appended to the deploy log.
public enum DeployHook {
    /// `childStarted`: as `ProcessRunner.childStarted`, for a hook run by an install: the hook
    /// gets a process group of its own, dies with paddock, and its pid is journaled. `onLine`:
    /// each line of the hook's output as it arrives (the log still gets all of it), so that a
    /// terminal shows a hook that moves rather than one static line.
    public static func run(
        layout: AppLayout, manifest: AppManifest, environment: [String: String], values: [String: String],
        childStarted: ((pid_t) throws -> Void)? = nil, onLine: ((Substring) -> Void)? = nil
    ) throws {
        guard !manifest.deployArguments.isEmpty else { return }
        try layout.createStateFolders()
        let lock = open(layout.deployLock.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        defer { if lock >= 0 { close(lock) } }
        if lock >= 0 { flock(lock, LOCK_EX) }
        let logURL = layout.state.appendingPathComponent(manifest.deployLog)
        try FileManager.default.createDirectory(at: logURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let arguments = manifest.deployArguments.map { Placeholders.render($0, values) }
        let header = "\n=== \(ISO8601DateFormatter().string(from: Date())) deploy: \(arguments.joined(separator: " "))\n"
        append(header, to: logURL)
        // The engine environment's PATH decides: its runtime's programs come first.
        let executable = Spawn.which(arguments[0], path: environment["PATH"]) ?? arguments[0]
        let child: Spawn.Child
        do {
            child = try Spawn.start(
                [executable] + arguments.dropFirst(), environment: environment,
                options: Spawn.Options(
                    directory: layout.source.path, output: onLine == nil ? .file(logURL.path) : .pipe, newProcessGroup: childStarted != nil,
                    dieWithParent: childStarted != nil))
        } catch {
            append("\(error.message)\n", to: logURL)
            throw DeployFailure(app: layout.name, status: 127, logPath: logURL.path, lastLines: [error.message])
        }
        try Spawn.record(child, with: childStarted)
        if let onLine, let output = child.output { copy(output, to: logURL, onLine: onLine) }
        let status = Spawn.wait(child.pid)
        guard status == 0 else {
            throw DeployFailure(app: layout.name, status: status, logPath: logURL.path, lastLines: tail(logURL, lines: 15))
        }
    }

    /// Copies the hook's output to its log as it comes, and hands each line (ended by a
    /// newline or a carriage return) to `onLine`; returns at the end of the output.
    static func copy(_ output: Int32, to logURL: URL, onLine: (Substring) -> Void) {
        defer { close(output) }
        let log = FileHandle(forWritingAtPath: logURL.path)
        _ = try? log?.seekToEnd()
        defer { try? log?.close() }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var pending = Data()
        while true {
            let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            let chunk = Data(buffer[0..<count])
            log?.write(chunk)
            pending.append(chunk)
            while let end = pending.firstIndex(where: { $0 == 10 || $0 == 13 }) {
                let line = pending[pending.startIndex..<end]
                if !line.isEmpty { onLine(Substring(String(decoding: line, as: UTF8.self))) }
                pending.removeSubrange(pending.startIndex...end)
            }
        }
        if !pending.isEmpty { onLine(Substring(String(decoding: pending, as: UTF8.self))) }
    }

    static func append(_ text: String, to url: URL) {
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        if let handle = FileHandle(forWritingAtPath: url.path) {
            _ = try? handle.seekToEnd()
            handle.write(Data(text.utf8))
            try? handle.close()
        }
    }

    public static func tail(_ url: URL, lines: Int) -> [String] {
        // Lossy: a log holds whatever its programs and clients wrote, valid UTF-8 or not.
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }.suffix(lines).map { $0 }
    }
}

/// The app's own step failed: its log says why; status 1, as the hook's failure.
extension DeployFailure: PaddockError {
    public var exitStatus: ExitStatus { .failure }
}
