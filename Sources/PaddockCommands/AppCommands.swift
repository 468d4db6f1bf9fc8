import ArgumentParser
import FeedModel
import Foundation
import PaddockBasics
import PaddockApps
import PaddockServices
import PaddockState
import PaddockSystem

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
              paddock launch mysite --detach --open
            """)
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @Option(help: "The port on 127.0.0.1 (default: the app's last port, or the first free from 8000).") var port: Int?
    @Option(help: "Worker processes (default: 2 × cores + 1).") var workers: Int?
    @Flag(help: "Keep running after paddock exits.") var detach = false
    @Flag(help: "Open the app's URL in the desktop's browser (xdg-open) once it answers.") var open = false
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let (app, port, workers, detach, open) = (self.app, self.port, self.workers, self.detach, self.open)
            let status: Int32 = try await OffPool.run {
                let service = try context.appService(state: try context.openState())
                let prepared = try service.prepareLaunch(app, port: port)
                if prepared.running {
                    context.output.line("'\(app)' is already running at http://127.0.0.1:\(prepared.port)/")
                    if open { openInBrowser("http://127.0.0.1:\(prepared.port)/", context: context) }
                    return 0
                }
                let workerCount = workers ?? prepared.app.defaultWorkers
                if detach {
                    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
                    let launched = try service.startDetached(prepared.app, port: prepared.port, workers: workerCount, executable: executable)
                    report(launched, context: context)
                    if open { openInBrowser(launched.url, context: context) }
                    return 0
                }
                let output = context.output
                return try service.runInForeground(prepared.app, port: prepared.port, workers: workerCount) { launched in
                    if let launched {
                        report(launched, context: context)
                        if open { openInBrowser(launched.url, context: context) }
                        if !output.json { output.line("Press Ctrl-C to stop.") }
                        output.flush()
                    } else {
                        output.error("'\(app)' did not answer on port \(prepared.port); see \(prepared.app.layout.appLog.path)")
                    }
                }
            }
            if status != 0 { throw ExitCode(status) }
        }
    }
}

/// `launch --open`, WebPI's "Launch application in browser": the desktop's opener (xdg-open,
/// found on PATH) gets the URL; without one, paddock says so (the app is running all the same).
private func openInBrowser(_ url: String, context: CommandContext) {
    guard let opener = ProcessRunner.which("xdg-open", path: context.environment["PATH"]) else {
        context.output.warning("no desktop opener (xdg-open) is installed, so the browser was not opened; open \(url) yourself")
        return
    }
    do {
        let result = try ProcessRunner().run([opener, url], environment: context.environment, check: false, deadline: 30)
        if result.status == 0 {
            if !context.output.json { context.output.line("opened \(url) with \(opener)") }
        } else {
            context.output.warning("\(opener) \(url) exited with status \(result.status); open \(url) yourself")
        }
    } catch {
        context.output.warning("could not run \(opener): \(error); open \(url) yourself")
    }
}

private func report(_ launched: AppService.Launched, context: CommandContext) {
    if context.output.json {
        try? context.output.printJSON(LaunchReport(app: launched.app, url: launched.url, status: launched.status, started: launched.started))
    } else {
        context.output.line("\(context.output.green(launched.app)) is running at \(context.output.bold(launched.url))")
    }
}

/// `paddock launch --json`: where the app answers, and the status of its first answer.
struct LaunchReport: Encodable {
    var app: String
    var url: String
    /// The HTTP status of the health check that found it up.
    var status: Int
    /// False when it was running already.
    var started: Bool
}

/// `paddock stop --json` and `paddock restart --json`.
struct StopReport: Encodable {
    var app: String
    var stopped: Bool
}

struct RestartReport: Encodable {
    var app: String
    var restarted: Bool
    var url: String?
    /// Its settings had changed, so it was stopped and started rather than reloaded.
    var settingsApplied: Bool
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
            let (app, port, workers) = (self.app, self.port, self.workers)
            let status = try await OffPool.run { try context.appService(state: try context.openState()).supervise(app, port: port, workers: workers) }
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
            let app = self.app
            let stopped = try await OffPool.run {
                let service = try context.appService(state: try context.openState())
                let launched = service.stop(try service.load(app))
                // A served app (paddock serve): its instances, balancer and site too.
                let served = try ServeService(apps: service).stop(app) && !launched
                return launched || served
            }
            if context.output.json {
                try context.output.printJSON(StopReport(app: app, stopped: stopped))
            } else {
                context.output.line(stopped ? "stopped '\(app)'" : "'\(app)' is not running")
            }
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
            let app = self.app
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let (restarted, rolled) = try await OffPool.run { () -> (AppService.Restarted?, (url: String, instances: Int)?) in
                let service = try context.appService(state: try context.openState())
                if let restarted = try service.restart(app, executable: executable) { return (restarted, nil) }
                // A served app (paddock serve) is rolled instance by instance.
                let serving = ServeService(apps: service)
                guard serving.isServed(app) else { return (nil, nil) }
                let rolled = try serving.restart(app, executable: executable)
                return (nil, (try serving.status(app).url ?? "", rolled.instances))
            }
            if let rolled {
                if context.output.json { return try context.output.printJSON(RestartReport(app: app, restarted: true, url: rolled.url, settingsApplied: false)) }
                return context.output.line("restarted '\(app)' at \(rolled.url): \(rolled.instances) instances, one at a time")
            }
            if context.output.json {
                try context.output.printJSON(
                    RestartReport(app: app, restarted: restarted != nil, url: restarted?.url, settingsApplied: restarted?.settingsApplied ?? false))
            }
            guard let restarted else {
                if !context.output.json { context.output.line("'\(app)' is not running; start it with 'paddock launch \(app) --detach'") }
                throw ExitCode(1)
            }
            if context.output.json { return }
            context.output.line(
                "restarted '\(app)' at \(restarted.url)" + (restarted.settingsApplied ? " with its changed settings (stopped and started)" : ""))
        }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show whether an app is running, where, and how healthy.",
        discussion: "Examples:\n  paddock status mysite\n  paddock status mysite --json")
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @OptionGroup var options: GlobalOptions

    typealias Report = AppService.StatusReport

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let app = self.app
            let report = try await OffPool.run {
                let service = try context.appService(state: try context.openState())
                return AppService.report(try service.load(app))
            }
            if context.output.json {
                try context.output.printJSON(report)
                // The same status whatever the format: a script tests the code, not the text.
                if !report.running { throw ExitCode(3) }
                return
            }
            if report.running && !report.supervised {
                context.output.line(
                    "\(app): running without its supervisor at \(report.url ?? "?") (engine \(report.enginePid.map(String.init) ?? "?"); the supervisor died, so nothing restarts it): 'paddock launch \(app)' takes it over, 'paddock stop \(app)' stops it"
                )
            } else if report.running {
                context.output.line(
                    "\(app): running at \(report.url ?? "?") (supervisor \(report.supervisorPid ?? 0), engine \(report.enginePid.map(String.init) ?? "restarting"), \(report.restarts ?? 0) restarts, \(report.healthy == true ? "healthy" : "not answering"))"
                )
            } else {
                context.output.line("\(app): stopped")
            }
            context.output.line("  source: \(report.path)")
            if let deployed = report.deployedAt { context.output.line("  deployed: \(deployed)" + (report.needsDeploy ? " (files changed since)" : "")) }
            if !report.running { throw ExitCode(3) }  // As systemctl/LSB status: 3 = not running.
        }
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
            let reports = try await OffPool.run { try context.appService(state: try context.openState()).reports() }
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

/// `paddock logs --json`: one per line of the log.
struct LogLine: Encodable {
    var app: String
    /// `app` (the engine's output) or `deploy` (the deploy hook's log).
    var log: String
    var line: String
}

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Show an app's log (its engine's output), or its deploy log.",
        discussion: "Examples:\n  paddock logs mysite\n  paddock logs mysite --follow\n  paddock logs mysite --deploy -n 50\n  paddock logs mysite --json -n 100")
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @Flag(name: .shortAndLong, help: "Keep printing new lines as they come.") var follow = false
    @Flag(help: "Show the deploy hook's log instead.") var deploy = false
    @Option(name: [.customShort("n"), .long], help: "How many lines from the end, like tail -n.") var lines = 40
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let (app, deploy) = (self.app, self.deploy)
            let file = try await OffPool.run {
                let service = try context.appService(state: try context.openState())
                return service.logFile(try service.load(app), deploy: deploy)
            }
            if context.output.json {
                // JSON lines, one object per line of the log, so a script reads it as it comes.
                let name = deploy ? "deploy" : "app"
                for line in DeployHook.tail(file, lines: lines) { try context.output.printJSON(LogLine(app: app, log: name, line: line), oneLine: true) }
                guard follow else { return }
                context.output.flush()
                try await OffPool.run { () -> Void in
                    var pending = Data()
                    AppService.follow(file) { data in
                        pending.append(data)
                        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                            let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                            pending.removeSubrange(pending.startIndex...newline)
                            try? context.output.printJSON(LogLine(app: app, log: name, line: line), oneLine: true)
                            context.output.flush()
                        }
                    }
                }
                return
            }
            // A log holds what clients sent (a User-Agent, a path): its escapes are shown, not obeyed.
            for line in DeployHook.tail(file, lines: lines) { context.output.line(line.terminalSafe()) }
            guard follow else { return }
            context.output.flush()  // The new lines below are written straight to stdout, after these.
            try await OffPool.run { () -> Void in
                AppService.follow(file) { data in
                    FileHandle.standardOutput.write(Data(String(decoding: data, as: UTF8.self).terminalSafe(lines: true).utf8))
                }
            }
        }
    }
}
