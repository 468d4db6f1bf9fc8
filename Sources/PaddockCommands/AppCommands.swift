import ArgumentParser
import FeedModel
import Foundation
import PaddockBasics
import PaddockApps
import PaddockState

#if canImport(Glibc)
import Glibc
#endif

struct LaunchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch", abstract: "Start an app under paddock's supervision and print its URL.",
        discussion: """
            Runs the deploy hook first when the app's files changed since the last deploy, starts the \
            engine (gunicorn on 127.0.0.1) under a supervisor that restarts it with backoff, checks \
            that the app answers, then prints its URL. Without --detach it runs until Ctrl-C.

            Examples:
              paddock launch mysite
              paddock launch mysite --port 8080 --workers 3 --detach
            """)
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @Option(help: "The port on 127.0.0.1 (default: the app's last port, or the first free from 8000).") var port: Int?
    @Option(help: "Worker processes (default: 2 × cores + 1).") var workers: Int?
    @Flag(help: "Keep running after paddock exits.") var detach = false
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let state = try context.openState()
            var loaded = try context.loadApp(app, state: state)
            if loaded.supervisorPid != nil, let status = loaded.status {
                context.output.line("'\(app)' is already running at http://127.0.0.1:\(status.port)/")
                return
            }
            // Its supervisor died and left the engine serving: replace it with a supervised one,
            // on the same port (the old engine finishes its requests first).
            if let engine = loaded.orphanedEngine {
                context.output.progress("replacing the engine of '\(app)' that a dead supervisor left running (pid \(engine))")
                context.stopOrphanedEngine(engine, of: loaded)
            }
            let chosenPort = try choosePort(loaded)
            loaded.record.port = chosenPort
            try context.saveAppUnderLock(loaded.record, state: state)
            _ = try context.deployIfNeeded(&loaded, state: state)
            let workerCount = workers ?? defaultWorkerCount()
            if detach {
                try startDetached(loaded, port: chosenPort, workers: workerCount, context: context)
            } else {
                try runInForeground(loaded, port: chosenPort, workers: workerCount, context: context)
            }
        }
    }

    private func choosePort(_ app: LoadedApp) throws -> Int {
        if let port {
            guard (1...65535).contains(port) else { throw CommandError(message: "--port \(port) is not a port number", exitCode: 64) }
            guard !HTTPProbe.isListening(port: port) else {
                throw CommandError(message: "port \(port) on 127.0.0.1 is in use; choose another with --port", exitCode: 69)
            }
            return port
        }
        if let previous = app.record.port, !HTTPProbe.isListening(port: previous) { return previous }
        guard let free = HTTPProbe.freePort(from: 8000) else {
            throw CommandError(message: "no free port from 8000 to 8099 on 127.0.0.1; choose one with --port", exitCode: 69)
        }
        return free
    }

    private func startDetached(_ app: LoadedApp, port: Int, workers: Int, context: CommandContext) throws {
        try app.layout.createStateFolders()
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var environment = context.environment
        environment["PADDOCK_HOME"] = context.environment["PADDOCK_HOME"]
        // A session of its own: the supervisor outlives this command and its terminal.
        let pid = try Spawn.start(
            [executable, "supervise", app.record.name, "--port", String(port), "--workers", String(workers)],
            environment: environment,
            options: Spawn.Options(directory: app.layout.source.path, output: .file(app.layout.supervisorLog.path), newSession: true)).pid
        context.output.progress("starting '\(app.record.name)' (supervisor pid \(pid))")
        guard let answer = context.waitUntilHealthy(app, port: port, alive: { Spawn.isAlive(pid) || reapIfExited(pid) == false }) else {
            kill(pid, SIGTERM)
            throw CommandError(
                message: "'\(app.record.name)' did not answer on port \(port); last lines of \(app.layout.appLog.path):\n"
                    + DeployHook.tail(app.layout.appLog, lines: 15).map { "    " + $0 }.joined(separator: "\n"),
                exitCode: 1)
        }
        report(app, port: port, status: answer.status, context: context)
    }

    private func runInForeground(_ app: LoadedApp, port: Int, workers: Int, context: CommandContext) throws {
        let values = app.values(port: port, workers: workers)
        let supervisor = Supervisor(
            layout: app.layout, arguments: app.engineArguments(values: values),
            environment: app.environment(values: values, base: context.environment), port: port)
        let output = context.output
        supervisor.onFirstStart = {
            Thread.detachNewThread {
                if let answer = context.waitUntilHealthy(app, port: port, alive: { true }) {
                    report(app, port: port, status: answer.status, context: context)
                    if !output.json { output.line("Press Ctrl-C to stop.") }
                    output.flush()
                } else {
                    output.error("'\(app.record.name)' did not answer on port \(port); see \(app.layout.appLog.path)")
                }
            }
        }
        let status = supervisor.run()
        if status != 0 { throw ExitCode(status) }
    }
}

/// Reaps a child that exited (so it is not a zombie that looks alive); false when it is gone.
private func reapIfExited(_ pid: pid_t) -> Bool {
    var status: Int32 = 0
    return waitpid(pid, &status, WNOHANG) == 0
}

private func report(_ app: LoadedApp, port: Int, status: Int, context: CommandContext) {
    let url = "http://127.0.0.1:\(port)/"
    if context.output.json {
        try? context.output.printJSON(["app": app.record.name, "url": url, "status": String(status)])
    } else {
        context.output.line("\(context.output.green(app.record.name)) is running at \(context.output.bold(url))")
    }
}

/// The supervisor a detached launch leaves running; not for users.
struct SuperviseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervise", abstract: "Run an app's supervisor (started by 'paddock launch --detach').",
        shouldDisplay: false)
    @Argument var app: String
    @Option var port: Int
    @Option var workers: Int
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let state = try context.openState()
            let loaded = try context.loadApp(app, state: state)
            let values = loaded.values(port: port, workers: workers)
            let supervisor = Supervisor(
                layout: loaded.layout, arguments: loaded.engineArguments(values: values),
                environment: loaded.environment(values: values, base: context.environment), port: port)
            let status = supervisor.run()
            if status != 0 { throw ExitCode(status) }
        }
    }
}

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a running app; requests in flight are finished first.",
        discussion: "Example:\n  paddock stop mysite")
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let loaded = try context.loadApp(app, state: try context.openState())
            guard context.stopApp(loaded) else {
                context.output.line("'\(app)' is not running")
                return
            }
            context.output.line("stopped '\(app)'")
        }
    }
}

struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Redeploy if the app changed, then reload it without dropping requests.",
        discussion: """
            When the app's files changed since the last deploy, the deploy hook runs first; if it fails, \
            the running instance keeps serving the old version. Then gunicorn starts new workers and \
            only afterwards stops the old ones, so no request is refused.

            Example:
              paddock restart mysite
            """)
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let state = try context.openState()
            var loaded = try context.loadApp(app, state: state)
            guard let pid = loaded.supervisorPid, let status = loaded.status else {
                context.output.line("'\(app)' is not running; start it with 'paddock launch \(app) --detach'")
                throw ExitCode(1)
            }
            _ = try context.deployIfNeeded(&loaded, state: state)
            kill(pid, SIGHUP)
            // Give gunicorn a moment to begin the reload, then check that the app answers.
            usleep(500_000)
            guard context.waitUntilHealthy(loaded, port: status.port, alive: { Spawn.isAlive(pid) }) != nil else {
                throw CommandError(message: "'\(app)' does not answer after the reload; see \(loaded.layout.appLog.path)", exitCode: 1)
            }
            context.output.line("restarted '\(app)' at http://127.0.0.1:\(status.port)/")
        }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show whether an app is running, where, and how healthy.",
        discussion: "Examples:\n  paddock status mysite\n  paddock status mysite --json")
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @OptionGroup var options: GlobalOptions

    struct Report: Encodable {
        var app: String
        var running: Bool
        /// False when the engine serves without its supervisor (which died): nothing restarts it.
        var supervised: Bool
        var url: String?
        var port: Int?
        var supervisorPid: Int32?
        var enginePid: Int32?
        var restarts: Int?
        var healthy: Bool?
        var path: String
        var deployedAt: String?
        var needsDeploy: Bool
    }

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let loaded = try context.loadApp(app, state: try context.openState())
            let report = Self.report(loaded)
            if context.output.json {
                try context.output.printJSON(report)
                return
            }
            if report.running && !report.supervised {
                context.output.line(
                    "\(app): running without its supervisor at \(report.url ?? "?") (engine \(report.enginePid.map(String.init) ?? "?"); the supervisor died, so nothing restarts it): 'paddock launch \(app)' takes it over, 'paddock stop \(app)' stops it")
            } else if report.running {
                context.output.line("\(app): running at \(report.url ?? "?") (supervisor \(report.supervisorPid ?? 0), engine \(report.enginePid.map(String.init) ?? "restarting"), \(report.restarts ?? 0) restarts, \(report.healthy == true ? "healthy" : "not answering"))")
            } else {
                context.output.line("\(app): stopped")
            }
            context.output.line("  source: \(report.path)")
            if let deployed = report.deployedAt { context.output.line("  deployed: \(deployed)" + (report.needsDeploy ? " (files changed since)" : "")) }
            if !report.running { throw ExitCode(3) }  // As systemctl/LSB status: 3 = not running.
        }
    }

    /// From the processes and the port, not only the status file: an engine whose supervisor
    /// died still counts as running (it answers), unsupervised.
    static func report(_ loaded: LoadedApp) -> Report {
        let pid = loaded.supervisorPid
        let orphan = pid == nil ? loaded.orphanedEngine : nil
        let status = pid == nil && orphan == nil ? nil : loaded.status
        var healthy: Bool?
        if let port = status?.port {
            healthy = (HTTPProbe.get(port: port, path: loaded.manifest.healthPath, host: "127.0.0.1", timeout: 3)?.status ?? 500) < 500
        }
        return Report(
            app: loaded.record.name, running: pid != nil || orphan != nil, supervised: pid != nil,
            url: status.map { "http://127.0.0.1:\($0.port)/" }, port: status?.port,
            supervisorPid: pid, enginePid: status?.enginePid, restarts: status?.restarts, healthy: healthy,
            path: loaded.record.path, deployedAt: loaded.record.deployedAt, needsDeploy: loaded.needsDeploy)
    }
}

struct AppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps", abstract: "List every app with its state and URL.",
        discussion: "Examples:\n  paddock apps\n  paddock apps --json")
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let state = try context.openState()
            var reports: [StatusCommand.Report] = []
            for record in try state.apps() {
                guard let loaded = try? context.loadApp(record.name, state: state) else {
                    reports.append(.init(app: record.name, running: false, supervised: false, path: record.path, needsDeploy: false))
                    continue
                }
                reports.append(StatusCommand.report(loaded))
            }
            if context.output.json {
                try context.output.printJSON(reports)
                return
            }
            if reports.isEmpty { context.output.line("No apps. Create one with 'paddock install blank-django --app mysite'.") }
            for report in reports {
                let state = report.running ? context.output.green("running") : "stopped"
                context.output.line("\(context.output.bold(report.app))  \(state)  \(report.url ?? "")  \(report.path)")
            }
        }
    }
}

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Show an app's log (its engine's output), or its deploy log.",
        discussion: "Examples:\n  paddock logs mysite\n  paddock logs mysite --follow\n  paddock logs mysite --deploy -n 50")
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @Flag(name: .shortAndLong, help: "Keep printing new lines as they come.") var follow = false
    @Flag(help: "Show the deploy hook's log instead.") var deploy = false
    @Option(name: [.customShort("n"), .long], help: "How many lines from the end, like tail -n.") var lines = 40
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let loaded = try context.loadApp(app, state: try context.openState())
            let file = deploy ? loaded.layout.state.appendingPathComponent(loaded.manifest.deployLog) : loaded.layout.appLog
            // A log holds what clients sent (a User-Agent, a path): its escapes are shown, not obeyed.
            for line in DeployHook.tail(file, lines: lines) { context.output.line(line.terminalSafe()) }
            guard follow else { return }
            context.output.flush()  // The new lines below are written straight to stdout, after these.
            var offset = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            while true {
                usleep(250_000)
                guard let handle = FileHandle(forReadingAtPath: file.path) else { continue }
                let size = Int((try? handle.seekToEnd()) ?? 0)
                if size > offset {
                    try handle.seek(toOffset: UInt64(offset))
                    let data = handle.readData(ofLength: size - offset)
                    FileHandle.standardOutput.write(Data(String(decoding: data, as: UTF8.self).terminalSafe(lines: true).utf8))
                    offset = size
                } else if size < offset {
                    offset = 0  // The log was rotated or truncated.
                }
                try? handle.close()
            }
        }
    }
}
