import FeedModel

/// One product in a plan: to install, or already there (shown, not installed again).
public struct PlanStep: Sendable, Hashable, Codable {
    public var productId: String
    public var version: String?
    /// The feed the entry comes from; nil for an installed product.
    public var feed: String?
    /// The installer chosen for this machine, and its index in the product's installers;
    /// nil for an installed product.
    public var installer: Installer?
    public var installerIndex: Int?
    /// Where a Linux installer puts the product; nil for Windows installers and installed products.
    public var scope: LinuxInstall.Scope?
    /// `installerFile` size as the feed writes it (WebPI documents KB); nil when unknown.
    public var downloadSizeKB: Int?
    public var alreadyInstalled: Bool
    /// The products this one needs, in the order its dependency lists them.
    public var dependsOn: [String]
    /// The requested products that pull this one in (itself when requested).
    public var requestedBy: [String]
    /// For each requested product that pulls this one in, one shortest path to it,
    /// e.g. `["blank-django", "django", "python3"]`.
    public var why: [[String]]

    public init(
        productId: String, version: String?, feed: String?, installer: Installer?, installerIndex: Int?,
        scope: LinuxInstall.Scope?, downloadSizeKB: Int?, alreadyInstalled: Bool, dependsOn: [String],
        requestedBy: [String], why: [[String]]
    ) {
        self.productId = productId
        self.version = version
        self.feed = feed
        self.installer = installer
        self.installerIndex = installerIndex
        self.scope = scope
        self.downloadSizeKB = downloadSizeKB
        self.alreadyInstalled = alreadyInstalled
        self.dependsOn = dependsOn
        self.requestedBy = requestedBy
        self.why = why
    }
}

extension PlanStep {
    private enum CodingKeys: String, CodingKey {
        case productId, version, feed, installer, installerIndex, scope, downloadSizeKB, alreadyInstalled
        case dependsOn, requestedBy, why
    }

    /// Every key is always written (null when absent), so `--json` readers see one shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(productId, forKey: .productId)
        try container.encode(version, forKey: .version)
        try container.encode(feed, forKey: .feed)
        try container.encode(installer, forKey: .installer)
        try container.encode(installerIndex, forKey: .installerIndex)
        try container.encode(scope, forKey: .scope)
        try container.encode(downloadSizeKB, forKey: .downloadSizeKB)
        try container.encode(alreadyInstalled, forKey: .alreadyInstalled)
        try container.encode(dependsOn, forKey: .dependsOn)
        try container.encode(requestedBy, forKey: .requestedBy)
        try container.encode(why, forKey: .why)
    }
}

/// Steps that can run at the same time: each depends only on earlier stages.
public struct PlanStage: Sendable, Hashable, Codable {
    public var steps: [PlanStep]
    public init(steps: [PlanStep]) { self.steps = steps }
}

/// A resolved request: every product it needs, in dependency order.
public struct InstallPlan: Sendable, Hashable, Codable {
    /// The product ids asked for, in the order asked.
    public var requested: [String]
    public var stages: [PlanStage]

    public init(requested: [String], stages: [PlanStage]) {
        self.requested = requested
        self.stages = stages
    }

    /// All steps, in dependency order (stage by stage).
    public var steps: [PlanStep] { stages.flatMap(\.steps) }

    /// Only the steps that install something.
    public var stepsToInstall: [PlanStep] { steps.filter { !$0.alreadyInstalled } }

    public func step(for productId: String) -> PlanStep? { steps.first { $0.productId == productId } }

    /// Steps to install that a stage could run before (or beside) a product they depend on,
    /// as "step needs dependency"; empty for every plan the resolver makes. The installer
    /// checks it before running anything, since running pip before the product that makes its
    /// environment is what an order by name did.
    public var orderViolations: [String] {
        var stageOf: [String: Int] = [:]
        for (index, stage) in stages.enumerated() {
            for step in stage.steps { stageOf[step.productId.lowercased()] = step.alreadyInstalled ? -1 : index }
        }
        return stages.enumerated().flatMap { index, stage in
            stage.steps.filter { !$0.alreadyInstalled }.flatMap { step in
                step.dependsOn.filter { (stageOf[$0.lowercased()] ?? -1) >= index }.map { "\(step.productId) needs \($0)" }
            }
        }
    }

    /// Why `productId` is in the plan: one path from each requested product that needs it;
    /// nil when the plan does not contain it.
    public func why(_ productId: String) -> [[String]]? { step(for: productId)?.why }

    /// Total known download size; steps of unknown size are counted in `unknownSizeCount`.
    public var downloadSummary: (knownKB: Int, unknownSizeCount: Int) {
        let toInstall = stepsToInstall
        return (toInstall.compactMap(\.downloadSizeKB).reduce(0, +), toInstall.filter { $0.downloadSizeKB == nil }.count)
    }
}
