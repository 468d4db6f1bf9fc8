import Foundation

/// Where one app's pieces live. The source tree (what the user edits and commits) holds the
/// rendered template (and whatever its engine keeps there); everything else (secrets, data, logs, pids) is kept in
/// paddock's state folder, out of the source tree.
public struct AppLayout: Sendable, Hashable {
    public var name: String
    public var source: URL
    public var state: URL

    public init(name: String, source: URL, state: URL) {
        self.name = name
        self.source = source
        self.state = state
    }

    public var manifest: URL { source.appendingPathComponent("paddock-app.xml") }
    /// KEY=VALUE lines, mode 0600: the generated secret key and the settings paddock passes.
    public var environmentFile: URL { state.appendingPathComponent("env") }
    public var data: URL { state.appendingPathComponent("data") }
    public var logs: URL { state.appendingPathComponent("logs") }
    public var run: URL { state.appendingPathComponent("run") }
    public var appLog: URL { logs.appendingPathComponent("app.log") }
    public var supervisorLog: URL { logs.appendingPathComponent("supervisor.log") }
    public var supervisorPid: URL { run.appendingPathComponent("supervisor.pid") }
    public var statusFile: URL { run.appendingPathComponent("status.json") }
    public var deployLock: URL { run.appendingPathComponent("deploy.lock") }

    /// The placeholders the layout fills: `{{app_root}}`, `{{data_dir}}`, `{{run_dir}}`, `{{log_dir}}`.
    public var values: [String: String] {
        ["app_root": source.path, "data_dir": data.path, "run_dir": run.path, "log_dir": logs.path]
    }

    public func createStateFolders() throws {
        for folder in [state, data, logs, run] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        chmod(state.path, 0o700)
    }
}
