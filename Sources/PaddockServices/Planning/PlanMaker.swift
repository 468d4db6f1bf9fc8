import FeedModel
import Foundation
import PaddockBasics
import PaddockStore
import PaddockSystem
import Resolver

/// Resolves requests against the store, with what is installed (state database and discovery).
public struct PlanMaker {
    let context: ServiceContext
    let store: FeedStore
    let machine: MachineFacts
    let probeMachine: Bool
    var app: String?
    /// Installed products to leave out (the ones `paddock upgrade` replaces).
    var excluding: Set<String> = []

    public init(context: ServiceContext, store: FeedStore, machine: MachineFacts, probeMachine: Bool, app: String? = nil, excluding: Set<String> = []) {
        self.context = context
        self.store = store
        self.machine = machine
        self.probeMachine = probeMachine
        self.app = app
        self.excluding = excluding
    }

    public func resolve(_ requests: [String]) throws -> InstallPlan {
        let requirements = try requests.map(Self.requirement)
        // A name no feed defines is a mistake in the command, as for `show`: exit 64 with the
        // names it may have meant (a dependency no feed defines is the resolver's to explain).
        for (text, requirement) in zip(requests, requirements) {
            let reference = text.split(separator: "@", maxSplits: 1).first.map(String.init) ?? text
            if try store.catalog.resolve(reference).isEmpty {
                throw StoreError.productNotFound(requirement.productId, suggestions: try store.catalog.suggestions(for: requirement.productId))
            }
        }
        let catalog = StoreCatalog(store.catalog)
        let installed = try InstalledOracle(context: context, catalog: catalog, app: app, probe: probeMachine, excluding: excluding).installed(for: requirements)
        let resolver = Resolver(catalog: catalog, machine: machine, installed: installed)
        switch try resolver.resolve(requirements: requirements) {
        case .success(let plan): return plan
        case .failure(let failure): throw ServiceError(failure.message, .unavailable)
        }
    }

    /// `django@>=5.2` or `django` (a FEED: prefix is not a requirement; it is stripped).
    public static func requirement(_ text: String) throws -> ProductRequirement {
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        var id = parts[0]
        if let colon = id.lastIndex(of: ":") { id = String(id[id.index(after: colon)...]) }
        guard !id.isEmpty else { throw ServiceError("'\(text)' names no product", .usage) }
        guard parts.count == 2 else { return ProductRequirement(id) }
        do {
            _ = try VersionConstraint(parsing: parts[1])
        } catch {
            throw ServiceError("'\(text)': \(error)", .usage)
        }
        return ProductRequirement(id, constraint: parts[1])
    }
}

extension MachineFacts {
    /// This machine's facts, overridden by what the user described (as an offline bundle for
    /// another machine needs).
    public static func described(
        os: String?, arch: String?, language: String?, osVersion: String? = nil, environment: [String: String]
    ) throws -> MachineFacts {
        let probe = MachineProbe(environment: environment)
        var facts = MachineFacts(
            operatingSystem: .linux, distribution: probe.distribution, distributionVersion: probe.distributionVersion,
            architecture: probe.architecture, language: probe.language)
        if let os {
            guard let system = MachineFacts.OperatingSystem(rawValue: os.lowercased()) else {
                throw ServiceError("--os \(os): expected linux or windows", .usage)
            }
            facts.operatingSystem = system
            if system == .windows {
                facts.distribution = nil
                facts.distributionVersion = nil
            }
        }
        if let arch { facts.architecture = arch }
        if let language { facts.language = language.lowercased() }
        if let osVersion {
            guard Version(osVersion) != nil, osVersion.first?.isNumber == true else {
                throw ServiceError("--os-version \(osVersion): expected a version such as 6.1", .usage)
            }
            if facts.operatingSystem == .windows { facts.windowsVersion = osVersion } else { facts.distributionVersion = osVersion }
        }
        return facts
    }

}
