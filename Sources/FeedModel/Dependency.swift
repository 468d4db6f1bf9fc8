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

/// A stable, readable JSON form for scripts (`--json`) and the index:
/// `{"product": "python3", "version": ">=3.10"}`, `{"all": [...]}`, `{"any": [...]}`, `{"set": "PHPApp"}`.
extension DependencyExpression {
    private enum CodingKeys: String, CodingKey { case product, version, all, any, set }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let id = try container.decodeIfPresent(String.self, forKey: .product) {
            self = .product(ProductRequirement(id, constraint: try container.decodeIfPresent(String.self, forKey: .version)))
        } else if let children = try container.decodeIfPresent([DependencyExpression].self, forKey: .all) {
            self = .all(children)
        } else if let children = try container.decodeIfPresent([DependencyExpression].self, forKey: .any) {
            self = .any(children)
        } else if let name = try container.decodeIfPresent(String.self, forKey: .set) {
            self = .named(name)
        } else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "expected product, all, any or set"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .product(let requirement):
            try container.encode(requirement.productId, forKey: .product)
            try container.encodeIfPresent(requirement.constraint, forKey: .version)
        case .all(let children): try container.encode(children, forKey: .all)
        case .any(let children): try container.encode(children, forKey: .any)
        case .named(let name): try container.encode(name, forKey: .set)
        }
    }
}
