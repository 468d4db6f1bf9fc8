import FeedModel

/// The version limits that an installed product's own dependencies put on another product:
/// what `paddock upgrade` must respect, so that upgrading `base` to 2.0 does not break an
/// installed `suite` whose feed entry needs `base < 2` (apt keeps such a package back too).
public enum DependentLimits {
    /// The constraints (as the feed writes them) that `entry` puts on `productId` in every case:
    /// requirements reached through `and`s and named sets. A requirement under an `or` is left
    /// out: another branch may be the one the installed product relies on.
    public static func constraints(on productId: String, from entry: CatalogEntry, catalog: any ProductCatalog) throws -> [String] {
        guard let dependency = entry.product.dependency else { return [] }
        var found: [String] = []
        var visitedSets: Set<String> = []
        func walk(_ expression: DependencyExpression) throws {
            switch expression {
            case .product(let requirement):
                if requirement.productId.lowercased() == productId.lowercased(), let constraint = requirement.constraint,
                    !found.contains(constraint)
                {
                    found.append(constraint)
                }
            case .all(let children):
                try children.forEach(walk)
            case .any:
                return
            case .named(let name):
                // A set that names itself (directly or not) is walked once.
                guard visitedSets.insert(name).inserted, let set = try catalog.namedSet(name, feed: entry.feed) else { return }
                try walk(set)
            }
        }
        try walk(dependency)
        return found
    }
}
