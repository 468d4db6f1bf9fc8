import FeedModel
import PaddockState
import PaddockSystem
import Resolver

/// What is already there, for the resolver: products paddock installed (system and user wide,
/// and those inside the app being installed), and products found on the machine by their
/// discovery hints. Products that go into an app's own environment (pip) are never taken from
/// the machine: the app needs its own copy.
struct InstalledOracle {
    let context: ServiceContext
    let catalog: StoreCatalog
    let app: String?
    let probe: Bool
    /// Lower-cased ids treated as not installed (being upgraded).
    var excluding: Set<String> = []

    func installed(for requirements: [ProductRequirement]) throws -> InstalledProducts {
        var versions: [String: String?] = [:]
        let state = try context.openState()
        for product in try state.installed() where (product.app.isEmpty || product.app == app) && !excluding.contains(product.productId.lowercased()) {
            versions[product.productId] = product.version
        }
        guard probe else { return InstalledProducts(versions) }
        let candidates = try closure(of: requirements.map(\.productId)).map(\.product).filter { product in
            versions[product.productId] == nil && !excluding.contains(product.productId.lowercased()) && product.discovery != nil
                && !product.installers.contains { $0.linux?.scope == .app }
        }
        let found = DiscoveryProbe(environment: context.environment).evaluateAll(candidates.map { $0.discovery! })
        for (product, discovery) in zip(candidates, found) where discovery.found {
            versions[product.productId] = .some(discovery.version ?? product.version)
        }
        return InstalledProducts(versions)
    }

    /// Every product reachable from the requests through any branch, each once.
    private func closure(of requested: [String]) throws -> [CatalogEntry] {
        var seen: Set<String> = []
        var queue = requested
        var result: [CatalogEntry] = []
        while let id = queue.popLast() {
            guard seen.insert(id.lowercased()).inserted, let entry = try catalog.products(withId: id).first else { continue }
            result.append(entry)
            if let dependency = entry.product.dependency { queue += try ids(in: dependency, feed: entry.feed, depth: 0) }
        }
        return result
    }

    private func ids(in expression: DependencyExpression, feed: String, depth: Int) throws -> [String] {
        guard depth < 32 else { return [] }  // Named sets referring to themselves.
        switch expression {
        case .product(let requirement): return [requirement.productId]
        case .all(let children), .any(let children): return try children.flatMap { try ids(in: $0, feed: feed, depth: depth + 1) }
        case .named(let name): return try catalog.namedSet(name, feed: feed).map { try ids(in: $0, feed: feed, depth: depth + 1) } ?? []
        }
    }
}
