import FeedModel

/// The last resort of an explanation: when no single requirement and no pair of requirements is
/// to blame, list the facts the solver's refutation used (its unsatisfiable core).
extension FailureExplainer {
    /// The facts the conflict went through, one per line: what each product involved needs, which
    /// of them clash, and which are versions of one product.
    func listConflict(requests: [ProductRequirement], candidates: [Int]) -> String {
        var lines = ["the request needs " + requests.map(describe).joined(separator: ", ")]
        let involvedIds = Set(candidates.map { context.allCandidates[$0].productId })
        for index in candidates {
            let candidate = context.allCandidates[index]
            if let dependency = candidate.entry.product.dependency {
                lines.append("\(candidate.displayName) needs \(describeTopLevel(dependency))")
            }
            let clashes = candidate.entry.product.incompatibilities.filter { involvedIds.contains($0.productId) }
            if !clashes.isEmpty {
                lines.append("\(candidate.displayName) is incompatible with " + clashes.map(describe).joined(separator: ", "))
            }
        }
        var versionsById: [String: [String]] = [:]
        for index in candidates {
            let candidate = context.allCandidates[index]
            versionsById[candidate.productId, default: []].append(candidate.entry.product.version ?? "unversioned")
        }
        for (id, versions) in versionsById.sorted(by: { $0.key < $1.key }) where versions.count > 1 {
            lines.append("only one version of \(id) can be installed (\(versions.joined(separator: ", ")))")
        }
        return "no combination of the available versions satisfies the whole request; these cannot all hold:"
            + lines.map { "\n  - " + $0 }.joined()
    }

    private func describeTopLevel(_ expression: DependencyExpression) -> String {
        if case .all(let children) = expression { return children.map(describe).joined(separator: " and ") }
        return describe(expression)
    }
}
