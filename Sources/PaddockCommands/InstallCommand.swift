import ArgumentParser
import FeedModel
import Foundation
import PaddockStore
import PaddockState
import PaddockSystem

struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install", abstract: "Install products, or make an app from a blank project template.",
        discussion: """
            Resolves what the products need, shows the plan, downloads and verifies every file, then \
            installs in one transaction: a failure, or a kill at any moment, leaves the machine as it \
            was. A template (blank-django, blank-flask) becomes an app: its own folder with a virtual \
            environment, rendered with its parameters, deployed (migrate, collectstatic) and recorded.

            Examples:
              paddock install blank-django --app mysite
              paddock install blank-django --app shop --param database=postgresql --yes
              paddock install blank-flask --app api --answers answers.txt --yes
              paddock install blank-django --app mysite --dry-run --json
            """)
    @Argument(help: "Products to install, optionally NAME@CONSTRAINT.", completion: Completions.products) var products: [String]
    @Option(help: "The app to make (with a template) or to install into.", completion: Completions.apps) var app: String?
    @Option(help: "Where the app's folder goes (default: ./APP).") var path: String?
    @Option(name: .customLong("param"), help: "A template parameter, NAME=VALUE (repeatable).") var parameters: [String] = []
    @Option(help: "A file of NAME = VALUE lines answering template parameters.") var answers: String?
    @Flag(name: .shortAndLong, help: "Do not ask before installing.") var yes = false
    @Flag(help: "Show the plan and stop; the same as 'paddock plan'.") var dryRun = false
    @Flag(help: "Install files the feed gives no hash for.") var allowUnverified = false
    @Flag(help: "Fail at once if another paddock is installing, instead of waiting.") var noWait = false
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            var parsed: [String: String] = [:]
            for parameter in parameters {
                guard let equals = parameter.firstIndex(of: "="), equals != parameter.startIndex else {
                    throw CommandError(message: "--param \(parameter): expected NAME=VALUE", exitCode: 64)
                }
                parsed[String(parameter[..<equals])] = String(parameter[parameter.index(after: equals)...])
            }
            let installOptions = InstallOptions(
                app: app, path: path, parameters: parsed, answersFile: answers, yes: yes, dryRun: dryRun,
                allowUnverified: allowUnverified, noWait: noWait,
                commandLine: (["install"] + products + (app.map { ["--app", $0] } ?? [])).joined(separator: " "))
            let store = try context.openStore()
            let state = try context.openState()
            let machine = try MachineOptions.facts(os: nil, arch: nil, language: nil, environment: context.environment)
            try await Installation(context: context, store: store, state: state, options: installOptions, machine: machine).run(products)
        }
    }
}

struct InstalledListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "installed", abstract: "List what paddock installed, and what it found on this machine.",
        discussion: "Examples:\n  paddock installed\n  paddock installed --json")
    @OptionGroup var options: GlobalOptions

    struct Row: Encodable {
        var productId: String
        var version: String?
        var app: String?
        var origin: String
        var scope: String?
        var feed: String?
    }

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            try context.output.printInstalled(try Self.rows(context))
        }
    }

    /// paddock's own records, then products of the feeds that discovery finds on the machine.
    static func rows(_ context: CommandContext) throws -> [Row] {
        let state = try context.openState()
        var rows = try state.installed().map {
            Row(productId: $0.productId, version: $0.version, app: $0.app.isEmpty ? nil : $0.app, origin: "paddock", scope: $0.scope, feed: $0.feed)
        }
        let known = Set(rows.map { $0.productId.lowercased() })
        let store = try context.openStore()
        var candidates: [(summary: ProductSummary, hint: DiscoveryHint)] = []
        for summary in try store.catalog.list(includeExcluded: true) where !known.contains(summary.productId.lowercased()) {
            guard let entry = try store.catalog.products(withId: summary.productId).first, let hint = entry.product.discovery,
                !entry.product.installers.contains(where: { $0.linux?.scope == .app })
            else { continue }
            candidates.append((summary, hint))
        }
        let found = DiscoveryProbe(environment: context.environment).evaluateAll(candidates.map(\.hint))
        for (candidate, discovery) in zip(candidates, found) where discovery.found {
            rows.append(Row(
                productId: candidate.summary.productId, version: discovery.version, app: nil, origin: "found on this machine", scope: nil,
                feed: candidate.summary.feed))
        }
        return rows
    }
}

extension Output {
    func printInstalled(_ rows: [InstalledListCommand.Row]) throws {
        if json {
            try printJSON(rows)
            return
        }
        if rows.isEmpty { line("Nothing installed yet.") }
        for row in rows {
            let place = row.app.map { " (app \($0))" } ?? ""
            line("\(bold(row.productId)) \(row.version ?? "")\(place)  \(dim(row.origin))")
        }
    }
}
