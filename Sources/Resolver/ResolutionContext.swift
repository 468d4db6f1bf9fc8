import FeedModel

/// One candidate product as the resolver sees it: the catalogue entry, its parsed version and
/// the installer it would use here (nil: it cannot be installed on this machine).
struct Candidate {
    let index: Int
    let prepared: PreparedEntry

    var entry: CatalogEntry { prepared.entry }
    var version: Version? { prepared.version }
    var installerIndex: Int? { prepared.installerIndex }

    var productId: String { entry.product.productId }
    /// `python 3.11`, or just `python` when the feed gives no version.
    var displayName: String { entry.product.version.map { "\(productId) \($0)" } ?? productId }
}

/// A requirement leaf with its constraint parsed once.
enum ParsedConstraint: Sendable {
    case any
    case constraint(VersionConstraint)
    case invalid(VersionConstraint.ParseError)
}

/// The facts one resolution shares between encoding, plan building and explaining:
/// candidates per id, parsed constraints, installer choices, installed products. Caches make
/// each lookup in the catalogue happen once.
final class ResolutionContext {
    let catalog: any ProductCatalog
    let machine: MachineFacts
    let installed: InstalledProducts
    private let prepared: PreparedEntries
    private(set) var allCandidates: [Candidate] = []
    private var candidatesById: [String: [Int]] = [:]
    private var constraintCache: [String: ParsedConstraint] = [:]

    init(catalog: any ProductCatalog, machine: MachineFacts, installed: InstalledProducts, prepared: PreparedEntries) {
        self.catalog = catalog
        self.machine = machine
        self.installed = installed
        self.prepared = prepared
    }

    /// Candidates for an id that is not installed, preferred first. Installed ids have none:
    /// paddock never replaces an installed product.
    func candidates(of productId: String) throws -> [Int] {
        if let known = candidatesById[productId] { return known }
        var indices: [Int] = []
        if !installed.isInstalled(productId) {
            for entry in try prepared.entries(of: productId) {
                indices.append(allCandidates.count)
                allCandidates.append(Candidate(index: allCandidates.count, prepared: entry))
            }
        }
        candidatesById[productId] = indices
        return indices
    }

    func parse(_ constraint: String?) -> ParsedConstraint {
        guard let constraint else { return .any }
        if let cached = constraintCache[constraint] { return cached }
        let parsed = prepared.constraint(constraint)
        constraintCache[constraint] = parsed
        return parsed
    }

    func satisfies(_ candidate: Candidate, _ constraint: ParsedConstraint) -> Bool {
        switch constraint {
        case .any: return true
        case .invalid: return false
        case .constraint(let parsed): return candidate.version.map(parsed.isSatisfied(by:)) ?? false
        }
    }

    /// nil when the id is not installed; otherwise whether the installed version satisfies.
    func installedSatisfies(_ productId: String, _ constraint: ParsedConstraint) -> Bool? {
        guard installed.isInstalled(productId) else { return nil }
        switch constraint {
        case .any: return true
        case .invalid: return false
        case .constraint(let parsed): return parsed.isSatisfied(byText: installed.version(of: productId))
        }
    }

    /// The candidates of a requirement leaf that satisfy its constraint, preferred first.
    func matchingCandidates(_ requirement: ProductRequirement) throws -> [Int] {
        let constraint = parse(requirement.constraint)
        return try candidates(of: requirement.productId).filter { satisfies(allCandidates[$0], constraint) }
    }

    /// The catalogue entry describing an installed product (same version), for its own
    /// incompatibilities; nil when no feed lists that version.
    func installedEntry(_ productId: String) throws -> Product? {
        let version = installed.version(of: productId).flatMap { Version($0) }
        return try catalog.products(withId: productId).first { entry in
            entry.product.version.flatMap { Version($0) } == version
        }?.product
    }

    /// Whether the installed product `productId` matches an incompatibility leaf.
    func installedMatches(_ requirement: ProductRequirement) -> Bool {
        installedSatisfies(requirement.productId, parse(requirement.constraint)) ?? false
    }

    func namedSet(_ name: String, feed: String) throws -> DependencyExpression? { try catalog.namedSet(name, feed: feed) }
}
