import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The result of running a real child process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs argv (never a shell line) with extra environment, capturing output.
///
/// It blocks the calling thread until the child exits (`waitUntilExit`, a reader thread): the
/// suites that call it for long-running children carry `.offCooperativePool`, so the wait holds
/// a thread of the test's own, never one of Swift's cooperative pool (see OffCooperativePool).
public func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws -> ProcessResult {
    let process = makeProcess(executable, arguments, environment: environment, directory: directory)
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes while the child runs, so a large output cannot block it.
    nonisolated(unsafe) var errData = Data()
    let errReader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    errReader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errReader.isFinished { usleep(1000) }
    return ProcessResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// argv (never a shell line), this process's environment with `environment` over it.
private func makeProcess(_ executable: URL, _ arguments: [String], environment: [String: String], directory: URL?) -> Process {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let directory { process.currentDirectoryURL = directory }
    return process
}

/// A child left running, its stdout a pipe read as it comes: for commands that print and then
/// wait (a foreground launch, `logs --follow`), where what matters is what arrives before exit.
public final class StreamingProcess {
    public let process: Process
    private let output = Pipe()
    public private(set) var received = ""

    public init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws {
        process = makeProcess(executable, arguments, environment: environment, directory: directory)
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Reads stdout until it holds `text` or `seconds` pass (poll, so a silent child cannot hang
    /// the test); true when the text arrived.
    public func waitForOutput(containing text: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        let descriptor = output.fileHandleForReading.fileDescriptor
        while !received.contains(text) {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return false }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(min(left, 1) * 1000)) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { return received.contains(text) }  // The child closed its stdout.
            received += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        return true
    }

    /// Sends `signal` and waits for the child to exit; its exit status.
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { stop(SIGKILL) } }
}
