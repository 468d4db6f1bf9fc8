import FeedModel

/// Turns a request into clauses, lazily: a candidate's own clauses (its dependencies and
/// incompatibilities) are generated only when the search first makes it true.
///
/// Variables: one per candidate that could be installed here, one root (true: "the request"), and
/// one per compound `or` branch. Candidates with no installer for this machine, or clashing with
/// something installed, get no variable: they can never be chosen. Installed products are
/// constants, not variables: a leaf they satisfy is true, and installed ids have no candidates, as
/// paddock never replaces an installed product.
final class ProblemEncoder {
    let context: ResolutionContext
    let solver = SATSolver()
    let root: Int32
    private(set) var variableOfCandidate: [Int: Int32] = [:]
    private(set) var candidateOfVariable: [Int32: Int] = [:]
    /// Ids whose candidates already have variables (and their one-version clauses).
    private var encodedIds: Set<String> = []
    /// Incompatibilities that installed products declare, by the product id they name.
    private let installedDeclarations: [String: [ProductRequirement]]

    init(context: ResolutionContext) throws {
        self.context = context
        root = solver.newVariable()
        var declarations: [String: [ProductRequirement]] = [:]
        for productId in context.installed.versions.keys.sorted() {
            for requirement in try context.installedEntry(productId)?.incompatibilities ?? [] {
                declarations[requirement.productId, default: []].append(requirement)
            }
        }
        installedDeclarations = declarations
        solver.addClause([Literal.positive(root)])
    }

    func encode(requests: [ProductRequirement]) throws {
        for request in requests {
            try emit(head: root, .product(request), feed: "", sets: [])
        }
    }

    func solve() throws -> Bool {
        try solver.solve { variable in
            if let candidate = candidateOfVariable[variable] { try expandCandidate(candidate) }
        }
    }

    /// Forbids choosing all these candidates at once (used to set aside a cyclic solution).
    func forbidTogether(_ nodes: [PlanBuilder.Node]) {
        var clause: [Literal] = []
        for case .candidate(let index) in nodes {
            if let variable = variableOfCandidate[index] { clause.append(Literal.negative(variable)) }
        }
        solver.addClause(clause)
    }

    /// Whether a candidate can ever be chosen on this machine, whatever else is chosen.
    private func isPossible(_ candidate: Candidate) -> Bool {
        if candidate.installerIndex == nil { return false }
        if candidate.entry.product.incompatibilities.contains(where: context.installedMatches) { return false }
        let declared = installedDeclarations[candidate.productId] ?? []
        return !declared.contains { context.satisfies(candidate, context.parse($0.constraint)) }
    }

    /// Creates the variables of every possible candidate of an id, at most one of them true.
    private func encodeId(_ productId: String) throws {
        guard encodedIds.insert(productId).inserted else { return }
        var variables: [Int32] = []
        for index in try context.candidates(of: productId) where isPossible(context.allCandidates[index]) {
            let variable = solver.newVariable(expandsWhenTrue: true)
            variableOfCandidate[index] = variable
            candidateOfVariable[variable] = index
            variables.append(variable)
        }
        for first in variables.indices {
            for second in variables.indices where second > first {
                solver.addClause([Literal.negative(variables[first]), Literal.negative(variables[second])])
            }
        }
    }

    /// The variables of the candidates matching a leaf, preferred first.
    private func matchingVariables(_ requirement: ProductRequirement) throws -> [Int32] {
        try encodeId(requirement.productId)
        return try context.matchingCandidates(requirement).compactMap { variableOfCandidate[$0] }
    }

    /// Adds a chosen candidate's clauses: its dependencies, and the incompatibilities it declares.
    private func expandCandidate(_ index: Int) throws {
        let candidate = context.allCandidates[index]
        let variable = variableOfCandidate[index]!
        if let dependency = candidate.entry.product.dependency {
            try emit(head: variable, dependency, feed: candidate.entry.feed, sets: [])
        }
        for requirement in candidate.entry.product.incompatibilities {
            for other in try matchingVariables(requirement) where other != variable {
                solver.addClause([Literal.negative(variable), Literal.negative(other)])
            }
        }
    }

    /// The alternatives for one leaf: nil when installed products already satisfy it.
    private func alternatives(for requirement: ProductRequirement) throws -> [Literal]? {
        if context.installedSatisfies(requirement.productId, context.parse(requirement.constraint)) == true {
            return nil
        }
        return try matchingVariables(requirement).map(Literal.positive)
    }

    /// Emits `head -> expression`. Returns false when nothing was needed (already satisfied).
    @discardableResult
    private func emit(head: Int32, _ expression: DependencyExpression, feed: String, sets: [String]) throws -> Bool {
        switch expression {
        case .product(let requirement):
            guard let literals = try alternatives(for: requirement) else { return false }
            solver.addRequirement(head: head, alternatives: literals)
            return true
        case .all(let children):
            var needed = false
            for child in children where try emit(head: head, child, feed: feed, sets: sets) { needed = true }
            return needed
        case .any(let children):
            var literals: [Literal] = []
            for child in children {
                guard let branch = try branchLiterals(child, feed: feed, sets: sets) else { return false }
                literals.append(contentsOf: branch)
            }
            solver.addRequirement(head: head, alternatives: literals)
            return true
        case .named(let name):
            guard !sets.contains(name), let set = try context.namedSet(name, feed: feed) else {
                // Unknown set, or a set that refers to itself: this requirement cannot be met.
                solver.addRequirement(head: head, alternatives: [])
                return true
            }
            return try emit(head: head, set, feed: feed, sets: sets + [name])
        }
    }

    /// The literals one `or` branch contributes; nil when the branch is already satisfied.
    private func branchLiterals(_ branch: DependencyExpression, feed: String, sets: [String]) throws -> [Literal]? {
        switch branch {
        case .product(let requirement):
            return try alternatives(for: requirement)
        case .any(let children):
            var literals: [Literal] = []
            for child in children {
                guard let nested = try branchLiterals(child, feed: feed, sets: sets) else { return nil }
                literals.append(contentsOf: nested)
            }
            return literals
        case .named(let name):
            guard !sets.contains(name), let set = try context.namedSet(name, feed: feed) else { return [] }
            return try branchLiterals(set, feed: feed, sets: sets + [name])
        case .all:
            // A compound branch gets its own variable standing for "this branch is taken".
            let branchVariable = solver.newVariable()
            if try !emit(head: branchVariable, branch, feed: feed, sets: sets) { return nil }
            return [Literal.positive(branchVariable)]
        }
    }
}
