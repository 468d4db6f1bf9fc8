import ArgumentParser
import FeedModel
import Foundation
import PaddockServices

struct EnginesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engines", abstract: "List the engines apps can run on: the shipped ones and the admin's own.",
        discussion: """
            An engine says what runs an app's code: its program and arguments, environment, \
            transport, reload strategy, worker formula and limits (docs/engines.md). Shipped engines \
            come with paddock; an engine in $XDG_CONFIG_HOME/paddock/engines/*.xml with the same name \
            replaces a shipped one whole, and upgrades never touch that folder.

            Examples:
              paddock engines
              paddock engines --json
            """)
    @OptionGroup var options: GlobalOptions

    struct Entry: Encodable {
        var name: String
        var displayName: String?
        var runtime: String
        var transport: String
        var reload: String
        var workers: String
        var gracefulTimeout: Int
        var memoryLimitMB: Int?
        var maxRequestsPerWorker: Int?
        var requestTimeLimit: Int?
        var watchMask: [String]
        var aliases: [String]
        var source: String
    }

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let store = EngineStore(environment: context.environment, paths: context.paths)
            let entries = try store.catalog().sorted.map { engine in
                let transport: String
                switch engine.transport {
                case .tcp(let ports): transport = "tcp \(ports.lowerBound)-\(ports.upperBound)"
                case .unix(let path): transport = "unix \(path)"
                }
                return Entry(
                    name: engine.name, displayName: engine.displayName, runtime: engine.runtime, transport: transport,
                    reload: engine.reload.description, workers: engine.workers.text, gracefulTimeout: engine.gracefulTimeout,
                    memoryLimitMB: engine.limits.memoryLimitMB, maxRequestsPerWorker: engine.limits.maxRequestsPerWorker,
                    requestTimeLimit: engine.limits.requestTimeLimit, watchMask: engine.limits.watchMask, aliases: engine.aliases,
                    source: engine.source)
            }
            if context.output.json {
                try context.output.printJSON(entries)
                return
            }
            if entries.isEmpty {
                context.output.line(
                    "No engines: paddock's own were not found (\(store.shippedFolder?.path ?? "no Recipes/engines beside the binary")), and \(store.userFolder.path) has none.")
            }
            for entry in entries {
                let limits = [
                    entry.memoryLimitMB.map { "memory \($0) MB" }, entry.maxRequestsPerWorker.flatMap { $0 > 0 ? "max requests \($0)" : nil },
                    entry.requestTimeLimit.map { "request time \($0) s" }, entry.watchMask.isEmpty ? nil : "watch \(entry.watchMask.joined(separator: ";"))",
                ].compactMap { $0 }
                context.output.line(
                    "\(context.output.bold(entry.name))  \(entry.runtime)  \(entry.transport)  reload: \(entry.reload)  workers: \(entry.workers)"
                        + (limits.isEmpty ? "" : "  " + limits.joined(separator: ", ")))
                context.output.line("  \(entry.source)")
            }
        }
    }
}
