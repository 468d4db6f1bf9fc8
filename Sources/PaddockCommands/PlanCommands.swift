import ArgumentParser
import FeedModel
import Foundation
import PaddockBasics
import PaddockStore
import PaddockSystem
import PaddockServices
import Resolver

/// Options that describe the machine to resolve for: this one by default.
struct MachineOptions: ParsableArguments {
    @Option(help: "Resolve for this OS (linux or windows) instead of this machine's.") var os: String?
    @Option(help: "Resolve for this architecture (x86_64, aarch64, x86...).") var arch: String?
    @Option(help: "Resolve for this installer language (en, fr...).") var language: String?
    @Option(
        help: ArgumentHelp(
            "With --os: the OS version (Windows 6.1 is Windows 7 and Server 2008 R2; on linux, the distribution's version).",
            valueName: "version")) var osVersion: String?

    /// The machine's facts, overridden by the options (as an offline bundle for another machine needs).
    func facts(environment: [String: String]) throws -> MachineFacts {
        try MachineFacts.described(os: os, arch: arch, language: language, osVersion: osVersion, environment: environment)
    }

    /// Whether the machine described is this one (discovery probes only make sense then).
    var describesThisMachine: Bool { os == nil && arch == nil }
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Show what installing products would do; nothing changes.",
        discussion: """
            Resolves the products and everything they need on this machine (or the one described by \
            --os/--arch/--language), and prints the plan as a tree marking what is already there, or \
            explains in plain sentences why it cannot be done.

            Examples:
              paddock plan blank-django
              paddock plan 'django@>=5.2' gunicorn --json
              paddock plan WordPress --os windows --arch x64
            """)
    @Argument(help: "Products, optionally with a version constraint: NAME@>=1.2", completion: Completions.products) var products: [String]
    @OptionGroup var machine: MachineOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let store = try context.openStore()
            let plan = try PlanMaker(
                context: try context.services(), store: store, machine: try machine.facts(environment: context.environment),
                probeMachine: machine.describesThisMachine
            ).resolve(products)
            if context.output.json {
                try context.output.printJSON(plan)
            } else {
                context.output.line(PlanRenderer.render(plan))
            }
        }
    }
}

struct WhyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why", abstract: "Say which requested products pull a product in.",
        discussion: """
            With no --for, looks at the products you installed on purpose.

            Examples:
              paddock why gunicorn --for blank-django
              paddock why python3
            """)
    @Argument(help: "The product to explain.", completion: Completions.products) var product: String
    @Option(name: .customLong("for"), parsing: .upToNextOption, help: "The requested products to explain it from.") var requested: [String] = []
    @OptionGroup var machine: MachineOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let store = try context.openStore()
            var roots = requested
            if roots.isEmpty {
                roots = try context.openState().installed().filter(\.requested).map(\.productId)
            }
            guard !roots.isEmpty else {
                throw ServiceError("nothing is installed on purpose yet; say which products to explain from: paddock why \(product) --for PRODUCT", .usage)
            }
            let plan = try PlanMaker(
                context: try context.services(), store: store, machine: try machine.facts(environment: context.environment),
                probeMachine: machine.describesThisMachine
            ).resolve(roots)
            let step = plan.steps.first { $0.productId.lowercased() == product.lowercased() }
            if context.output.json {
                try context.output.printJSON(WhyAnswer(product: step?.productId ?? product, paths: step?.why ?? []))
                return
            }
            context.output.line(PlanRenderer.renderWhy(step?.productId ?? product, in: plan))
            if step == nil { throw ExitCode(1) }
        }
    }
}

/// `paddock why --json`: each path from a requested product down to the one asked about.
struct WhyAnswer: Encodable {
    var product: String
    var paths: [[String]]
}
