import FeedModel
import Resolver

/// A catalogue held in memory: feeds in priority order, each with its products and named sets.
/// A test double (and the resolver benchmark's catalogue): it lives with the tests, not in Resolver.
public struct InMemoryCatalog: ProductCatalog {
    private var entriesById: [String: [CatalogEntry]] = [:]
    private var setsByFeed: [String: [String: DependencyExpression]] = [:]
    /// Feed names in the order they were added: a named set missing from the asking feed is
    /// looked up in the others in this order, as WebPI merges child feeds.
    private var feedOrder: [String] = []
    public private(set) var allProductIds: [String] = []

    public init() {}

    /// Adds a feed's products after those already added (so they are less preferred).
    public mutating func add(feed: String, products: [Product], namedSets: [String: DependencyExpression] = [:]) {
        if !feedOrder.contains(feed) { feedOrder.append(feed) }
        setsByFeed[feed, default: [:]].merge(namedSets) { _, new in new }
        for product in products {
            if entriesById[product.productId] == nil { allProductIds.append(product.productId) }
            entriesById[product.productId, default: []].append(CatalogEntry(feed: feed, product: product))
        }
    }

    public mutating func add(feed name: String, _ feed: Feed) {
        add(feed: name, products: feed.products, namedSets: feed.namedDependencies)
    }

    public func products(withId productId: String) -> [CatalogEntry] { entriesById[productId] ?? [] }

    public func namedSet(_ name: String, feed: String) -> DependencyExpression? {
        if let own = setsByFeed[feed]?[name] { return own }
        for other in feedOrder where other != feed {
            if let found = setsByFeed[other]?[name] { return found }
        }
        return nil
    }
}
