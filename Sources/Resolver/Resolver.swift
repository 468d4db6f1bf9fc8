import FeedModel

/// Resolves requests against a catalogue for one machine. Pure: no disk, network or process.
///
/// The search is complete: requirements, `or` groups, version constraints, one version per
/// product and incompatibilities are encoded as clauses and solved by a CDCL SAT solver with
/// clause learning, so "impossible" is only answered when no plan exists.
public struct Resolver: Sendable {
    public let catalog: any ProductCatalog
    public let machine: MachineFacts
    public let installed: InstalledProducts
    /// Versions parsed and installers chosen once for all the requests this resolver answers.
    private let prepared: PreparedEntries

    public init(catalog: any ProductCatalog, machine: MachineFacts, installed: InstalledProducts = InstalledProducts()) {
        self.catalog = catalog
        self.machine = machine
        self.installed = installed
        prepared = PreparedEntries(catalog: catalog, machine: machine)
    }

    /// Resolves product ids (any version). Throws what the catalogue throws (a damaged index),
    /// returns why the request cannot be met.
    public func resolve(_ productIds: [String]) throws -> Result<InstallPlan, ResolutionFailure> {
        try resolve(requirements: productIds.map { ProductRequirement($0) })
    }

    /// Resolves requirements, each a product id with an optional version constraint.
    /// Throws what the catalogue throws (a damaged index), returns why the request cannot be met.
    public func resolve(requirements: [ProductRequirement]) throws -> Result<InstallPlan, ResolutionFailure> {
        let context = ResolutionContext(catalog: catalog, machine: machine, installed: installed, prepared: prepared)
        let encoder = try ProblemEncoder(context: context)
        try encoder.encode(requests: requirements)
        guard try encoder.solve() else {
            let involved = encoder.solver.unsatisfiableCoreVariables().compactMap { encoder.candidateOfVariable[$0] }.sorted()
            return .failure(try FailureExplainer(context: context).explain(requests: requirements, conflictCandidates: involved))
        }
        // A solution whose chosen products depend on each other in a circle cannot be installed in
        // any order. Forbid that combination and search again, so another branch is found if one
        // exists; report the first cycle when none does.
        var firstCycle: ResolutionFailure?
        for _ in 0..<Resolver.cycleRetries {
            switch try PlanBuilder(encoder: encoder).build(requests: requirements) {
            case .plan(let plan):
                return .success(plan)
            case .cycle(let nodes, let failure):
                firstCycle = firstCycle ?? failure
                encoder.forbidTogether(nodes)
                guard try encoder.solve() else { return .failure(firstCycle!) }
            }
        }
        return .failure(firstCycle!)
    }

    /// How many cyclic solutions to set aside before reporting the first cycle.
    static let cycleRetries = 20

    /// Throwing form of `resolve(requirements:)`: the catalogue's error or the `ResolutionFailure`.
    public func plan(for requirements: [ProductRequirement]) throws -> InstallPlan {
        try resolve(requirements: requirements).get()
    }
}
