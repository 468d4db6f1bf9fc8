import ArgumentParser
import FeedModel
import Foundation
import PaddockBasics
import PaddockStore
import PaddockState
import PaddockServices
import PaddockSystem
import Resolver

struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install", abstract: "Install products, or make an app from a blank project template.",
        discussion: """
            Resolves what the products need, asks a template's parameters, shows the plan, downloads \
            and verifies every file, then installs in one transaction: a failure, or a kill at any \
            moment, leaves the machine as it was. A template (blank-django, blank-flask, blank-rails, \
            blank-node, blank-perl, blank-mojolicious; 'paddock list' shows them) becomes an app: its \
            own folder, rendered with its parameters, deployed by its hook (migrations, static files) \
            and recorded, a git repository with a first commit.

            Examples:
              paddock install blank-django --app mysite
              paddock install blank-django --app shop --param database=postgresql --yes
              paddock install blank-flask --app api --answers answers.txt --yes
              paddock install blank-django --app mysite --dry-run --json
              paddock install blank-flask --app api --accept-eula
              paddock install blank-mojolicious --app blog --yes
            """)
    @Argument(help: "Products to install, optionally NAME@CONSTRAINT.", completion: Completions.products) var products: [String]
    @Option(help: "The app to make (with a template) or to install into.", completion: Completions.apps) var app: String?
    @Option(help: "Where the app's folder goes (default: ./APP).") var path: String?
    @Option(name: .customLong("param"), help: "A template parameter, NAME=VALUE (repeatable).") var parameters: [String] = []
    @Option(help: "A file of NAME = VALUE lines answering template parameters.") var answers: String?
    @Option(help: "The engine the new app runs on, instead of its template's (same runtime; see 'paddock engines').") var engine: String?
    @Flag(name: .shortAndLong, help: "Do not ask before installing (accepts the licences the plan lists).") var yes = false
    @Flag(help: "Accept the licences the plan lists and install without asking to proceed (template parameters are still asked on a terminal).")
    var acceptEula = false
    @Flag(help: "Show the plan and stop; the same as 'paddock plan'.") var dryRun = false
    @Flag(help: "Install files the feed gives no hash for.") var allowUnverified = false
    @Flag(help: "Fail at once if another paddock is installing, instead of waiting.") var noWait = false
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let parsed = try parsedParameters(parameters)
            var request = InstallRequest(
                app: app, path: path, parameters: parsed, answersFile: answers, yes: yes, dryRun: dryRun,
                allowUnverified: allowUnverified, noWait: noWait,
                commandLine: (["install"] + products + (app.map { ["--app", $0] } ?? [])).joined(separator: " "), acceptEula: acceptEula)
            request.engine = engine
            try await InstallReporter.run(request, products: products, context: context)
        }
    }
}

/// Runs an install (or upgrade) through the service and says what it did: the plan first,
/// then one line per outcome; with --json, JSON lines (events, then the report).
/// `--param NAME=VALUE`s, as install and adopt take them.
func parsedParameters(_ parameters: [String]) throws -> [String: String] {
    var parsed: [String: String] = [:]
    for parameter in parameters {
        guard let equals = parameter.firstIndex(of: "="), equals != parameter.startIndex else {
            throw ServiceError("--param \(parameter): expected NAME=VALUE", .usage)
        }
        parsed[String(parameter[..<equals])] = String(parameter[parameter.index(after: equals)...])
    }
    return parsed
}

enum InstallReporter {
    static func run(_ request: InstallRequest, products: [String], context: CommandContext) async throws {
        let services = try context.services(jsonEvents: true)
        let store = try services.openStore()
        let state = try services.openState()
        let machine = try MachineFacts.described(os: nil, arch: nil, language: nil, environment: context.environment)
        let output = context.output
        let service = InstallService(
            context: services, store: store, state: state, request: request, machine: machine, apps: try context.appService(state: state),
            showPlan: { plan in
                guard !output.json else { return }
                output.line(PlanRenderer.render(plan))
                // Out now: progress goes to stderr unbuffered, so a buffered plan would land after
                // it when both go to one pipe or file (2>&1).
                output.flush()
            })
        let outcome = try await service.run(products)
        try report(outcome, request: request, output: output)
    }

    static func report(_ outcome: InstallOutcome, request: InstallRequest, output: Output) throws {
        let plan = outcome.plan
        if outcome.nothingToDo {
            if output.json {
                try output.printJSON(InstallReport(installed: [], app: nil, plan: plan), oneLine: true)
            } else {
                output.line("Nothing to do: \(plan.requested.joined(separator: ", ")) \(plan.requested.count == 1 ? "is" : "are") already installed.")
            }
            return
        }
        if !request.upgrading.isEmpty {
            let upgrades = plan.stepsToInstall.compactMap { step -> UpgradeReport.Upgrade? in
                guard let old = request.upgrading[step.productId.lowercased()] else { return nil }
                return UpgradeReport.Upgrade(productId: step.productId, from: old.version, to: step.version)
            }
            let added = plan.stepsToInstall.filter { request.upgrading[$0.productId.lowercased()] == nil }.map(\.productId)
            if output.json {
                try output.printJSON(UpgradeReport(upgraded: upgrades, installed: added, dryRun: request.dryRun, plan: plan), oneLine: true)
                return
            }
            for upgrade in upgrades {
                output.line("\(request.dryRun ? "would upgrade" : "upgraded") \(upgrade.productId) \(upgrade.from ?? "?") → \(upgrade.to ?? "?")")
            }
            if !added.isEmpty {
                output.line("\(request.dryRun ? "would install" : "installed") \(added.joined(separator: ", ")) (needed by the new versions)")
            }
            return
        }
        if outcome.dryRun {
            if output.json { try output.printJSON(InstallReport(installed: [], app: nil, plan: plan), oneLine: true) }
            return
        }
        if output.json {
            try output.printJSON(InstallReport(installed: outcome.installed, app: outcome.app, plan: plan), oneLine: true)
            return
        }
        output.line("installed \(outcome.installed.joined(separator: ", "))")
        if let app = outcome.app {
            output.line("created app '\(app.name)' in \(app.path)")
            output.line("next: paddock launch \(app.name)")
        }
    }
}

/// What `paddock install --json` prints.
struct InstallReport: Encodable {
    var installed: [String]
    var app: AppRecord?
    var plan: InstallPlan
}

struct InstalledListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "installed", abstract: "List what paddock installed, and what it found on this machine.",
        discussion: "Examples:\n  paddock installed\n  paddock installed --json")
    @OptionGroup var options: GlobalOptions

    typealias Row = InstalledInventory.Row

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            try context.output.printInstalled(try InstalledInventory.rows(try context.services()))
        }
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
