import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockState

#if canImport(Glibc)
    import Glibc
#endif

/// One app, loaded with everything the app lifecycle needs: its record, its folders, its
/// manifest and the engine its manifest names.
public struct LoadedApp: Sendable {
    public var record: AppRecord
    public var layout: AppLayout
    public var manifest: AppManifest
    /// The engine definition the manifest names (nil when no engine of that name is known:
    /// then the manifest's own argv runs with the caller's environment).
    public var engine: EngineDefinition?

    /// `engine` nil: the engine the manifest names, from the standard places (EngineStore).
    public init(record: AppRecord, layout: AppLayout, manifest: AppManifest, engine: EngineDefinition? = nil) {
        self.record = record
        self.layout = layout
        self.manifest = manifest
        self.engine =
            engine
            ?? (try? EngineStore(environment: ProcessInfo.processInfo.environment, paths: PaddockPaths(environment: ProcessInfo.processInfo.environment))
                .catalog().engine(named: manifest.engineName))
    }

    /// With the engine already looked up (nil: none of that name), as `AppService.load` does.
    init(record: AppRecord, layout: AppLayout, manifest: AppManifest, resolved engine: EngineDefinition?) {
        self.record = record
        self.layout = layout
        self.manifest = manifest
        self.engine = engine
    }

    public var url: String { "http://127.0.0.1:\(record.port ?? 8000)/" }

    /// Placeholder values for the engine and the manifest: the template's parameters, the
    /// manifest's engine settings, the engine's limits, then the launch values.
    public func values(port: Int, workers: Int) -> [String: String] {
        var values = record.parameters
        values.merge(layout.values) { $1 }
        values["app_name"] = values["app_name"] ?? record.name
        values.merge(engine?.limitValues ?? [:]) { $1 }
        for setting in manifest.engineSettings { values[setting.name] = Placeholders.render(setting.value, values) }
        if let socket = socketPath {
            values["socket"] = socket
            values["bind"] = "unix:" + socket
        } else {
            values["bind"] = "127.0.0.1:\(port)"
        }
        values["port"] = String(port)
        values["workers"] = String(workers)
        values["host"] = "127.0.0.1"
        // Who the engine runs as (a server that switches user when started as root needs it).
        values["uid"] = String(getuid())
        values["gid"] = String(getgid())
        return values
    }

    /// Where clients reach the app: its URL on loopback, or `unix:PATH` for a Unix socket.
    public func address(port: Int) -> String {
        socketPath.map { "unix:" + $0 } ?? "http://127.0.0.1:\(port)/"
    }

    /// The Unix socket the engine listens on, when its transport is one.
    public var socketPath: String? {
        guard case .unix(let path) = engine?.transport else { return nil }
        return Placeholders.render(path, layout.values)
    }

    public func environment(values: [String: String], base: [String: String]) -> [String: String] {
        AppEnvironment.build(layout: layout, manifest: manifest, engine: engine, values: values, base: base)
    }

    /// The engine's argv: the manifest's own `<arg>`s when it has them, else the engine's
    /// program and arguments; placeholders filled, the program looked up on the engine's PATH.
    public func engineArguments(values: [String: String], environment: [String: String]) throws -> [String] {
        let written: [String]
        if !manifest.engineArguments.isEmpty {
            written = manifest.engineArguments
        } else if let engine {
            written = [engine.program] + engine.arguments
        } else {
            throw ServiceError(
                "the app '\(record.name)' names the engine '\(manifest.engineName)', which paddock does not know; see 'paddock engines'",
                .dataError)
        }
        var arguments = written.map { Placeholders.render($0, values) }
        if let found = Spawn.which(arguments[0], path: environment["PATH"]) { arguments[0] = found }
        return arguments
    }

    /// The worker count when none is asked for: the engine's formula over this machine's cores.
    public var defaultWorkers: Int {
        (engine?.workers ?? WorkerFormula(constant: 1)).evaluate(cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The ports a launch may choose from.
    public var portRange: ClosedRange<Int> {
        if case .tcp(let ports) = engine?.transport { return ports }
        return 8000...8099
    }

    /// The health check: the manifest's, when it says one, else the engine's.
    public var healthPath: String { manifest.healthPath != "/" ? manifest.healthPath : engine?.health?.path ?? "/" }
    public var healthHost: String? { manifest.healthHost ?? engine?.health?.host }

    public var status: SupervisorStatus? { SupervisorStatus.read(layout.statusFile) }

    /// The live supervisor's pid, or nil when it is not running.
    public var supervisorPid: pid_t? {
        guard let text = try? String(contentsOf: layout.supervisorPid, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), Spawn.isAlive(pid)
        else { return nil }
        return pid
    }

    /// An engine still serving after its supervisor died (killed, or its machine's OOM killer):
    /// the engine's pid from the last status, when that process is alive, leads its own group
    /// (the supervisor starts it so) and works in this app's folder. Nil while a supervisor
    /// lives, or when nothing of the app is left.
    public var orphanedEngine: pid_t? {
        guard supervisorPid == nil, let pid = status?.enginePid, pid > 1, Spawn.isAlive(pid),
            ProcessGroup.group(of: pid) == pid,
            let folder = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"),
            folder == layout.source.resolvingSymlinksInPath().path
        else { return nil }
        return pid
    }

    public var fingerprint: String {
        ChangeFingerprint.compute(layout.source, ignoring: manifest.staticPath.map { [$0] } ?? [], ignoredNames: engine?.ignoredNames ?? [])
    }

    public var needsDeploy: Bool { record.deployedHash != fingerprint }
}

extension AppRecord {
    /// Where the recorded app's folders are.
    public var layout: AppLayout {
        AppLayout(name: name, source: URL(fileURLWithPath: path), state: URL(fileURLWithPath: stateDirectory))
    }
}
