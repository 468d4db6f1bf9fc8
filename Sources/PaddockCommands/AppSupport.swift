import FeedModel
import PaddockXML
import Foundation
import PaddockBasics
import PaddockApps
import PaddockState
import PaddockServices
import PaddockStore

#if canImport(Glibc)
import Glibc
#endif

/// One app, loaded with everything the app commands need.
struct LoadedApp {
    var record: AppRecord
    var layout: AppLayout
    var manifest: AppManifest

    var url: String { "http://127.0.0.1:\(record.port ?? 8000)/" }

    /// Placeholder values for the manifest: the template's parameters plus launch values.
    func values(port: Int, workers: Int) -> [String: String] {
        var values = record.parameters
        values["app_root"] = layout.source.path
        values["app_name"] = values["app_name"] ?? record.name
        values["bind"] = "127.0.0.1:\(port)"
        values["port"] = String(port)
        values["workers"] = String(workers)
        values["host"] = "127.0.0.1"
        values["data_dir"] = layout.data.path
        return values
    }

    func environment(values: [String: String], base: [String: String]) -> [String: String] {
        AppEnvironment.build(layout: layout, manifest: manifest, values: values, base: base)
    }

    /// The engine's argv, its program looked up in the app's venv first.
    func engineArguments(values: [String: String]) -> [String] {
        var arguments = manifest.engineArguments.map { Placeholders.render($0, values) }
        let inVenv = layout.venvBin.appendingPathComponent(arguments[0]).path
        if FileManager.default.isExecutableFile(atPath: inVenv) { arguments[0] = inVenv }
        return arguments
    }

    var status: SupervisorStatus? { SupervisorStatus.read(layout.statusFile) }

    /// The live supervisor's pid, or nil when it is not running.
    var supervisorPid: pid_t? {
        guard let text = try? String(contentsOf: layout.supervisorPid, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), Spawn.isAlive(pid)
        else { return nil }
        return pid
    }

    /// An engine still serving after its supervisor died (killed, or its machine's OOM killer):
    /// the engine's pid from the last status, when that process is alive, leads its own group
    /// (the supervisor starts it so) and works in this app's folder. Nil while a supervisor
    /// lives, or when nothing of the app is left.
    var orphanedEngine: pid_t? {
        guard supervisorPid == nil, let pid = status?.enginePid, pid > 1, Spawn.isAlive(pid),
            ProcessGroup.group(of: pid) == pid,
            let folder = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"),
            folder == layout.source.resolvingSymlinksInPath().path
        else { return nil }
        return pid
    }

    var needsDeploy: Bool {
        record.deployedHash != ChangeFingerprint.compute(layout.source, ignoring: manifest.staticPath.map { [$0] } ?? [])
    }

    var fingerprint: String { ChangeFingerprint.compute(layout.source, ignoring: manifest.staticPath.map { [$0] } ?? []) }
}

/// gunicorn's advice: (2 × cores) + 1 workers.
func defaultWorkerCount() -> Int { 2 * ProcessInfo.processInfo.activeProcessorCount + 1 }

extension CommandContext {
    func loadApp(_ name: String, state: StateStore) throws -> LoadedApp {
        guard let record = try state.app(named: name) else {
            let known = try state.apps().map(\.name)
            throw CommandError(
                message: "no app named '\(name)'" + (known.isEmpty ? "; create one with 'paddock install blank-django --app \(name)'" : " (apps: \(known.joined(separator: ", ")))"),
                exitCode: 64)
        }
        let layout = record.layout
        guard FileManager.default.fileExists(atPath: layout.manifest.path) else {
            throw CommandError(message: "the app '\(name)' has no manifest at \(layout.manifest.path); was its folder moved or deleted?", exitCode: 66)
        }
        let manifest = try AppManifestReader.read(path: layout.manifest.path)
        return LoadedApp(record: record, layout: layout, manifest: manifest)
    }

    /// Stops an app's supervisor (requests in flight are finished first; SIGKILL after 40 s)
    /// and waits until its port is free. False when it was not running. `paddock stop` and
    /// `paddock uninstall` of an app's template both use it.
    @discardableResult
    func stopApp(_ loaded: LoadedApp) -> Bool {
        if let engine = loaded.orphanedEngine {
            stopOrphanedEngine(engine, of: loaded)
            return true
        }
        guard let pid = loaded.supervisorPid else { return false }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(40)
        while Spawn.isAlive(pid) && Date() < deadline { usleep(100_000) }
        if Spawn.isAlive(pid) {
            kill(pid, SIGKILL)
            if let engine = loaded.status?.enginePid { kill(engine, SIGKILL) }
        }
        waitUntilPortIsFree(loaded)
        return true
    }

    /// Ends an engine whose supervisor died: SIGTERM to its group (gunicorn finishes the
    /// requests in flight), SIGKILL after the graceful timeout, then waits for the port.
    func stopOrphanedEngine(_ engine: pid_t, of loaded: LoadedApp, graceful: TimeInterval = 30) {
        kill(-engine, SIGTERM)
        let deadline = Date().addingTimeInterval(graceful)
        while Spawn.isAlive(engine) && Date() < deadline { usleep(100_000) }
        if Spawn.isAlive(engine) { kill(-engine, SIGKILL) }
        waitUntilPortIsFree(loaded)
    }

    /// The port is free once the engine is gone: up to 10 s for the kernel to let it go.
    private func waitUntilPortIsFree(_ loaded: LoadedApp) {
        guard let port = loaded.status?.port else { return }
        let deadline = Date().addingTimeInterval(10)
        while HTTPProbe.isListening(port: port) && Date() < deadline { usleep(100_000) }
    }

    /// Runs the deploy hook when the app's files changed since its last successful deploy.
    func deployIfNeeded(_ app: inout LoadedApp, state: StateStore, force: Bool = false) throws -> Bool {
        guard force || app.needsDeploy else { return false }
        let port = app.record.port ?? 8000
        let values = app.values(port: port, workers: 1)
        output.progress("running the deploy hook of '\(app.record.name)'")
        try DeployHook.run(layout: app.layout, manifest: app.manifest, environment: app.environment(values: values, base: environment), values: values)
        app.record.deployedHash = app.fingerprint
        app.record.deployedAt = StateStore.timestamp()
        try saveAppUnderLock(app.record, state: state)
        return true
    }

    /// Writes what launching changes in an app's record (its port, its last deploy) under the
    /// state lock, after rolling back a dead paddock's transaction; refuses when the app was
    /// removed meanwhile (an uninstall of its template), rather than bring its record back.
    func saveAppUnderLock(_ record: AppRecord, state: StateStore) throws {
        let lock = try StateLock(path: state.lockPath, wait: true) { holder in
            output.progress("waiting for another paddock (\(holder)) to finish")
        }
        defer { withExtendedLifetime(lock) {} }
        try recoverUnfinished(state: state, context: try services())
        guard var current = try state.app(named: record.name), current.path == record.path else {
            throw CommandError(message: "the app '\(record.name)' was removed meanwhile; see 'paddock apps'", exitCode: 64)
        }
        current.port = record.port
        current.deployedHash = record.deployedHash
        current.deployedAt = record.deployedAt
        try state.saveApp(current)
    }

    /// Waits until the app answers its health check (any status below 500) with the Host it
    /// expects, while its supervisor is alive.
    func waitUntilHealthy(_ app: LoadedApp, port: Int, timeout: TimeInterval = 60, alive: () -> Bool) -> HTTPProbe.Answer? {
        let deadline = Date().addingTimeInterval(timeout)
        let host = Placeholders.render(app.manifest.healthHost ?? "127.0.0.1", ["host": "127.0.0.1"])
        while Date() < deadline && alive() {
            if let answer = HTTPProbe.get(port: port, path: app.manifest.healthPath, host: host, timeout: 5), answer.status < 500 {
                return answer
            }
            usleep(200_000)
        }
        return nil
    }
}


/// The app lifecycle as the install and uninstall services see it (`AppControlling`), on the
/// commands' `LoadedApp` until the app service carries it.
struct CommandAppControl: AppControlling {
    let context: CommandContext

    func deployInputs(record: AppRecord, layout: AppLayout, manifest: AppManifest, base: [String: String]) -> (values: [String: String], environment: [String: String]) {
        let loaded = LoadedApp(record: record, layout: layout, manifest: manifest)
        let values = loaded.values(port: 8000, workers: 1)
        return (values, loaded.environment(values: values, base: base))
    }

    func fingerprint(layout: AppLayout, manifest: AppManifest) -> String {
        LoadedApp(record: AppRecord(name: layout.name, template: "", path: layout.source.path, stateDirectory: layout.state.path, parameters: [:]), layout: layout, manifest: manifest).fingerprint
    }

    func stopIfRunning(_ record: AppRecord, state: StateStore) -> Bool {
        guard let loaded = try? context.loadApp(record.name, state: state) else { return false }
        return context.stopApp(loaded)
    }
}
