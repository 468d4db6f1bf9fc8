import FeedModel

/// SplitMix64, so a benchmark run is reproducible.
struct BenchmarkRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
}

/// A generated catalogue shaped like a real one: several versions per product (newest first, as a
/// feed prefers them), dependencies that mostly point at a few popular low-numbered products,
/// `or` groups, version ranges and some incompatibilities. Dependencies only point to lower ids,
/// so there are no cycles (libsolv would accept cycles, paddock reports them).
struct GeneratedCatalog {
    /// How often leaves carry version ranges, `or` groups appear and entries declare incompatibilities.
    struct Profile {
        var name: String
        var constraintPercent: Int
        var orPercent: Int
        var incompatibilityPercent: Int

        static let typical = Profile(name: "typical", constraintPercent: 35, orPercent: 15, incompatibilityPercent: 2)
        /// Many ranges and clashes, so the search must backtrack and many requests are impossible.
        static let conflictHeavy = Profile(name: "conflict-heavy", constraintPercent: 70, orPercent: 30, incompatibilityPercent: 15)
    }

    var products: [Product] = []
    var requests: [[String]] = []

    static func name(_ index: Int) -> String { "p\(index)" }

    init(productCount: Int, requestCount: Int, seed: UInt64, profile: Profile) {
        var random = BenchmarkRandom(seed: seed)
        let versions: [[String]] = (0..<productCount).map { _ in
            let count = Int.random(in: 1...4, using: &random)
            return (1...count).reversed().map { major in "\(major).\(Int.random(in: 0..<10, using: &random))" }
        }
        func popularTarget(below index: Int) -> Int {
            // Skewed towards low ids: a few libraries most products need, a long tail of others.
            min(index - 1, Int(Double(index) * pow3(random.unit())))
        }
        func leaf(_ target: Int) -> DependencyExpression {
            let available = versions[target]
            var constraint: String?
            if available.count > 1, random.chance(profile.constraintPercent) {
                let pick = available[Int.random(in: 0..<available.count, using: &random)]
                let major = Int(pick.split(separator: ".")[0])!
                switch Int.random(in: 0..<3, using: &random) {
                case 0: constraint = ">=\(pick)"
                case 1: constraint = "<\(major + 1)"
                default: constraint = ">=\(major),<\(major + 1)"
                }
            }
            return .product(ProductRequirement(GeneratedCatalog.name(target), constraint: constraint))
        }
        for index in 0..<productCount {
            for version in versions[index] {
                var product = Product(productId: GeneratedCatalog.name(index))
                product.version = version
                var installer = Installer()
                installer.linux = LinuxInstall(kind: .archive, scope: .user)
                product.installers = [installer]
                if index > 0 {
                    var parts: [DependencyExpression] = []
                    for _ in 0..<Int.random(in: 0...4, using: &random) {
                        if random.chance(profile.orPercent), index > 2 {
                            parts.append(.any((0..<Int.random(in: 2...3, using: &random)).map { _ in leaf(popularTarget(below: index)) }))
                        } else {
                            parts.append(leaf(popularTarget(below: index)))
                        }
                    }
                    if !parts.isEmpty { product.dependency = .all(parts) }
                }
                if random.chance(profile.incompatibilityPercent) {
                    // Mostly popular products, so clashes actually meet in plans.
                    let other = Int(Double(productCount) * pow3(random.unit()))
                    if other != index {
                        product.incompatibilities = [ProductRequirement(GeneratedCatalog.name(other), constraint: random.chance(50) ? "<2" : nil)]
                    }
                }
                products.append(product)
            }
        }
        for _ in 0..<requestCount {
            let count = Int.random(in: 1...2, using: &random)
            requests.append((0..<count).map { _ in GeneratedCatalog.name(Int.random(in: (productCount / 2)..<productCount, using: &random)) })
        }
    }
}

private func pow3(_ value: Double) -> Double { value * value * value }
