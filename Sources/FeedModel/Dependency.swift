/// A requirement on one product, as a leaf of a dependency tree.
///
/// `constraint` is the text of paddock's `pd:version` attribute (for example `>=3.10,<4`);
/// plain WebPI feeds never have one, and any version then satisfies the leaf.
public struct ProductRequirement: Hashable, Sendable, Codable {
    public var productId: String
    public var constraint: String?

    public init(_ productId: String, constraint: String? = nil) {
        self.productId = productId
        self.constraint = constraint
    }
}

/// A WebPI dependency expression: `<dependency>` with `productId`, `and`, `or` or `idref`.
///
/// Named sets (`idref`) are kept as references, not inlined, so that an explanation can say
/// which set a requirement came through.
public indirect enum DependencyExpression: Hashable, Sendable, Codable {
    case product(ProductRequirement)
    case all([DependencyExpression])
    case any([DependencyExpression])
    case named(String)

    /// Every product id that appears in the tree, not following named sets.
    public var mentionedProductIds: [String] {
        switch self {
        case .product(let requirement): return [requirement.productId]
        case .all(let children), .any(let children): return children.flatMap(\.mentionedProductIds)
        case .named: return []
        }
    }

    /// Every named set referred to directly from this tree.
    public var namedReferences: [String] {
        switch self {
        case .product: return []
        case .all(let children), .any(let children): return children.flatMap(\.namedReferences)
        case .named(let name): return [name]
        }
    }
}
