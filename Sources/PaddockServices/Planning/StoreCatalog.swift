import FeedModel
import PaddockStore
import Resolver

/// The resolver's view of the feed store: products looked up in the index as the search
/// needs them, never the whole catalogue. Used from one thread, for one resolution.
final class StoreCatalog: ProductCatalog, @unchecked Sendable {
    private let catalog: Catalog
    private var cache: [String: [CatalogEntry]] = [:]

    init(_ catalog: Catalog) { self.catalog = catalog }

    func products(withId productId: String) -> [CatalogEntry] {
        let key = productId.lowercased()
        if let cached = cache[key] { return cached }
        let found = ((try? catalog.products(withId: productId)) ?? []).map { CatalogEntry(feed: $0.feed, product: $0.product) }
        cache[key] = found
        return found
    }

    func namedSet(_ name: String, feed: String) -> DependencyExpression? {
        // A feed's own sets first; then any loaded feed (a custom feed may use the main feed's sets).
        if let own = try? catalog.namedSet(name, feed: feed) { return own }
        return (try? catalog.namedSetAnywhere(name))?.expression
    }

    var allProductIds: [String] { (try? catalog.list(includeExcluded: true).map(\.productId)) ?? [] }
}
