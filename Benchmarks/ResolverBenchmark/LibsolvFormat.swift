import FeedModel

/// Writes a generated catalogue in the line format `libsolv_bench.py` reads: paddock's
/// dependencies as libsolv requirements (`or` as rich dependencies), incompatibilities as conflicts.
enum LibsolvFormat {
    static func write(_ catalog: GeneratedCatalog) -> String {
        var lines: [String] = []
        lines.reserveCapacity(catalog.products.count * 4)
        for product in catalog.products {
            lines.append("P\t\(product.productId)\t\(product.version ?? "0")")
            if case .all(let parts)? = product.dependency {
                for part in parts { lines.append("R\t" + dependency(part)) }
            }
            for requirement in product.incompatibilities {
                lines.append("C\t" + leaf(requirement))
            }
        }
        for request in catalog.requests { lines.append("Q\t" + request.joined(separator: " ")) }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func dependency(_ expression: DependencyExpression) -> String {
        switch expression {
        case .product(let requirement): return leaf(requirement)
        case .any(let children): return "(" + children.map { dependency($0) }.joined(separator: " or ") + ")"
        case .all(let children): return "(" + children.map { dependency($0) }.joined(separator: " and ") + ")"
        case .named: fatalError("the generator writes no named sets")
        }
    }

    /// `name`, `name >= 1.2`, or `(name >= 2 with name < 3)` for a range.
    private static func leaf(_ requirement: ProductRequirement) -> String {
        let name = requirement.productId
        guard let constraint = requirement.constraint else { return name }
        let clauses = constraint.split(separator: ",").map { clause -> String in
            let op = clause.hasPrefix(">=") ? ">=" : "<"
            return "\(name) \(op) \(clause.dropFirst(op.count))"
        }
        if clauses.count == 1 { return clauses[0] }
        return "(" + clauses.joined(separator: " with ") + ")"
    }
}
