import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockState
import PaddockXML

#if canImport(Glibc)
    import Glibc
#endif

/// The app lifecycle: load an app, choose its port, run its deploy hook when its files
/// changed, start it under a supervisor (detached or in the foreground), reload it by its
/// engine's strategy, stop it, report on it, follow its log. The commands are options → one
/// call here → rendering. Every call blocks its thread (it waits for processes and ports):
/// call it from a thread of its own (`OffPool.run`), not from Swift's cooperative pool.
public struct AppService {
    public let context: ServiceContext
    public let state: StateStore
    public let engines: EngineCatalog

    public init(context: ServiceContext, state: StateStore, engines: EngineCatalog? = nil) throws {
        self.context = context
        self.state = state
        self.engines = try engines ?? EngineStore(environment: context.environment, paths: context.paths).catalog()
    }

    // MARK: Loading

    public func load(_ name: String) throws -> LoadedApp {
        guard let record = try state.app(named: name) else {
            let known = try state.apps().map(\.name)
            throw ServiceError(
                "no app named '\(name)'" + (known.isEmpty ? "; create one with 'paddock install blank-django --app \(name)'" : " (apps: \(known.joined(separator: ", ")))"),
                .usage)
        }
        let layout = record.layout
        guard FileManager.default.fileExists(atPath: layout.manifest.path) else {
            throw ServiceError("the app '\(name)' has no manifest at \(layout.manifest.path); was its folder moved or deleted?", .noInput)
        }
        var manifest = try AppManifestReader.read(path: layout.manifest.path)
        manifest.engineName = Self.chosenEngine(layout, manifest: manifest)
        // An unknown engine stops a launch (engineRun), not a stop, a status or an uninstall.
        return LoadedApp(record: record, layout: layout, manifest: manifest, resolved: engines.engine(named: manifest.engineName))
    }

    /// The setting that keeps an app's own choice of engine (`install --engine`, `config
    /// APP engine=NAME`) in its environment file, over the engine its manifest names.
    public static let engineSetting = "PADDOCK_ENGINE"

    /// The engine the app runs on: its own choice, else the one its manifest names.
    static func chosenEngine(_ layout: AppLayout, manifest: AppManifest) -> String {
        let chosen = EnvironmentFile.read(layout.environmentFile)[engineSetting] ?? ""
        return chosen.isEmpty ? manifest.engineName : chosen
    }

    // MARK: Launching

    public struct Launched: Sendable {
        public var app: String
        public var url: String
        public var status: Int
        /// False when it was running already (nothing was started).
        public var started: Bool
    }

    /// Everything `paddock launch` does before the engine starts: an app already running is
    /// reported as it is; an engine a dead supervisor left is replaced; the port is chosen and
    /// recorded; the deploy hook runs when the files changed. Nil when it is running already.
    public func prepareLaunch(_ name: String, port requested: Int?) throws -> (app: LoadedApp, port: Int, running: Bool) {
        var loaded = try load(name)
        if loaded.supervisorPid != nil, let status = loaded.status { return (loaded, status.port, true) }
        // Its supervisor died and left the engine serving: replace it with a supervised one,
        // on the same port (the old engine finishes its requests first).
        if let engine = loaded.orphanedEngine {
            context.emit(.note("replacing the engine of '\(name)' that a dead supervisor left running (pid \(engine))"))
            stopOrphanedEngine(engine, of: loaded)
        }
        let chosen = try choosePort(loaded, requested: requested)
        loaded.record.port = chosen
        try saveUnderLock(loaded.record)
        _ = try deployIfNeeded(&loaded)
        return (loaded, chosen, false)
    }

    /// `--port`, else the app's own port (its last one, else its template's `port` parameter),
    /// else the first free port of the engine's range. The app's own port taken is an error
    /// naming who holds it (another app, or another program) and suggesting `--port`: an app
    /// keeps its port, and two apps never swap theirs silently.
    public func choosePort(_ app: LoadedApp, requested: Int?) throws -> Int {
        let name = app.record.name
        /// The other app that records `port` as its own.
        func holder(of port: Int) -> String? {
            (try? state.apps())?.first { $0.name != name && ($0.port ?? Int($0.parameters["port"] ?? "")) == port }?.name
        }
        if let port = requested {
            guard (1...65535).contains(port) else { throw ServiceError("--port \(port) is not a port number", .usage) }
            guard !HTTPProbe.isListening(port: port) else {
                throw ServiceError(
                    "port \(port) on 127.0.0.1 is in use\(holder(of: port).map { " by the app '\($0)'" } ?? ""); choose another with --port", .unavailable)
            }
            return port
        }
        if app.socketPath == nil, let own = app.record.port ?? Int(app.record.parameters["port"] ?? ""), (1...65535).contains(own) {
            guard HTTPProbe.isListening(port: own) else { return own }
            if let other = holder(of: own) {
                throw ServiceError(
                    "port \(own), the port of '\(name)', is in use by the app '\(other)'; launch '\(name)' on another with 'paddock launch \(name) --port N'",
                    .unavailable)
            }
            throw ServiceError(
                "port \(own), the port of '\(name)', is in use on 127.0.0.1 by another program; launch '\(name)' on another with 'paddock launch \(name) --port N'",
                .unavailable)
        }
        if let previous = app.record.port, app.portRange.contains(previous) || app.portRange == 8000...8099, !HTTPProbe.isListening(port: previous) {
            return previous
        }
        guard let free = app.portRange.first(where: { holder(of: $0) == nil && HTTPProbe.freePort(in: $0...$0) != nil }) else {
            throw ServiceError(
                "no free port from \(app.portRange.lowerBound) to \(app.portRange.upperBound) on 127.0.0.1; choose one with --port", .unavailable)
        }
        return free
    }

    /// The app's engine is defined nowhere paddock looks.
    func undefinedEngine(_ app: LoadedApp) -> ServiceError {
        ServiceError(
            "\(app.layout.manifest.path): the engine '\(app.manifest.engineName)' is not defined (engines: \(engines.sorted.map(\.name).joined(separator: ", "))); see 'paddock engines'",
            .dataError)
    }

    /// The supervisor's plan for this app: argv, environment and the engine's reload and limits.
    public func engineRun(_ app: LoadedApp, port: Int, workers: Int) throws -> EngineRun {
        guard let engine = app.engine else { throw undefinedEngine(app) }
        let values = app.values(port: port, workers: workers)
        let environment = app.environment(values: values, base: context.environment)
        try writeConfigFiles(engine, app: app, values: values)
        var reload = engine.reload
        if case .touch(let path) = reload { reload = .touch(Placeholders.render(path, values)) }
        var run = EngineRun(
            engineName: engine.name, arguments: try app.engineArguments(values: values, environment: environment),
            environment: environment, port: port, socketPath: app.socketPath,
            reload: reload, gracefulTimeout: TimeInterval(engine.gracefulTimeout),
            memoryLimitBytes: engine.limits.memoryLimitMB.map { UInt64($0) * 1_048_576 }, watchMask: engine.limits.watchMask,
            ignoredNames: ChangeFingerprint.alwaysIgnored + engine.ignoredNames)
        run.stopSignal = engine.stopSignal
        return run
    }

    /// Renders the engine's `<configFile>`s into the app's run folder (private to its owner).
    /// A value with a line break is refused: in a server's configuration it would start a
    /// directive of its own.
    func writeConfigFiles(_ engine: EngineDefinition, app: LoadedApp, values: [String: String]) throws {
        guard !engine.configFiles.isEmpty else { return }
        try app.layout.createStateFolders()
        for file in engine.configFiles {
            for (name, value) in values where value.contains(where: \.isNewline) && file.text.contains("{{\(name)}}") {
                throw ServiceError(
                    "\(engine.source): the value of {{\(name)}} holds a line break, which cannot go into \(file.name); change it with 'paddock config'",
                    .dataError)
            }
            let target = try PathConfinement.resolve(file.name, under: app.layout.run, what: "the engine's configuration file")
            let text = Placeholders.render(file.text, values)
            do {
                try Data(text.utf8).write(to: target, options: .atomic)
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target.path)
            } catch {
                throw ServiceError("cannot write \(target.path): \(error.localizedDescription)", .ioError)
            }
        }
    }

    /// Starts `paddock supervise` (the executable given) in a session of its own, so that it
    /// outlives the command and its terminal, and waits until the app answers.
    public func startDetached(_ app: LoadedApp, port: Int, workers: Int, executable: String) throws -> Launched {
        try app.layout.createStateFolders()
        let pid = try Spawn.start(
            [executable, "supervise", app.record.name, "--port", String(port), "--workers", String(workers)],
            environment: context.environment,
            options: Spawn.Options(directory: app.layout.source.path, output: .file(app.layout.supervisorLog.path), newSession: true)
        ).pid
        context.emit(.willStart(app: app.record.name, supervisorPid: pid))
        guard let answer = waitUntilHealthy(app, port: port, alive: { Spawn.isAlive(pid) || Self.reapIfExited(pid) == false }) else {
            kill(pid, SIGTERM)
            throw ServiceError(
                "'\(app.record.name)' did not answer on port \(port); last lines of \(app.layout.appLog.path):\n"
                    + DeployHook.tail(app.layout.appLog, lines: 15).map { "    " + $0 }.joined(separator: "\n"),
                .failure)
        }
        return Launched(app: app.record.name, url: app.address(port: port), status: answer.status, started: true)
    }

    /// Runs the app's supervisor on this thread until it is told to stop. `ready` is called
    /// (on another thread) once the app answers, or with nil when it did not.
    public func runInForeground(_ app: LoadedApp, port: Int, workers: Int, ready: @escaping @Sendable (Launched?) -> Void) throws -> Int32 {
        let supervisor = Supervisor(layout: app.layout, run: try engineRun(app, port: port, workers: workers))
        recordLaunchedSettings(app)
        let service = HealthWaiter(app: app)
        supervisor.onFirstStart = {
            Thread.detachNewThread {
                if let answer = service.wait(port: port, alive: { true }) {
                    ready(Launched(app: app.record.name, url: app.address(port: port), status: answer.status, started: true))
                } else {
                    ready(nil)
                }
            }
        }
        return supervisor.run()
    }

    /// What `paddock supervise` runs: the app's supervisor, on this thread.
    public func supervise(_ name: String, port: Int, workers: Int) throws -> Int32 {
        let loaded = try load(name)
        let run = try engineRun(loaded, port: port, workers: workers)
        recordLaunchedSettings(loaded)
        // An upload alone (the restart file touched, a watched file changed) deploys when the
        // app's files changed, then reloads: the deploy hook runs here, in the supervisor.
        let context = self.context
        let beforeReload: Supervisor.BeforeReload = { _ in
            do {
                // Its own state connection: this runs on the supervisor's thread, not this one.
                let service = try AppService(context: context, state: try context.openState())
                var current = try service.load(name)
                _ = try service.deployIfNeeded(&current)
                return true
            } catch {
                FileHandle.standardError.write(Data("paddock: \(error)\n".utf8))
                return false
            }
        }
        return Supervisor(layout: loaded.layout, run: run, beforeReload: beforeReload).run()
    }

    /// Reaps a child that exited (so it is not a zombie that looks alive); false when it is gone.
    static func reapIfExited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    // MARK: Running a command in the app's environment

    /// What `paddock run` and `paddock shell` execute: the command, in the app's folder, with
    /// exactly the environment its engine gets (its runtime first on PATH, its settings and
    /// secrets, the manifest's variables, the same placeholders: its port, one worker), plus
    /// the caller's TERM so that a terminal program draws right.
    public struct Console: Sendable, Equatable {
        public var arguments: [String]
        public var environment: [String: String]
        public var directory: String
    }

    /// `command` empty: the caller's `$SHELL`, else /bin/sh.
    public func console(_ name: String, command: [String]) throws -> Console {
        let loaded = try load(name)
        let values = loaded.values(port: loaded.record.port ?? loaded.portRange.lowerBound, workers: 1)
        var environment = loaded.environment(values: values, base: context.environment)
        if let term = context.environment["TERM"] { environment["TERM"] = term }
        var arguments = command
        if arguments.isEmpty {
            let shell = context.environment["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh"
            environment["SHELL"] = shell
            arguments = [shell]
        }
        guard FileManager.default.fileExists(atPath: loaded.layout.source.path) else {
            throw ServiceError("the app '\(name)' has no folder at \(loaded.layout.source.path); was it moved or deleted?", .noInput)
        }
        return Console(arguments: arguments, environment: environment, directory: loaded.layout.source.path)
    }

    // MARK: Restarting and stopping

    public struct Restarted: Sendable {
        public var url: String
        public var deployed: Bool
        /// The settings changed since the engine started ('paddock config'): it was stopped and
        /// started again with them (a reload keeps the environment an engine started with).
        public var settingsApplied: Bool = false
    }

    /// Redeploys when the files changed (a failing hook leaves the running version serving),
    /// then asks the supervisor to reload the engine by its strategy and waits until it answers.
    /// When the app's settings changed since it started, and `executable` (paddock, to start a
    /// detached supervisor) is given, the app is stopped and started again instead, on its port
    /// and with its worker count. Nil when the app is not running.
    public func restart(_ name: String, executable: String? = nil) throws -> Restarted? {
        var loaded = try load(name)
        guard let pid = loaded.supervisorPid, let status = loaded.status else { return nil }
        if let executable, settingsChangedSinceLaunch(loaded) {
            let workers = Self.workersArgument(of: pid) ?? loaded.defaultWorkers
            let deployed = try deployIfNeeded(&loaded)
            context.emit(.note("the settings of '\(name)' changed since it started: stopping it and starting it with them"))
            if let running = status.engine, let chosen = loaded.engine?.name, running != chosen {
                // Two engines cannot hand one port over: the app is down between the stop and
                // the start (docs/engines.md, "Choosing an engine").
                context.emit(
                    .warning("'\(name)' moves from the engine \(running) to \(chosen): requests that arrive until \(chosen) answers are refused"))
            }
            stop(loaded)
            let launched = try startDetached(loaded, port: status.port, workers: workers, executable: executable)
            return Restarted(url: launched.url, deployed: deployed, settingsApplied: true)
        }
        let deployed = try deployIfNeeded(&loaded)
        kill(pid, SIGHUP)
        // Give the engine a moment to begin the reload, then check that the app answers.
        Thread.sleep(forTimeInterval: 0.5)
        guard waitUntilHealthy(loaded, port: status.port, alive: { Spawn.isAlive(pid) }) != nil else {
            throw ServiceError("'\(name)' does not answer after the reload; see \(loaded.layout.appLog.path)", .failure)
        }
        return Restarted(url: loaded.address(port: status.port), deployed: deployed)
    }

    /// The `--workers N` a detached supervisor was started with, from its command line.
    static func workersArgument(of pid: pid_t) -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard let index = arguments.firstIndex(of: "--workers"), index + 1 < arguments.count else { return nil }
        return Int(arguments[index + 1])
    }

    /// Stops an app's supervisor (requests in flight are finished first; SIGKILL after the
    /// engine's graceful timeout and 10 s more) and waits until its port is free. False when
    /// it was not running. `paddock stop` and `paddock uninstall` of an app's template use it.
    @discardableResult
    public func stop(_ loaded: LoadedApp) -> Bool {
        if let engine = loaded.orphanedEngine {
            stopOrphanedEngine(engine, of: loaded)
            return true
        }
        guard let pid = loaded.supervisorPid else { return false }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(TimeInterval(max(loaded.engine?.gracefulTimeout ?? 30, 30) + 10))
        while Spawn.isAlive(pid) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if Spawn.isAlive(pid) {
            kill(pid, SIGKILL)
            if let engine = loaded.status?.enginePid { kill(-engine, SIGKILL) }
        }
        waitUntilPortIsFree(loaded)
        context.emit(.didStop(app: loaded.record.name))
        return true
    }

    /// Ends an engine whose supervisor died: SIGTERM to its group (requests in flight are
    /// finished), SIGKILL after the graceful timeout, then waits for the port.
    public func stopOrphanedEngine(_ engine: pid_t, of loaded: LoadedApp) {
        kill(-engine, SIGTERM)
        let deadline = Date().addingTimeInterval(TimeInterval(loaded.engine?.gracefulTimeout ?? 30))
        while Spawn.isAlive(engine) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if Spawn.isAlive(engine) { kill(-engine, SIGKILL) }
        waitUntilPortIsFree(loaded)
    }

    /// The port is free once the engine is gone: up to 10 s for the kernel to let it go.
    private func waitUntilPortIsFree(_ loaded: LoadedApp) {
        guard let port = loaded.status?.port, port > 0 else { return }
        let deadline = Date().addingTimeInterval(10)
        while HTTPProbe.isListening(port: port) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
    }

    // MARK: Deploying

    /// Runs the deploy hook when the app's files changed since its last successful deploy.
    public func deployIfNeeded(_ app: inout LoadedApp, force: Bool = false) throws -> Bool {
        guard force || app.needsDeploy else { return false }
        // The hook runs in the engine's environment (its runtime first on PATH): without the
        // engine it would fail far from the cause.
        guard app.engine != nil else { throw undefinedEngine(app) }
        let port = app.record.port ?? 8000
        let values = app.values(port: port, workers: 1)
        context.emit(.willRunDeployHook(app: app.record.name))
        try DeployHook.run(
            layout: app.layout, manifest: app.manifest, environment: app.environment(values: values, base: context.environment), values: values,
            onLine: { [context] in context.emit(.output(step: "deploy", line: String($0))) })
        context.emit(.didRunDeployHook(app: app.record.name))
        app.record.deployedHash = app.fingerprint
        app.record.deployedAt = StateStore.timestamp()
        try saveUnderLock(app.record)
        return true
    }

    /// Writes what launching changes in an app's record (its port, its last deploy) under the
    /// state lock, after rolling back a dead paddock's transaction; refuses when the app was
    /// removed meanwhile (an uninstall of its template), rather than bring its record back.
    public func saveUnderLock(_ record: AppRecord) throws {
        let events = context.events
        let lock = try StateLock(path: state.lockPath, wait: true) { holder in events.handle(.waitingForLock(holder: holder)) }
        defer { withExtendedLifetime(lock) {} }
        try recoverUnfinished(state: state, context: context)
        guard var current = try state.app(named: record.name), current.path == record.path else {
            throw ServiceError("the app '\(record.name)' was removed meanwhile; see 'paddock apps'", .usage)
        }
        current.port = record.port
        current.deployedHash = record.deployedHash
        current.deployedAt = record.deployedAt
        try state.saveApp(current)
    }

    // MARK: Health, status, logs

    /// Waits until the app answers its health check (any status below 500) with the Host it
    /// expects, while `alive` says its supervisor lives.
    public func waitUntilHealthy(_ app: LoadedApp, port: Int, timeout: TimeInterval = 60, alive: () -> Bool) -> HTTPProbe.Answer? {
        HealthWaiter(app: app).wait(port: port, timeout: timeout, alive: alive)
    }

    public struct StatusReport: Encodable, Sendable {
        public var app: String
        public var running: Bool
        /// False when the engine serves without its supervisor (which died): nothing restarts it.
        public var supervised: Bool
        public var url: String?
        public var port: Int?
        public var supervisorPid: Int32?
        public var enginePid: Int32?
        public var restarts: Int?
        public var healthy: Bool?
        public var path: String
        public var deployedAt: String?
        public var needsDeploy: Bool
        public var engine: String?
        public var recycles: Int?

        public init(app: String, running: Bool, supervised: Bool, path: String, needsDeploy: Bool) {
            self.app = app
            self.running = running
            self.supervised = supervised
            self.path = path
            self.needsDeploy = needsDeploy
        }
    }

    /// From the processes and the port, not only the status file: an engine whose supervisor
    /// died still counts as running (it answers), unsupervised.
    public static func report(_ loaded: LoadedApp) -> StatusReport {
        let pid = loaded.supervisorPid
        let orphan = pid == nil ? loaded.orphanedEngine : nil
        let status = pid == nil && orphan == nil ? nil : loaded.status
        var report = StatusReport(
            app: loaded.record.name, running: pid != nil || orphan != nil, supervised: pid != nil, path: loaded.record.path,
            needsDeploy: loaded.needsDeploy)
        if let port = status?.port {
            report.healthy = (HealthWaiter(app: loaded).probe(port: port, timeout: 3)?.status ?? 500) < 500
            report.url = loaded.address(port: port)
            report.port = port
        }
        report.supervisorPid = pid
        report.enginePid = status?.enginePid
        report.restarts = status?.restarts
        report.deployedAt = loaded.record.deployedAt
        report.engine = loaded.engine?.name ?? loaded.manifest.engineName
        report.recycles = status?.recycles
        return report
    }

    /// Every app's report; an app that does not load is reported stopped.
    public func reports() throws -> [StatusReport] {
        try state.apps().map { record in
            guard let loaded = try? load(record.name) else {
                return StatusReport(app: record.name, running: false, supervised: false, path: record.path, needsDeploy: false)
            }
            return Self.report(loaded)
        }
    }

    /// The app's log, or its deploy hook's log.
    public func logFile(_ app: LoadedApp, deploy: Bool) -> URL {
        deploy ? app.layout.state.appendingPathComponent(app.manifest.deployLog) : app.layout.appLog
    }

    /// Hands each new piece of `file` to `write` as it is appended, until the process ends
    /// (a truncated or rotated log is read again from its start).
    public static func follow(_ file: URL, write: (Data) -> Void) -> Never {
        var offset = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        while true {
            Thread.sleep(forTimeInterval: 0.25)
            guard let handle = FileHandle(forReadingAtPath: file.path) else { continue }
            let size = Int((try? handle.seekToEnd()) ?? 0)
            if size > offset {
                try? handle.seek(toOffset: UInt64(offset))
                write(handle.readData(ofLength: size - offset))
                offset = size
            } else if size < offset {
                offset = 0
            }
            try? handle.close()
        }
    }
}

/// The health check of one app: GET its health path with the Host it expects, over TCP or
/// the engine's Unix socket.
struct HealthWaiter: Sendable {
    var app: LoadedApp

    func probe(port: Int, timeout: TimeInterval = 5) -> HTTPProbe.Answer? {
        let host = Placeholders.render(app.healthHost ?? "127.0.0.1", ["host": "127.0.0.1"])
        if let socket = app.socketPath { return HTTPProbe.get(socketPath: socket, path: app.healthPath, host: host, timeout: timeout) }
        return HTTPProbe.get(port: port, path: app.healthPath, host: host, timeout: timeout)
    }

    func wait(port: Int, timeout: TimeInterval = 60, alive: () -> Bool) -> HTTPProbe.Answer? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && alive() {
            if let answer = probe(port: port), answer.status < 500 { return answer }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return nil
    }
}

/// Runs blocking work (waits for processes, ports, a supervisor's whole life) on a thread of
/// its own, so that Swift's cooperative pool is never blocked by it.
public enum OffPool {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}

/// The lifecycle as the install and uninstall services use it.
extension AppService: AppControlling {
    public func deployInputs(
        record: AppRecord, layout: AppLayout, manifest: AppManifest, base: [String: String]
    ) -> (values: [String: String], environment: [String: String]) {
        var manifest = manifest
        manifest.engineName = Self.chosenEngine(layout, manifest: manifest)
        let loaded = LoadedApp(record: record, layout: layout, manifest: manifest, resolved: engines.engine(named: manifest.engineName))
        let values = loaded.values(port: 8000, workers: 1)
        return (values, loaded.environment(values: values, base: base))
    }

    public func fingerprint(layout: AppLayout, manifest: AppManifest) -> String {
        let record = AppRecord(name: layout.name, template: "", path: layout.source.path, stateDirectory: layout.state.path, parameters: [:])
        let engine = engines.engine(named: Self.chosenEngine(layout, manifest: manifest))
        return LoadedApp(record: record, layout: layout, manifest: manifest, resolved: engine).fingerprint
    }

    public func stopIfRunning(_ record: AppRecord, state: StateStore) -> Bool {
        guard let loaded = try? load(record.name) else { return false }
        // A served app's farm (paddock serve) goes too, before its folders do.
        let served = (try? ServeService(apps: self).stop(record.name)) ?? false
        return stop(loaded) || served
    }
}
