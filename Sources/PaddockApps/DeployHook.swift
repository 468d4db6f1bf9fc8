import FeedModel
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A deploy hook that failed: what the user sees is its log's last lines and where the log is.
public struct DeployFailure: Error, CustomStringConvertible {
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
    public static func run(layout: AppLayout, manifest: AppManifest, environment: [String: String], values: [String: String]) throws {
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
        let process = Process()
        // The venv's programs first: `python` in the manifest means the app's own python.
        let searchPath = environment["PATH"] ?? ""
        let executable = searchPath.split(separator: ":").map { "\($0)/\(arguments[0])" }
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? arguments[0]
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        process.currentDirectoryURL = layout.source
        let handle = try FileHandle(forWritingTo: logURL)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            append("cannot start \(executable): \(error)\n", to: logURL)
            throw DeployFailure(app: layout.name, status: 127, logPath: logURL.path, lastLines: ["cannot start \(executable)"])
        }
        process.waitUntilExit()
        try? handle.close()
        guard process.terminationStatus == 0 else {
            throw DeployFailure(app: layout.name, status: process.terminationStatus, logPath: logURL.path, lastLines: tail(logURL, lines: 15))
        }
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
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }.suffix(lines).map { $0 }
    }
}
