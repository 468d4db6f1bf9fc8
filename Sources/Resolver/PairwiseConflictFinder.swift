import FeedModel

/// Finds two requirements the request cannot meet together: two dependents wanting versions of
/// one product that no single version satisfies, or two products it must install that are
/// incompatible. Only requirements the request cannot avoid count (reached through `and`s and
/// through products with a single installable candidate), so the sentence names a real cause.
struct PairwiseConflictFinder {
    let context: ResolutionContext
    let explainer: FailureExplainer

    private struct Leaf {
        var dependent: String
        var requirement: ProductRequirement
        var installable: [Int]
    }

    func find(requests: [ProductRequirement]) throws -> ResolutionFailure? {
        var leaves: [Leaf] = []
        var forced: [(candidate: Int, dependent: String)] = []
        var visited: Set<Int> = []

        func walk(_ expression: DependencyExpression, dependent: String, feed: String, sets: [String]) throws {
            switch expression {
            case .product(let requirement):
                guard context.installedSatisfies(requirement.productId, context.parse(requirement.constraint)) == nil else { return }
                let installable = try context.matchingCandidates(requirement).filter {
                    try context.allCandidates[$0].installerIndex != nil && explainer.candidateReason($0) == nil
                }
                leaves.append(Leaf(dependent: dependent, requirement: requirement, installable: installable))
                if installable.count == 1, visited.insert(installable[0]).inserted {
                    let candidate = context.allCandidates[installable[0]]
                    forced.append((installable[0], dependent))
                    if let dependency = candidate.entry.product.dependency {
                        try walk(dependency, dependent: candidate.productId, feed: candidate.entry.feed, sets: [])
                    }
                }
            case .all(let children):
                for child in children { try walk(child, dependent: dependent, feed: feed, sets: sets) }
            case .any:
                return  // Not forced: another branch may be taken.
            case .named(let name):
                guard !sets.contains(name), let set = try context.namedSet(name, feed: feed) else { return }
                try walk(set, dependent: dependent, feed: feed, sets: sets + [name])
            }
        }
        for request in requests { try walk(.product(request), dependent: "the request", feed: "", sets: []) }

        for (position, first) in leaves.enumerated() {
            for second in leaves[(position + 1)...] where second.requirement.productId == first.requirement.productId {
                if Set(first.installable).isDisjoint(with: second.installable) {
                    let id = first.requirement.productId
                    return ResolutionFailure(
                        kind: .noMatchingVersion,
                        message: "\(first.dependent) needs \(explainer.describe(first.requirement)) and "
                            + "\(second.dependent) needs \(explainer.describe(second.requirement)); "
                            + "no version of \(id) satisfies both, and only one can be installed.")
                }
            }
        }
        for (position, first) in forced.enumerated() {
            for second in forced[(position + 1)...] {
                let one = context.allCandidates[first.candidate]
                let other = context.allCandidates[second.candidate]
                if declaresIncompatibility(one, with: other) || declaresIncompatibility(other, with: one) {
                    return ResolutionFailure(
                        kind: .incompatible,
                        message: "\(first.dependent) needs \(one.productId) and \(second.dependent) needs \(other.productId), "
                            + "but \(one.displayName) is incompatible with \(other.displayName).")
                }
            }
        }
        return nil
    }

    private func declaresIncompatibility(_ one: Candidate, with other: Candidate) -> Bool {
        one.entry.product.incompatibilities.contains { requirement in
            requirement.productId == other.productId && context.satisfies(other, context.parse(requirement.constraint))
        }
    }
}
