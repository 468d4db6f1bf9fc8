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
            kill leaves the old version as it was. A new version must fit the version limits of \
            what stays installed: the newest that fits is taken, or the product is kept back \
            with the reason. Run 'paddock feed update' first to see what your feeds offer now. \
            Debian packages are upgraded by apt (apt-get upgrade), Python packages inside apps \
            by re-making the app; they are left alone here.

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
            let everything = try state.installed()
            var installed = everything
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
            var notes: [String] = []
            var candidates: [(old: InstalledProduct, offered: [Version])] = []
            for old in installed {
                guard let oldText = old.version, let oldVersion = Version(oldText) else {
                    notes.append("\(old.productId): its installed version is unknown, so it is left alone")
                    continue
                }
                let offered = try catalog.products(withId: old.productId).compactMap { entry -> Version? in
                    guard let text = entry.product.version, let version = Version(text), version > oldVersion else { return nil }
                    return version
                }
                guard let newest = offered.max() else { continue }
                if !old.app.isEmpty || old.kind == "pip" {
                    notes.append("\(old.productId) \(newest.text) is out (app '\(old.app)' has \(oldText)); apps get new versions when made again")
                    continue
                }
                if old.kind == "apt" {
                    notes.append("\(old.productId) \(newest.text) is out; its Debian packages are upgraded by apt-get upgrade")
                    continue
                }
                candidates.append((old, offered))
            }
            // What stays installed as it is keeps its say: the versions its feed entry allows.
            // A candidate no newer version of which fits is kept back, which may in turn make
            // its own limits count for the others: repeated until nothing changes.
            var keptBack: [String: [UpgradeLimit]] = [:]
            var limits: [String: [UpgradeLimit]] = [:]
            while true {
                let moving = Set(candidates.map { $0.old.productId.lowercased() }).subtracting(keptBack.keys)
                let staying = everything.filter { !moving.contains($0.productId.lowercased()) }
                var changed = false
                for candidate in candidates where moving.contains(candidate.old.productId.lowercased()) {
                    let found = try UpgradeLimit.limits(on: candidate.old.productId, from: staying, catalog: catalog)
                    limits[candidate.old.productId.lowercased()] = found
                    if !candidate.offered.contains(where: { version in found.allSatisfy { $0.constraint.isSatisfied(by: version) } }) {
                        keptBack[candidate.old.productId.lowercased()] = found.filter { limit in
                            !candidate.offered.contains { limit.constraint.isSatisfied(by: $0) }
                        }
                        changed = true
                    }
                }
                if !changed { break }
            }
            var upgrading: [String: InstalledProduct] = [:]
            var requests: [String] = []
            for (old, offered) in candidates {
                let key = old.productId.lowercased()
                let oldText = old.version ?? ""
                if let blocking = keptBack[key] {
                    let reasons = (blocking.isEmpty ? limits[key] ?? [] : blocking).map(\.description).joined(separator: "; ")
                    notes.append("\(old.productId) \(offered.max()!.text) is out but kept at \(oldText): \(reasons)")
                    continue
                }
                upgrading[key] = old
                requests.append("\(old.productId)@>\(oldText)")
                // The resolver takes every limit as one more requirement on the same product.
                for limit in limits[key] ?? [] { requests.append("\(old.productId)@\(limit.text)") }
            }
            for note in notes { context.output.warning(note) }
            if requests.isEmpty {
                if context.output.json {
                    try context.output.printJSON(UpgradeReport(upgraded: [], installed: [], dryRun: dryRun, plan: nil), oneLine: true)
                } else {
                    if !keptBack.isEmpty {
                        context.output.line("Nothing to upgrade: what is out would break what is installed (see above).")
                    } else {
                        context.output.line(product.map { "'\($0)' is up to date." } ?? "Everything is up to date.")
                    }
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

/// A version limit an installed product puts on one being upgraded (see `DependentLimits`).
struct UpgradeLimit: CustomStringConvertible {
    var productId: String
    var dependent: String
    var dependentVersion: String?
    var text: String
    var constraint: VersionConstraint

    var description: String {
        "installed \(dependent)\(dependentVersion.map { " \($0)" } ?? "") needs \(productId) \(constraint)"
    }

    /// The limits the products in `installed` put on `productId`, read from each one's feed
    /// entry for the version installed (from the feed it came from, when that is still known).
    static func limits(on productId: String, from installed: [InstalledProduct], catalog: some ProductCatalog) throws -> [UpgradeLimit] {
        var found: [UpgradeLimit] = []
        for dependent in installed where dependent.productId.lowercased() != productId.lowercased() {
            let entries = try catalog.products(withId: dependent.productId).filter { $0.product.version == dependent.version }
            guard let entry = entries.first(where: { $0.feed == dependent.feed }) ?? entries.first else { continue }
            for text in try DependentLimits.constraints(on: productId, from: entry, catalog: catalog) {
                guard let constraint = try? VersionConstraint(parsing: text) else { continue }
                found.append(UpgradeLimit(productId: productId, dependent: dependent.productId, dependentVersion: dependent.version, text: text, constraint: constraint))
            }
        }
        return found
    }
}
