import FeedModel

/// Products the request's dependencies refer to that no loaded feed defines.
///
/// An explanation stops at the first cause it finds (an application with no installer for this
/// machine, the first missing product of a chain), but a request whose dependencies name
/// products from a feed that is not loaded usually misses many of them, and the reader needs
/// them all to know which feed to add. So every such product is listed once, with the product
/// that refers to it and the named sets the reference came through, grouped:
///
///     In all, the dependencies of the request refer to 3 products that no loaded feed defines:
///       - WordPress refers to "IIS60", "FastCGIIIS6" through the sets "PHP53App" -> "IISForPHP"
///       - WordPress refers to "MySQLConnector" through the set "MySQLApp"
///
/// "Refers to", not "needs": a reference may be one branch of an `or`.
extension FailureExplainer {
    struct MissingReference {
        var dependent: String
        var sets: [String]
        var productIds: [String]
    }

    /// The missing products, grouped by who refers to them and through which sets, in the order
    /// a walk of the dependencies (requests first, each product's candidates in preference order)
    /// first meets them. Installed products are not walked; a product is listed once.
    func missingReferences(requests: [ProductRequirement]) throws -> [MissingReference] {
        var groups: [MissingReference] = []
        var listed: Set<String> = []
        var walked: Set<String> = []

        func leaf(_ requirement: ProductRequirement, dependent: String?, sets: [String]) throws {
            let id = requirement.productId
            if context.installed.isInstalled(id) { return }
            let candidates = try context.candidates(of: id)
            guard !candidates.isEmpty else {
                // A requested product that is unknown is the explanation itself, not a reference.
                guard let dependent, listed.insert(id).inserted else { return }
                if let group = groups.firstIndex(where: { $0.dependent == dependent && $0.sets == sets }) {
                    groups[group].productIds.append(id)
                } else {
                    groups.append(MissingReference(dependent: dependent, sets: sets, productIds: [id]))
                }
                return
            }
            guard walked.insert(id).inserted else { return }
            for index in candidates {
                let entry = context.allCandidates[index].entry
                if let dependency = entry.product.dependency {
                    try walk(dependency, dependent: id, feed: entry.feed, sets: [])
                }
            }
        }

        func walk(_ expression: DependencyExpression, dependent: String, feed: String, sets: [String]) throws {
            switch expression {
            case .product(let requirement):
                try leaf(requirement, dependent: dependent, sets: sets)
            case .all(let children), .any(let children):
                for child in children { try walk(child, dependent: dependent, feed: feed, sets: sets) }
            case .named(let name):
                // Unknown and self-referring sets are explained on their own.
                guard !sets.contains(name), let set = try context.namedSet(name, feed: feed) else { return }
                try walk(set, dependent: dependent, feed: feed, sets: sets + [name])
            }
        }

        for request in requests { try leaf(request, dependent: nil, sets: []) }
        return groups
    }

    /// The explanation, followed by the list of missing products when it does not already name
    /// them all (an explanation names a missing product as `"id"`).
    func addingMissingProducts(to message: String, requests: [ProductRequirement]) throws -> String {
        let groups = try missingReferences(requests: requests)
        let ids = groups.flatMap(\.productIds)
        guard ids.contains(where: { !message.contains("\"\($0)\"") }) else { return message }
        let count = ids.count == 1 ? "1 product" : "\(ids.count) products"
        let lines = groups.map { group in
            "\n  - \(group.dependent) refers to " + group.productIds.map { "\"\($0)\"" }.joined(separator: ", ")
                + through(group.sets)
        }
        return message + "\nIn all, the dependencies of the request refer to \(count) that no loaded feed defines:" + lines.joined()
    }
}
