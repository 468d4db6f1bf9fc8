import Foundation
import PaddockBasics

#if canImport(Glibc)
import Glibc
#endif

/// What a supervisor tells other paddock commands about itself, in `run/status.json`.
public struct SupervisorStatus: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable { case starting, running, backoff, stopping, stopped }
    public var state: State
    public var supervisorPid: Int32
    public var enginePid: Int32?
    public var port: Int
    public var restarts: Int
    public var since: String

    public static func read(_ url: URL) -> SupervisorStatus? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try? JSONDecoder().decode(SupervisorStatus.self, from: data)
    }
}

/// How long the supervisor waits before starting the engine again. Kept apart from the
/// supervisor's processes and signals so that the schedule can be tested on its own.
public struct RestartBackoff: Sendable, Hashable {
    public static let first: TimeInterval = 1
    public static let longest: TimeInterval = 30
    /// An engine that ran longer than this was healthy: its next restart starts the schedule over.
    public static let healthyRun: TimeInterval = 30

    public private(set) var current: TimeInterval = RestartBackoff.first

    public init() {}

    /// The engine could not be started at all: wait the current delay, then double it (up to 30 s).
    public mutating func delayAfterStartFailure() -> TimeInterval {
        defer { current = min(current * 2, Self.longest) }
        return current
    }

    /// The engine exited after running `ranFor` seconds. A master that ran for a while gets a
    /// fresh backoff (1 s); one that keeps dying waits longer: 2, 4, 8, 16, then 30 s.
    public mutating func delayAfterExit(ranFor: TimeInterval) -> TimeInterval {
        current = ranFor > Self.healthyRun ? Self.first : min(current * 2, Self.longest)
        return current
    }
}

/// Keeps an app's engine (gunicorn's master) running: restarts it with backoff when it dies,
/// passes SIGHUP on (gunicorn then starts new workers before stopping the old ones), and on
/// SIGTERM or SIGINT stops it and exits. gunicorn's master restarts its own workers.
public final class Supervisor: @unchecked Sendable {
    let layout: AppLayout
    let arguments: [String]
    let environment: [String: String]
    let port: Int
    private let lock = NSLock()
    private var enginePid: pid_t = 0
    private var stopping = false
    private var restarts = 0
    private var signalSources: [any DispatchSourceSignal] = []
    /// Called once the engine has been started the first time (foreground launch health-checks).
    public var onFirstStart: (@Sendable () -> Void)?

    public init(layout: AppLayout, arguments: [String], environment: [String: String], port: Int) {
        self.layout = layout
        self.arguments = arguments
        self.environment = environment
        self.port = port
    }

    /// Runs until told to stop; returns the exit status for the supervisor process.
    public func run() -> Int32 {
        try? layout.createStateFolders()
        try? Data("\(getpid())\n".utf8).write(to: layout.supervisorPid)
        installSignalHandlers()
        var backoff = RestartBackoff()
        var firstStart = true
        while !isStopping {
            let started = Date()
            do {
                // A group of its own: the engine and its workers are signalled together, and a
                // terminal's Ctrl-C reaches only the supervisor, which stops the engine in order.
                let pid = try Spawn.start(
                    arguments, environment: environment,
                    options: Spawn.Options(directory: layout.source.path, output: .file(layout.appLog.path), newProcessGroup: true)).pid
                setEngine(pid)
                log("started \(arguments.first ?? "engine") (pid \(pid))")
                writeStatus(.running)
                if firstStart {
                    firstStart = false
                    onFirstStart?()
                }
            } catch {
                log("\(error)")
                writeStatus(.backoff)
                if !sleepUnlessStopped(backoff.delayAfterStartFailure()) { break }
                continue
            }
            let group: pid_t = lock.withLock { self.enginePid }
            let status = waitForEngine()
            // Whatever the master left (workers orphaned by a SIGKILL) would hold the port.
            kill(-group, SIGKILL)
            setEngine(0)
            if isStopping { break }
            let delay = backoff.delayAfterExit(ranFor: Date().timeIntervalSince(started))
            lock.withLock { restarts += 1 }
            log("engine exited (\(status)); restarting in \(Int(delay)) s")
            writeStatus(.backoff)
            if !sleepUnlessStopped(delay) { break }
        }
        writeStatus(.stopped)
        try? FileManager.default.removeItem(at: layout.supervisorPid)
        log("stopped")
        return 0
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func setEngine(_ pid: pid_t) { lock.withLock { enginePid = pid } }

    private func waitForEngine() -> String {
        let pid = lock.withLock { enginePid }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return "lost track of it" }
        }
        if status & 0x7f == 0 { return "status \((status >> 8) & 0xff)" }
        return "signal \(status & 0x7f)"
    }

    private func sleepUnlessStopped(_ seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if isStopping { return false }
            usleep(100_000)
        }
        return !isStopping
    }

    private func installSignalHandlers() {
        let queue = DispatchQueue(label: "paddock.supervisor.signals")
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [weak self] in self?.handle(signalNumber) }
            source.resume()
            signalSources.append(source)
        }
    }

    private func handle(_ signalNumber: Int32) {
        let pid: pid_t = lock.withLock {
            if signalNumber != SIGHUP { stopping = true }
            return enginePid
        }
        if signalNumber == SIGHUP {
            log("reloading: new workers start before the old ones stop")
            if pid > 0 { kill(pid, SIGHUP) }
            return
        }
        writeStatus(.stopping)
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        // gunicorn finishes requests in flight (graceful timeout 30 s); then it is killed.
        DispatchQueue.global().asyncAfter(deadline: .now() + 35) { [weak self] in
            guard let self, self.lock.withLock({ self.enginePid }) == pid else { return }
            kill(pid, SIGKILL)
        }
    }

    private func writeStatus(_ state: SupervisorStatus.State) {
        let (pid, count) = lock.withLock { (enginePid, restarts) }
        let status = SupervisorStatus(
            state: state, supervisorPid: getpid(), enginePid: pid > 0 ? pid : nil, port: port, restarts: count,
            since: ISO8601DateFormatter().string(from: Date()))
        guard let data = try? JSONEncoder().encode(status) else { return }
        let temporary = layout.statusFile.appendingPathExtension("tmp")
        try? data.write(to: temporary)
        _ = rename(temporary.path, layout.statusFile.path)
    }

    private func log(_ message: String) {
        DeployHook.append("\(ISO8601DateFormatter().string(from: Date())) supervisor: \(message)\n", to: layout.supervisorLog)
    }
}
