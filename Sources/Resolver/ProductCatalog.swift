import FeedModel

/// One candidate for a product id: a product as one feed describes it.
public struct CatalogEntry: Sendable, Hashable {
    /// The name of the feed that defines this entry; named sets are looked up in this feed.
    public var feed: String
    public var product: Product

    public init(feed: String, product: Product) {
        self.feed = feed
        self.product = product
    }
}

/// What the resolver needs from the loaded feeds. The store implements it (reading its index,
/// which can fail: the error reaches the caller of the resolver as it is, never read as "no
/// such product"); tests use an in-memory catalogue.
public protocol ProductCatalog: Sendable {
    /// Every candidate for `productId` (several versions, several feeds), preferred first.
    func products(withId productId: String) throws -> [CatalogEntry]
    /// The named dependency set `name` as seen from `feed` (the feed's own sets first).
    func namedSet(_ name: String, feed: String) throws -> DependencyExpression?
    /// Every product id, for "did you mean" suggestions.
    var allProductIds: [String] { get throws }
}
