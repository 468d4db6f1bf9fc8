import ArgumentParser
import Foundation
import PaddockServices

/// `paddock serve`: an app in production (docs/serving.md). `paddock serve APP` starts it;
/// `restart`, `stop` and `status` act on a served app.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve an app in production: N instances behind HAProxy and an nginx front.",
        discussion: """
            Starts N instances of the app's engine on loopback ports, each under its own supervisor; \
            HAProxy balancing them (health checks, a connection cap per instance equal to its workers, \
            retries on another instance); and an nginx front shared by every served app, which serves \
            the static files, terminates TLS, writes the access log and passes the rest on. paddock \
            writes and owns their configurations in its state folder; your own nginx lines for the \
            site go in serve/front-include.conf of the app's state folder, which paddock keeps.

            Examples:
              paddock serve mysite --instances 3 --listen 0.0.0.0:80 --server-name example.org
              paddock serve mysite --listen 0.0.0.0:443 --server-name example.org \\
                  --tls-cert /etc/ssl/example.pem --tls-key /etc/ssl/example.key --redirect-from 0.0.0.0:80
              paddock serve restart mysite      (rolling: one instance at a time, no failed request)
              paddock serve status mysite
              paddock serve stop mysite
            """,
        subcommands: [ServeStartCommand.self, ServeRestartCommand.self, ServeStopCommand.self, ServeStatusCommand.self],
        defaultSubcommand: ServeStartCommand.self)
}

private func executablePath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

struct ServeStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start serving an app (what 'paddock serve APP' does).",
        discussion: "Example:\n  paddock serve start mysite --instances 3 --listen 127.0.0.1:8080 --server-name localhost")
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @Option(help: "Instances of the app's engine.") var instances = 2
    @Option(help: "Workers of each instance, and the balancer's connection cap for it (default: 2).") var workers: Int?
    @Option(help: "Where the front listens: HOST:PORT.") var listen = "0.0.0.0:80"
    @Option(name: .customLong("server-name"), help: "A host name the site answers for (repeat for more; default: localhost).") var serverNames: [String] = []
    @Option(name: .customLong("tls-cert"), help: "The TLS certificate (PEM): the front then speaks HTTPS on --listen.") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "The TLS certificate's key (PEM).") var tlsKey: String?
    @Option(name: .customLong("redirect-from"), help: "With TLS: HOST:PORT where plain HTTP is redirected to HTTPS.") var redirectFrom: String?
    @Option(help: "The front server (nginx).") var front = "nginx"
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let request = ServeService.Request(
                instances: instances, workers: workers, listen: listen, serverNames: serverNames, tlsCertificate: tlsCert, tlsKey: tlsKey,
                redirectFrom: redirectFrom, front: front)
            let app = self.app
            let served = try await OffPool.run {
                try context.serveService().serve(app, request: request, executable: executablePath())
            }
            if context.output.json { return try context.output.printJSON(served) }
            context.output.line(
                "serving '\(served.app)' at \(served.url) (\(served.instances.count) instances on ports \(served.instances.map(String.init).joined(separator: ", ")); HAProxy on 127.0.0.1:\(served.balancerPort))"
            )
        }
    }
}

struct ServeRestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Roll a served app: deploy if changed, then each instance drained, restarted, checked, put back.",
        discussion: "Example:\n  paddock serve restart mysite")
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let app = self.app
            let rolled = try await OffPool.run {
                try context.serveService().restart(app, executable: executablePath())
            }
            if context.output.json { return try context.output.printJSON(rolled) }
            context.output.line("restarted '\(rolled.app)': \(rolled.instances) instances, one at a time\(rolled.deployed ? " (deployed first)" : "")")
        }
    }
}

struct ServeStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop serving an app: its instances, its balancer, its site on the front.",
        discussion: "Example:\n  paddock serve stop mysite")
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let app = self.app
            let stopped = try await OffPool.run { try context.serveService().stop(app) }
            if context.output.json { return try context.output.printJSON(StopReport(app: app, stopped: stopped)) }
            context.output.line(stopped ? "stopped serving '\(app)'" : "'\(app)' was not served")
        }
    }
}

struct ServeStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a served app's front, balancer and instances (exit 3 when it is not served).",
        discussion: "Example:\n  paddock serve status mysite --json")
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let app = self.app
            let status = try await OffPool.run { try context.serveService().status(app) }
            if context.output.json {
                try context.output.printJSON(status)
            } else {
                context.output.line("\(status.app): \(status.served ? "served at \(status.url ?? "")" : "not served")")
                for part in status.parts {
                    let balancer = part.balancer.map { ", balancer: \($0)" } ?? ""
                    context.output.line(
                        "  \(part.part): \(part.running ? "running" : "stopped")\(part.port.map { ", port \($0)" } ?? "")\(part.enginePid.map { ", pid \($0)" } ?? "")\(part.restarts.map { ", restarts \($0)" } ?? "")\(balancer)"
                    )
                }
            }
            if !status.served { throw ExitCode(3) }
        }
    }
}

struct ServePartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-part", abstract: "Run the supervisor of one part of a served app (started by 'paddock serve').", shouldDisplay: false)
    @Argument var part: String
    @Argument var app: String?
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let (part, app) = (self.part, self.app)
            let status = try await OffPool.run { try context.serveService().runPart(part, app: app) }
            if status != 0 { throw ExitCode(status) }
        }
    }
}
