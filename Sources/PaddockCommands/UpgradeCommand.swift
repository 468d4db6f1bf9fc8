import ArgumentParser
import FeedModel
import Foundation
import PaddockState
import PaddockSystem
import Resolver

struct UpgradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade", abstract: "Install newer versions of what paddock installed.",
        discussion: """
            For each product paddock installed (or the one named) whose feeds offer a newer \
            version, downloads and verifies the new version first, then, in one transaction, puts \
            it in place and drops the old one only at commit: a bad download, a failing step or a \
            kill leaves the old version as it was. Run 'paddock feed update' first to see what \
            your feeds offer now. Debian packages are upgraded by apt (apt-get upgrade), Python \
            packages inside apps by re-making the app; they are left alone here.

            Examples:
              paddock upgrade --dry-run
              paddock upgrade --yes
              paddock upgrade node-22 --yes --json
            """)
    @Argument(help: "Only this product (default: every product paddock installed).") var product: String?
    @Flag(name: .shortAndLong, help: "Do not ask before upgrading.") var yes = false
    @Flag(help: "Show what would be upgraded and stop.") var dryRun = false
    @Flag(help: "Fail at once if another paddock is changing the installation, instead of waiting.") var noWait = false
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let store = try context.openStore()
            let state = try context.openState()
            let catalog = StoreCatalog(store.catalog)
            var installed = try state.installed()
            if let product {
                installed = installed.filter { $0.productId.lowercased() == product.lowercased() }
                if installed.isEmpty {
                    let found = try InstalledListCommand.rows(context).first { $0.productId.lowercased() == product.lowercased() }
                    if found != nil {
                        throw CommandError(
                            message: "'\(product)' was found on this machine, not installed by paddock; upgrade it with the tool that installed it",
                            exitCode: 64)
                    }
                    throw CommandError(message: "'\(product)' is not installed by paddock; see 'paddock list --installed'", exitCode: 64)
                }
            }
            var upgrading: [String: InstalledProduct] = [:]
            var requests: [String] = []
            var notes: [String] = []
            for old in installed {
                guard let oldText = old.version, let oldVersion = Version(oldText) else {
                    notes.append("\(old.productId): its installed version is unknown, so it is left alone")
                    continue
                }
                let newer = catalog.products(withId: old.productId).compactMap { entry -> Version? in
                    guard let text = entry.product.version, let version = Version(text), version > oldVersion else { return nil }
                    return version
                }.max()
                guard let newer else { continue }
                if !old.app.isEmpty || old.kind == "pip" {
                    notes.append("\(old.productId) \(newer.text) is out (app '\(old.app)' has \(oldText)); apps get new versions when made again")
                    continue
                }
                if old.kind == "apt" {
                    notes.append("\(old.productId) \(newer.text) is out; its Debian packages are upgraded by apt-get upgrade")
                    continue
                }
                upgrading[old.productId.lowercased()] = old
                requests.append("\(old.productId)@>\(oldText)")
            }
            for note in notes { context.output.warning(note) }
            if requests.isEmpty {
                if context.output.json {
                    try context.output.printJSON(UpgradeReport(upgraded: [], installed: [], dryRun: dryRun, plan: nil), oneLine: true)
                } else {
                    context.output.line(product.map { "'\($0)' is up to date." } ?? "Everything is up to date.")
                }
                return
            }
            let upgradeOptions = InstallOptions(
                yes: yes, dryRun: dryRun, noWait: noWait, commandLine: (["upgrade"] + (product.map { [$0] } ?? [])).joined(separator: " "),
                upgrading: upgrading)
            let machine = try MachineOptions.facts(os: nil, arch: nil, language: nil, environment: context.environment)
            try await Installation(context: context, store: store, state: state, options: upgradeOptions, machine: machine).run(requests)
        }
    }
}

/// What `paddock upgrade --json` prints.
struct UpgradeReport: Encodable {
    struct Upgrade: Encodable {
        var productId: String
        var from: String?
        var to: String?
    }
    var upgraded: [Upgrade]
    /// New products the new versions need.
    var installed: [String]
    var dryRun: Bool
    var plan: InstallPlan?
}
