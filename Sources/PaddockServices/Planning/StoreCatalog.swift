import FeedModel
import PaddockStore
import Resolver
import Synchronization

/// The resolver's view of the feed store: products looked up in the index as the search
/// needs them, never the whole catalogue. An index that cannot be read throws its own error
/// (the labelled SQLite message, exit 74), which the resolver passes on: a damaged catalogue is
/// never taken for a product that no feed defines.
///
/// `@unchecked Sendable` because of `Catalog`, whose SQLite connection is not Sendable: one
/// StoreCatalog serves one resolution, on the thread of the command that made it. The cache
/// alone is under a Mutex.
final class StoreCatalog: ProductCatalog, @unchecked Sendable {
    private let catalog: Catalog
    private let cache = Mutex<[String: [CatalogEntry]]>([:])

    init(_ catalog: Catalog) { self.catalog = catalog }

    func products(withId productId: String) throws -> [CatalogEntry] {
        let key = productId.lowercased()
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let found = try catalog.products(withId: productId).map { CatalogEntry(feed: $0.feed, product: $0.product) }
        cache.withLock { $0[key] = found }
        return found
    }

    func namedSet(_ name: String, feed: String) throws -> DependencyExpression? {
        // A feed's own sets first; then any loaded feed (a custom feed may use the main feed's sets).
        if let own = try catalog.namedSet(name, feed: feed) { return own }
        return try catalog.namedSetAnywhere(name)?.expression
    }

    var allProductIds: [String] {
        get throws { try catalog.list(includeExcluded: true).map(\.productId) }
    }
}
