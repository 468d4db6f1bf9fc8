import FeedModel
import Foundation
import PaddockBasics
import Synchronization

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
    /// The engine definition's name, and the Unix socket it listens on (nil for TCP).
    public var engine: String? = nil
    public var socket: String? = nil
    /// Workers the supervisor recycled for going past the engine's memory limit.
    public var recycles: Int? = nil

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

/// What a supervisor runs and how: the engine's argv and environment, where it listens, and
/// what its definition says about reloading and limits (docs/engines.md).
public struct EngineRun: Sendable {
    public var engineName: String
    public var arguments: [String]
    public var environment: [String: String]
    /// The TCP port (0 when the engine listens on a Unix socket).
    public var port: Int
    public var socketPath: String?
    public var reload: EngineDefinition.ReloadStrategy
    public var gracefulTimeout: TimeInterval
    /// Resident memory one process of the engine's group may use before it is recycled.
    public var memoryLimitBytes: UInt64?
    /// File name patterns under the app folder whose change reloads the app.
    public var watchMask: [String]
    /// Names the watch skips (the engine's environment and caches).
    public var ignoredNames: [String]
    /// How often the group's memory is sampled.
    public var sampleInterval: TimeInterval
    /// The signal that stops the engine gracefully (TERM unless its definition says another).
    public var stopSignal: String = "TERM"

    public init(
        engineName: String, arguments: [String], environment: [String: String], port: Int, socketPath: String? = nil,
        reload: EngineDefinition.ReloadStrategy = .signal("HUP"), gracefulTimeout: TimeInterval = 30, memoryLimitBytes: UInt64? = nil,
        watchMask: [String] = [], ignoredNames: [String] = [], sampleInterval: TimeInterval = 0.5
    ) {
        self.engineName = engineName
        self.arguments = arguments
        self.environment = environment
        self.port = port
        self.socketPath = socketPath
        self.reload = reload
        self.gracefulTimeout = gracefulTimeout
        self.memoryLimitBytes = memoryLimitBytes
        self.watchMask = watchMask
        self.ignoredNames = ignoredNames
        self.sampleInterval = sampleInterval
    }

    /// A signal's number from its name in an engine definition (`HUP`).
    public static func signalNumber(_ name: String) -> Int32? {
        [
            "HUP": SIGHUP, "USR1": SIGUSR1, "USR2": SIGUSR2, "INT": SIGINT, "QUIT": SIGQUIT, "TERM": SIGTERM, "WINCH": SIGWINCH,
            "TTIN": SIGTTIN, "TTOU": SIGTTOU,
        ][name]
    }
}

/// Keeps an app's engine running: restarts it with backoff when it dies; on SIGHUP (what
/// `paddock restart` sends) reloads it by its definition's strategy; on SIGTERM or SIGINT stops
/// it (its requests in flight finished within the graceful timeout) and exits. A monitor
/// thread applies the engine's limits: a process of the engine's group whose resident memory
/// passes the limit is recycled (SIGTERM to a worker, which its master replaces; a
/// single-process engine is reloaded), and a change to a file matching the watch mask reloads.
public final class Supervisor: Sendable {
    let layout: AppLayout
    let plan: EngineRun

    private struct State {
        var enginePid: pid_t = 0
        var stopping = false
        var restarts = 0
        var recycles = 0
        var reloading = false
        /// Processes sent SIGTERM for their memory, and when.
        var recycling: [pid_t: Date] = [:]
        var lastReload = Date.distantPast
    }
    private let state = Mutex(State())
    /// Kept for the supervisor's life; touched only by `installSignalHandlers`, once.
    private final class Sources: @unchecked Sendable { var list: [any DispatchSourceSignal] = [] }
    private let signalSources = Sources()
    private let firstStart = Mutex<(@Sendable () -> Void)?>(nil)
    /// Run before a reload the supervisor starts itself (the restart file touched, a watched
    /// file changed), given the reason: the deploy hook when the app's files changed. False
    /// keeps the running version serving (the hook failed; it logged why).
    public typealias BeforeReload = @Sendable (_ reason: String) -> Bool
    private let beforeReload: BeforeReload?
    /// A deploy-then-reload is under way: triggers meanwhile wait for the next look.
    private let preparing = Mutex(false)

    /// Passenger's convention, kept by an upload alone: touching `tmp/restart.txt` in the app's
    /// folder deploys (when files changed) and reloads the app, with no paddock command.
    public static let restartFile = "tmp/restart.txt"

    /// Called once the engine has been started the first time (foreground launch health-checks).
    public var onFirstStart: (@Sendable () -> Void)? {
        get { firstStart.withLock { $0 } }
        set { firstStart.withLock { $0 = newValue } }
    }

    public init(layout: AppLayout, run: EngineRun, beforeReload: BeforeReload? = nil) {
        self.layout = layout
        self.plan = run
        self.beforeReload = beforeReload
    }

    /// An engine reloaded by SIGHUP, without limits.
    public convenience init(layout: AppLayout, arguments: [String], environment: [String: String], port: Int) {
        self.init(layout: layout, run: EngineRun(engineName: arguments.first ?? "engine", arguments: arguments, environment: environment, port: port))
    }

    /// Runs until told to stop; returns the exit status for the supervisor process. Blocks the
    /// calling thread: call it from a thread of its own, not from Swift's cooperative pool.
    public func run() -> Int32 {
        try? layout.createStateFolders()
        try? Data("\(getpid())\n".utf8).write(to: layout.supervisorPid)
        installSignalHandlers()
        Thread.detachNewThread { [self] in monitor() }
        var backoff = RestartBackoff()
        var isFirstStart = true
        while !isStopping {
            let started = Date()
            let pid: pid_t
            do {
                pid = try startEngine()
                state.withLock { $0.enginePid = pid }
                log("started \(plan.arguments.first ?? "engine") (pid \(pid))")
                writeStatus(.running)
                if isFirstStart {
                    isFirstStart = false
                    onFirstStart?()
                }
            } catch {
                log("\(error)")
                writeStatus(.backoff)
                if !sleepUnlessStopped(backoff.delayAfterStartFailure()) { break }
                continue
            }
            var current = pid
            var status = waitFor(current)
            // Whatever the master left (workers orphaned by a SIGKILL) would hold the port.
            kill(-current, SIGKILL)
            // A start-new-then-stop-old reload handed over to a new engine: wait for that one.
            while let next = state.withLock({ $0.enginePid > 0 && $0.enginePid != current ? $0.enginePid : nil }) {
                current = next
                status = waitFor(current)
                kill(-current, SIGKILL)
            }
            state.withLock { $0.enginePid = 0 }
            if isStopping { break }
            let delay = backoff.delayAfterExit(ranFor: Date().timeIntervalSince(started))
            state.withLock { $0.restarts += 1 }
            log("engine exited (\(status)); restarting in \(Int(delay)) s")
            writeStatus(.backoff)
            if !sleepUnlessStopped(delay) { break }
        }
        writeStatus(.stopped)
        try? FileManager.default.removeItem(at: layout.supervisorPid)
        log("stopped")
        return 0
    }

    /// A group of its own: the engine and its workers are signalled together, and a terminal's
    /// Ctrl-C reaches only the supervisor, which stops the engine in order.
    private func startEngine() throws -> pid_t {
        if let socket = plan.socketPath {
            // A socket file left by an engine that was killed would stop the new one binding.
            if access(socket, F_OK) == 0, (try? FileManager.default.attributesOfItem(atPath: socket)[.type] as? FileAttributeType) == .typeSocket {
                unlink(socket)
            }
        }
        return try Spawn.start(
            plan.arguments, environment: plan.environment,
            options: Spawn.Options(directory: layout.source.path, output: .file(layout.appLog.path), newProcessGroup: true)
        ).pid
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func waitFor(_ pid: pid_t) -> String {
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
            Thread.sleep(forTimeInterval: 0.1)
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
            signalSources.list.append(source)
        }
    }

    private func handle(_ signalNumber: Int32) {
        if signalNumber == SIGHUP {
            reload(because: "asked to reload")
            return
        }
        let pid: pid_t = state.withLock {
            $0.stopping = true
            return $0.enginePid
        }
        writeStatus(.stopping)
        guard pid > 0 else { return }
        kill(pid, EngineRun.signalNumber(plan.stopSignal) ?? SIGTERM)
        // The engine finishes requests in flight (its graceful timeout); then it is killed.
        let grace = plan.gracefulTimeout + 5
        DispatchQueue.global().asyncAfter(deadline: .now() + grace) { [weak self] in
            guard let self, self.state.withLock({ $0.enginePid }) == pid else { return }
            kill(-pid, SIGKILL)
        }
    }

    // MARK: Reloading

    /// Reloads the engine by its strategy, on a thread of its own; one reload at a time.
    func reload(because reason: String) {
        let pid: pid_t? = state.withLock {
            guard !$0.stopping, !$0.reloading, $0.enginePid > 0 else { return nil }
            $0.reloading = true
            $0.lastReload = Date()
            return $0.enginePid
        }
        guard let pid else { return }
        log("reloading (\(reason)) by \(plan.reload.description)")
        Thread.detachNewThread { [self] in
            defer { state.withLock { $0.reloading = false } }
            switch plan.reload {
            case .signal(let name):
                if let number = EngineRun.signalNumber(name) { kill(pid, number) }
            case .oneAtATime:
                replaceWorkersOneAtATime(of: pid)
            case .startNewThenStopOld:
                startNewThenStopOld(replacing: pid)
            case .touch(let path):
                touch(path)
            }
        }
    }

    /// Sets the file's modification time to now, creating it when missing: the engine sees
    /// the change and reloads itself.
    private func touch(_ path: String) {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: Data())
        }
        do {
            try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
        } catch {
            log("reload failed: cannot touch \(path): \(error); the running engine keeps serving")
        }
    }

    /// Workers are the group's processes whose parent is the master.
    private func workers(of master: pid_t) -> [pid_t] {
        ProcessTable.members(ofGroup: master).filter { $0.pid != master && $0.parent == master }.map(\.pid)
    }

    /// SIGTERM to one worker, then wait until the master has as many workers as before (a new
    /// one in its place) before the next: the others serve meanwhile.
    private func replaceWorkersOneAtATime(of master: pid_t) {
        let old = workers(of: master)
        for worker in old {
            guard !isStopping else { return }
            kill(worker, SIGTERM)
            let deadline = Date().addingTimeInterval(plan.gracefulTimeout + 5)
            while Date() < deadline, !isStopping {
                let now = workers(of: master)
                if !now.contains(worker) && now.count >= old.count { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            if Spawn.isAlive(worker) && ProcessTable.stat(of: worker)?.group == master { kill(worker, SIGKILL) }
            log("replaced worker \(worker)")
        }
    }

    /// A second engine is started beside the first; once it listens, the first is stopped
    /// gracefully. When the new one does not come up, the old one keeps serving.
    private func startNewThenStopOld(replacing old: pid_t) {
        let new: pid_t
        do {
            new = try Spawn.start(
                plan.arguments, environment: plan.environment,
                options: Spawn.Options(directory: layout.source.path, output: .file(layout.appLog.path), newProcessGroup: true)
            ).pid
        } catch {
            log("reload failed: \(error); the running engine keeps serving")
            return
        }
        let deadline = Date().addingTimeInterval(max(plan.gracefulTimeout, 30))
        var ready = false
        while Date() < deadline, !isStopping, Spawn.isAlive(new) {
            if ProcessTable.groupListens(new) {
                ready = true
                break
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let handedOver =
            ready
            && state.withLock {
                guard $0.enginePid == old, !$0.stopping else { return false }
                $0.enginePid = new
                return true
            }
        guard handedOver else {
            kill(-new, SIGKILL)
            var status: Int32 = 0
            waitpid(new, &status, 0)
            log("reload failed: the new engine (pid \(new)) did not listen; the running engine keeps serving")
            return
        }
        log("started \(plan.arguments.first ?? "engine") (pid \(new)); stopping the old one (pid \(old))")
        writeStatus(.running)
        kill(old, SIGTERM)
        let grace = plan.gracefulTimeout
        DispatchQueue.global().asyncAfter(deadline: .now() + grace) { if Spawn.isAlive(old) { kill(-old, SIGKILL) } }
    }

    // MARK: Limits

    /// Samples the engine group's memory and the watched files until the supervisor stops.
    private func monitor() {
        var watched: WatchStamp?
        var lastWatch = Date.distantPast
        let restartFile = layout.source.appendingPathComponent(Self.restartFile).path
        var restartStamp = Self.modificationTime(restartFile)
        while !isStopping {
            Thread.sleep(forTimeInterval: plan.sampleInterval)
            let pid = state.withLock { $0.enginePid }
            guard pid > 0 else { continue }
            if let limit = plan.memoryLimitBytes { checkMemory(of: pid, limit: limit) }
            guard Date().timeIntervalSince(lastWatch) >= 1, !preparing.withLock({ $0 }) else { continue }
            lastWatch = Date()
            let touched = Self.modificationTime(restartFile)
            if touched != restartStamp {
                restartStamp = touched
                if touched != nil { deployThenReload(because: "\(Self.restartFile) touched") }
            }
            if !plan.watchMask.isEmpty {
                let stamp = WatchStamp(root: layout.source, mask: plan.watchMask, ignoring: plan.ignoredNames)
                if let previous = watched, previous != stamp, let changed = stamp.firstDifference(from: previous) {
                    deployThenReload(because: "\(changed) changed; watch mask \(plan.watchMask.joined(separator: ";"))")
                }
                watched = stamp
            }
        }
    }

    /// A reload of the supervisor's own making: the deploy hook first (when it is given), on a
    /// thread of its own, the old version serving meanwhile and after a failure.
    private func deployThenReload(because reason: String) {
        guard let beforeReload else { return reload(because: reason) }
        preparing.withLock { $0 = true }
        Thread.detachNewThread { [self] in
            defer { preparing.withLock { $0 = false } }
            log("\(reason): deploying before the reload")
            guard beforeReload(reason) else {
                log("not reloaded: the deploy hook failed (see the deploy log); the running version keeps serving")
                return
            }
            reload(because: reason)
        }
    }

    static func modificationTime(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    private func checkMemory(of master: pid_t, limit: UInt64) {
        let members = ProcessTable.members(ofGroup: master)
        let now = Date()
        let grace = plan.gracefulTimeout
        let overdue: [pid_t] = state.withLock { state in
            state.recycling = state.recycling.filter { Spawn.isAlive($0.key) }
            return state.recycling.filter { now.timeIntervalSince($0.value) > grace }.map(\.key)
        }
        for pid in overdue where pid != master {
            log("worker \(pid) did not stop within \(Int(grace)) s of its recycle: killed")
            kill(pid, SIGKILL)
            state.withLock { _ = $0.recycling.removeValue(forKey: pid) }
        }
        let megabytes = { (bytes: UInt64) in String(format: "%.1f MB", Double(bytes) / 1_048_576) }
        for member in members where member.residentBytes > limit {
            let already = state.withLock { $0.recycling[member.pid] != nil }
            if already { continue }
            if member.pid == master {
                // A single-process engine (or a master that grew): reloaded by its strategy, at
                // most once per graceful timeout.
                let recent = state.withLock { now.timeIntervalSince($0.lastReload) < grace }
                if recent { continue }
                state.withLock { $0.recycles += 1 }
                reload(
                    because: "engine pid \(master) resident \(megabytes(member.residentBytes)), over the memory limit of \(megabytes(limit))")
                continue
            }
            state.withLock {
                $0.recycling[member.pid] = now
                $0.recycles += 1
            }
            log(
                "recycling worker \(member.pid) of engine \(master): resident \(megabytes(member.residentBytes)), over the memory limit of \(megabytes(limit)); SIGTERM (its master starts another)"
            )
            kill(member.pid, SIGTERM)
            writeStatus(.running)
        }
    }

    private func writeStatus(_ state: SupervisorStatus.State) {
        let (pid, count, recycles) = self.state.withLock { ($0.enginePid, $0.restarts, $0.recycles) }
        var status = SupervisorStatus(
            state: state, supervisorPid: getpid(), enginePid: pid > 0 ? pid : nil, port: plan.port, restarts: count,
            since: ISO8601DateFormatter().string(from: Date()))
        status.engine = plan.engineName
        status.socket = plan.socketPath
        status.recycles = recycles
        guard let data = try? JSONEncoder().encode(status) else { return }
        let temporary = layout.statusFile.appendingPathExtension("tmp.\(UInt32.random(in: 0...UInt32.max))")
        try? data.write(to: temporary)
        _ = rename(temporary.path, layout.statusFile.path)
    }

    private func log(_ message: String) {
        DeployHook.append("\(ISO8601DateFormatter().string(from: Date())) supervisor: \(message)\n", to: layout.supervisorLog)
    }
}

/// The files under an app folder that match a watch mask, with their sizes and change times:
/// two stamps differ when such a file was added, removed or written.
struct WatchStamp: Equatable {
    var files: [String: String] = [:]

    init(root: URL, mask: [String], ignoring ignored: [String]) {
        let base = root.standardizedFileURL.path
        var stack = [base]
        var seen = 0
        while let folder = stack.popLast(), seen < 20_000 {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                seen += 1
                if name == ".git" || ignored.contains(where: { fnmatch($0, name, 0) == 0 }) { continue }
                let path = folder + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                if info.st_mode & S_IFMT == S_IFDIR {
                    stack.append(path)
                } else if mask.contains(where: { fnmatch($0, name, 0) == 0 }) {
                    files[String(path.dropFirst(base.count + 1))] = "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
                }
            }
        }
    }

    /// A file added, removed or changed since `old`.
    func firstDifference(from old: WatchStamp) -> String? {
        for (path, stamp) in files.sorted(by: { $0.key < $1.key }) where old.files[path] != stamp { return path }
        return old.files.keys.sorted().first { files[$0] == nil }
    }
}
