import FeedModel
import Resolver
import Testing
import TestSupport

/// SplitMix64: a tiny seeded generator so every case can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// A random small problem: products p0...p5 (deps only point to higher ids, so no cycles),
/// 1-3 versions each, `or` groups, constraints, incompatibilities, a named set, installed products.
struct RandomProblem {
    var products: [Product] = []
    var sets: [String: DependencyExpression] = [:]
    var installed: [String: String?] = [:]
    var requests: [ProductRequirement] = []

    static let versions = ["1.0", "2.0", "3.0"]
    static let constraints: [String?] = [nil, nil, ">=2", "<3", "==1.*", "!=2.0", ">=1.5,<3"]

    init(seed: UInt64, productCount: Int = 6) {
        var random = SeededGenerator(seed: seed)
        func leaf(above index: Int) -> DependencyExpression? {
            guard index + 1 < productCount else { return nil }
            let target = Int.random(in: (index + 1)..<productCount, using: &random)
            return .product(ProductRequirement("p\(target)", constraint: RandomProblem.constraints.randomElement(using: &random)!))
        }
        func expression(above index: Int) -> DependencyExpression? {
            var parts: [DependencyExpression] = []
            for _ in 0..<Int.random(in: 0...2, using: &random) {
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<5: if let one = leaf(above: index) { parts.append(one) }
                case 5..<9:
                    let branches = (0..<Int.random(in: 2...3, using: &random)).compactMap { _ in leaf(above: index) }
                    if !branches.isEmpty { parts.append(.any(branches)) }
                default: if index < 2 { parts.append(.named("S")) }
                }
            }
            return parts.isEmpty ? nil : .all(parts)
        }
        sets["S"] = .any([.product(ProductRequirement("p4")), .all([.product(ProductRequirement("p5", constraint: ">=2"))])])
        for index in 0..<productCount {
            for version in RandomProblem.versions.shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random)) {
                var product = Product(productId: "p\(index)")
                product.version = version
                product.dependency = expression(above: index)
                if Int.random(in: 0..<100, using: &random) < 20 {
                    let other = Int.random(in: 0..<productCount, using: &random)
                    if other != index {
                        product.incompatibilities = [ProductRequirement("p\(other)", constraint: RandomProblem.constraints.randomElement(using: &random)!)]
                    }
                }
                var installer = Installer()
                if Int.random(in: 0..<100, using: &random) < 85 { installer.linux = LinuxInstall(kind: .archive, scope: .user) }
                product.installers = [installer]
                products.append(product)
            }
            if Int.random(in: 0..<100, using: &random) < 12 {
                installed["p\(index)"] = RandomProblem.versions.randomElement(using: &random)!
            }
        }
        let requestCount = Int.random(in: 1...2, using: &random)
        for _ in 0..<requestCount {
            requests.append(ProductRequirement("p\(Int.random(in: 0..<3, using: &random))"))
        }
    }

    var catalog: InMemoryCatalog {
        var catalog = InMemoryCatalog()
        catalog.add(feed: "gen", products: products, namedSets: sets)
        return catalog
    }
}

/// An independent checker: whether a set of chosen products (plus the installed ones) is a valid
/// installation for the requests. Written without the resolver's code on purpose.
struct PlanChecker {
    let problem: RandomProblem

    private func matches(_ version: String?, _ constraint: String?) -> Bool {
        guard let constraint else { return true }
        guard let version, let parsed = try? VersionConstraint(parsing: constraint) else { return false }
        return parsed.isSatisfied(byText: version)
    }

    /// productId -> version of everything present after installing `chosen`.
    private func present(_ chosen: [Product]) -> [String: String?] {
        var all = problem.installed
        for product in chosen { all[product.productId] = product.version }
        return all
    }

    private func holds(_ expression: DependencyExpression, _ present: [String: String?], sets: Set<String> = []) -> Bool {
        switch expression {
        case .product(let requirement):
            guard let version = present[requirement.productId] else { return false }
            return matches(version, requirement.constraint)
        case .all(let children): return children.allSatisfy { holds($0, present, sets: sets) }
        case .any(let children): return children.contains { holds($0, present, sets: sets) }
        case .named(let name):
            guard !sets.contains(name), let set = problem.sets[name] else { return false }
            return holds(set, present, sets: sets.union([name]))
        }
    }

    private func entry(_ productId: String, version: String?) -> Product? {
        problem.products.first { $0.productId == productId && $0.version.flatMap { Version($0) } == version.flatMap { Version($0) } }
    }

    /// nil when valid, else what is wrong.
    func problemWith(chosen: [Product]) -> String? {
        if Set(chosen.map(\.productId)).count != chosen.count { return "two versions of one product" }
        for product in chosen where problem.installed[product.productId] != nil { return "reinstalls \(product.productId)" }
        for product in chosen where !product.installers.contains(where: { $0.platform == .linux }) {
            return "\(product.productId) has no Linux installer"
        }
        let all = present(chosen)
        for request in problem.requests where !holds(.product(request), all) { return "misses request \(request.productId)" }
        for product in chosen {
            if let dependency = product.dependency, !holds(dependency, all) { return "\(product.productId) misses a dependency" }
        }
        // Incompatibilities, declared by anything present (installed ones through their entry).
        let declarers = chosen + problem.installed.compactMap { entry($0.key, version: $0.value) }
        for declarer in declarers {
            for requirement in declarer.incompatibilities {
                guard let version = all[requirement.productId], matches(version, requirement.constraint) else { continue }
                let involvesChosen = chosen.contains { $0.productId == declarer.productId || $0.productId == requirement.productId }
                if involvesChosen { return "\(declarer.productId) is incompatible with \(requirement.productId)" }
            }
        }
        return nil
    }

    /// Brute force over every choice of at most one version per non-installed product.
    func solutionExists() -> Bool {
        let ids = Array(Set(problem.products.map(\.productId)).subtracting(problem.installed.keys)).sorted()
        let options: [[Product?]] = ids.map { id in [nil] + problem.products.filter { $0.productId == id }.map { Optional($0) } }
        var choice = Array(repeating: 0, count: options.count)
        while true {
            let chosen = zip(options, choice).compactMap { $0[$1] }
            if problemWith(chosen: chosen) == nil { return true }
            var position = 0
            while position < choice.count {
                choice[position] += 1
                if choice[position] < options[position].count { break }
                choice[position] = 0
                position += 1
            }
            if position == choice.count { return false }
        }
    }
}

@Suite struct PropertyTests {
    @Test func everyPlanIsValidAndEveryImpossibleIsReal() throws {
        var solved = 0
        var impossible = 0
        for seed in UInt64(1)...1000 {
            let problem = RandomProblem(seed: seed, productCount: seed % 2 == 0 ? 6 : 7)
            let checker = PlanChecker(problem: problem)
            let resolver = Resolver(catalog: problem.catalog, machine: Fixtures.linux, installed: InstalledProducts(problem.installed))
            let result = try resolver.resolve(requirements: problem.requests)
            #expect(try resolver.resolve(requirements: problem.requests) == result, "seed \(seed): not deterministic")
            switch result {
            case .success(let plan):
                solved += 1
                let chosen = plan.stepsToInstall.compactMap { step in
                    problem.products.first { $0.productId == step.productId && $0.version == step.version }
                }
                #expect(chosen.count == plan.stepsToInstall.count, "seed \(seed): plan names unknown products")
                if let wrong = checker.problemWith(chosen: chosen) { Issue.record("seed \(seed): invalid plan: \(wrong)") }
                #expect(plan.orderViolations.isEmpty, "seed \(seed): a stage runs a product before one it needs")
                for step in plan.steps where step.alreadyInstalled {
                    #expect(problem.installed[step.productId] != nil, "seed \(seed): \(step.productId) marked installed")
                }
            case .failure(let failure):
                impossible += 1
                #expect(!checker.solutionExists(), "seed \(seed): said impossible (\(failure.message)) but a plan exists")
                #expect(!failure.message.isEmpty)
            }
        }
        // Both outcomes must be exercised, or the property says little.
        #expect(solved > 100)
        #expect(impossible > 50)
    }

    /// Bigger catalogues, too big to brute-force: every plan must still be valid.
    @Test func plansForMediumCataloguesAreValid() throws {
        var solved = 0
        for seed in UInt64(10_001)...10_200 {
            let problem = RandomProblem(seed: seed, productCount: 30)
            let resolver = Resolver(catalog: problem.catalog, machine: Fixtures.linux, installed: InstalledProducts(problem.installed))
            guard case .success(let plan) = try resolver.resolve(requirements: problem.requests) else { continue }
            solved += 1
            let chosen = plan.stepsToInstall.compactMap { step in
                problem.products.first { $0.productId == step.productId && $0.version == step.version }
            }
            if let wrong = PlanChecker(problem: problem).problemWith(chosen: chosen) {
                Issue.record("seed \(seed): invalid plan: \(wrong)")
            }
            #expect(plan.orderViolations.isEmpty, "seed \(seed): \(plan.orderViolations)")
        }
        #expect(solved > 50)
    }
}
