import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A command that exited with a status it should not have.
public struct CommandFailure: Error, CustomStringConvertible, Sendable {
    public var arguments: [String]
    public var status: Int32
    public var output: String
    public var description: String {
        let tail = output.split(separator: "\n").suffix(5).joined(separator: "\n")
        return "'\(arguments.joined(separator: " "))' exited with status \(status)" + (tail.isEmpty ? "" : ":\n\(tail)")
    }
}

public struct ProcessOutput: Sendable {
    public var status: Int32
    public var output: String
}

/// Runs programs as argv arrays, never through a shell, so nothing from a feed can become
/// shell syntax.
public struct ProcessRunner: Sendable {
    public init() {}

    /// Finds `name` on PATH (or returns it when it is already a path).
    public static func which(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for directory in (path ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs and captures stdout and stderr together. With `log`, output is appended to that
    /// file instead (and still returned).
    @discardableResult
    public func run(
        _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil, log: String? = nil,
        check: Bool = true
    ) throws -> ProcessOutput {
        guard let first = arguments.first else { throw CommandFailure(arguments: [], status: -1, output: "empty command") }
        let searchPath = environment?["PATH"] ?? ProcessInfo.processInfo.environment["PATH"]
        guard let executable = Self.which(first, path: searchPath) else {
            throw CommandFailure(arguments: arguments, status: 127, output: "'\(first)' was not found on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var collected = Data()
        let logHandle = log.flatMap { path -> FileHandle? in
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            let handle = FileHandle(forWritingAtPath: path)
            _ = try? handle?.seekToEnd()
            return handle
        }
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            collected.append(chunk)
            logHandle?.write(chunk)
        }
        process.waitUntilExit()
        try? logHandle?.close()
        let output = String(decoding: collected, as: UTF8.self)
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        if check && status != 0 { throw CommandFailure(arguments: arguments, status: status, output: output) }
        return ProcessOutput(status: status, output: output)
    }
}
