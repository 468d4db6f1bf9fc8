import FeedModel
import Foundation
import PaddockBasics
import PaddockState
import PaddockStore
import PaddockSystem
import Resolver

/// What `paddock upgrade` will ask the install service for: each product with a newer version
/// that fits what stays installed, and why each other one is left as it is.
public struct UpgradePlanning: Sendable {
    /// `id@>old` (and each limit) for the resolver.
    public var requests: [String]
    /// The products being replaced, by lower-cased id.
    public var upgrading: [String: InstalledProduct]
    /// Why a product with a newer version is left alone (a line each).
    public var notes: [String]
    /// Whether something newer is out but would break what is installed.
    public var anyKeptBack: Bool
}

/// Plans an upgrade: which installed products get a newer version, within the version limits of
/// what stays installed (repeated until nothing changes), then hands the install service the rest.
public struct UpgradeService {
    let context: ServiceContext
    let store: FeedStore
    let state: StateStore

    public init(context: ServiceContext, store: FeedStore, state: StateStore) {
        self.context = context
        self.store = store
        self.state = state
    }

    public func plan(product: String?) throws -> UpgradePlanning {
        let catalog = StoreCatalog(store.catalog)
        let everything = try state.installed()
        var installed = everything
        if let product {
            installed = installed.filter { $0.productId.lowercased() == product.lowercased() }
            if installed.isEmpty {
                let found = try InstalledInventory.rows(context).first { $0.productId.lowercased() == product.lowercased() }
                if found != nil {
                    throw ServiceError(
                        "'\(product)' was found on this machine, not installed by paddock; upgrade it with the tool that installed it", .usage)
                }
                throw ServiceError("'\(product)' is not installed by paddock; see 'paddock list --installed'", .usage)
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
            // Products inside an app come with the app; packages of a kind with its own
            // upgrades (apt) are left to it.
            if !old.app.isEmpty {
                notes.append("\(old.productId) \(newest.text) is out (app '\(old.app)' has \(oldText)); apps get new versions when made again")
                continue
            }
            if let elsewhere = context.kinds.kind(named: old.kind)?.upgradedElsewhere(old.productId, newest: newest.text) {
                notes.append("\(old.productId) \(newest.text) is out; \(elsewhere)")
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
        return UpgradePlanning(requests: requests, upgrading: upgrading, notes: notes, anyKeptBack: !keptBack.isEmpty)
    }
}

/// What `paddock upgrade --json` prints.
public struct UpgradeReport: Encodable, Sendable {
    public struct Upgrade: Encodable, Sendable {
        public var productId: String
        public var from: String?
        public var to: String?

        public init(productId: String, from: String?, to: String?) {
            self.productId = productId
            self.from = from
            self.to = to
        }
    }
    public var upgraded: [Upgrade]
    /// New products the new versions need.
    public var installed: [String]
    public var dryRun: Bool
    public var plan: InstallPlan?

    public init(upgraded: [Upgrade], installed: [String], dryRun: Bool, plan: InstallPlan?) {
        self.upgraded = upgraded
        self.installed = installed
        self.dryRun = dryRun
        self.plan = plan
    }
}

/// A version limit an installed product puts on one being upgraded (see `DependentLimits`).
struct UpgradeLimit: CustomStringConvertible, Sendable {
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
