import FeedModel
import Foundation
import PaddockApps
import PaddockArchive
import PaddockBasics
import PaddockDownload
import PaddockState
import PaddockStore
import PaddockSystem
import PaddockXML
import Resolver

#if canImport(Glibc)
    import Glibc
#endif

/// What the user asked `paddock install` (or `upgrade`) for, beyond the products.
public struct InstallRequest: Sendable {
    public var app: String?
    public var path: String?
    public var parameters: [String: String] = [:]
    public var answersFile: String?
    public var yes = false
    /// `--accept-eula` (WebPICmd's `/AcceptEula`): the licences of the plan's products are
    /// accepted, so the install goes ahead without asking; template parameters are still asked
    /// on a terminal (`--yes` asks nothing at all, and accepts them too).
    public var acceptEula = false
    /// `paddock adopt`: `path` is an app folder made elsewhere (uploaded with rsync or git): it
    /// is taken as it is, not rendered from the template; the template's products, the app's
    /// environment, secrets and deploy hook are made here. The folder stays the user's: never
    /// removed by a rollback or an uninstall.
    public var adopting = false
    public var dryRun = false
    public var allowUnverified = false
    public var noWait = false
    public var commandLine = "install"
    /// `paddock upgrade`: the installed products being replaced, by lower-cased id. The
    /// resolver does not count them as installed; each one's files are moved aside (in the
    /// transaction) just before its new version is put in place, and dropped only at commit.
    public var upgrading: [String: InstalledProduct] = [:]
    /// `--engine NAME`: the new app runs on this engine rather than the one its template's
    /// manifest names (same runtime); its `<requires>` products join the plan.
    public var engine: String?

    public init(
        app: String? = nil, path: String? = nil, parameters: [String: String] = [:], answersFile: String? = nil, yes: Bool = false,
        dryRun: Bool = false, allowUnverified: Bool = false, noWait: Bool = false, commandLine: String = "install",
        upgrading: [String: InstalledProduct] = [:], acceptEula: Bool = false
    ) {
        self.app = app
        self.path = path
        self.parameters = parameters
        self.answersFile = answersFile
        self.yes = yes
        self.dryRun = dryRun
        self.allowUnverified = allowUnverified
        self.noWait = noWait
        self.commandLine = commandLine
        self.upgrading = upgrading
        self.acceptEula = acceptEula
    }
}

/// What an install did (or, with --dry-run, would do).
public struct InstallOutcome: Sendable {
    /// Products put in place, in order.
    public var installed: [String]
    public var app: AppRecord?
    /// The plan carried out: the last one, when the template's parameters grew it.
    public var plan: InstallPlan
    /// Nothing was missing: every product asked for was there already.
    public var nothingToDo: Bool
    public var dryRun: Bool
}

/// The person said no at a prompt: nothing was changed. Exit status 1, nothing printed.
public struct Declined: PaddockError {
    public init() {}
    public var description: String { "" }
    public var exitStatus: ExitStatus { .failure }
}

/// Carries out a plan for real: fetch and verify every file first (in parallel), ask for
/// template parameters, then one journaled transaction through the installer kinds (apt, pip,
/// archive, command, the template, kinds defined as data) and the app's deploy hook. Any
/// failure, or a kill at any moment, leaves things as they were before (the next paddock rolls
/// back what a killed one left).
public struct InstallService {
    let context: ServiceContext
    let store: FeedStore
    let state: StateStore
    let request: InstallRequest
    let machine: MachineFacts
    let apps: any AppControlling
    /// Shows a plan before it is carried out (the first, and again when parameters grow it).
    let showPlan: (InstallPlan) -> Void

    public init(
        context: ServiceContext, store: FeedStore, state: StateStore, request: InstallRequest, machine: MachineFacts,
        apps: any AppControlling, showPlan: @escaping (InstallPlan) -> Void
    ) {
        self.context = context
        self.store = store
        self.state = state
        self.request = request
        self.machine = machine
        self.apps = apps
        self.showPlan = showPlan
    }

    public func run(_ requests: [String]) async throws -> InstallOutcome {
        if let app = request.app { try Self.checkAppName(app) }
        let planMaker = PlanMaker(
            context: context, store: store, machine: machine, probeMachine: true, app: request.app, excluding: Set(request.upgrading.keys))
        var plan = try planMaker.resolve(requests)
        // A template with the name of an app that exists: that name is taken (the template being
        // "already installed" in that app is not the point).
        // (An installed step carries no installer: the catalogue says whether it is a template.)
        if let app = request.app, let existing = try state.app(named: app),
            try plan.requested.contains(where: { id in
                try store.catalog.resolve(id).first?.product.installers.contains { $0.linux.map { TemplateKind().handles($0) } == true } == true
            })
        {
            throw ServiceError("an app named '\(app)' already exists in \(existing.path); choose another name", .usage)
        }
        let steps = plan.stepsToInstall
        if steps.isEmpty {
            showPlan(plan)
            return InstallOutcome(installed: [], app: nil, plan: plan, nothingToDo: true, dryRun: request.dryRun)
        }
        let templates = steps.filter { $0.installer?.linux.map { TemplateKind().handles($0) } == true }
        if let engine = request.engine, templates.isEmpty || request.app == nil {
            throw ServiceError("--engine \(engine) chooses the engine of a new app: install a template with --app NAME (for an app that exists: paddock config APP engine=\(engine))", .usage)
        }
        try check(plan)
        if request.dryRun {
            showPlan(plan)
            return InstallOutcome(installed: [], app: nil, plan: plan, nothingToDo: false, dryRun: true)
        }
        // Refused without a terminal before anything is fetched, as before a question is asked.
        try checkCanConfirm(plan)

        // Named by pid, so that `paddock doctor` can tell a dead paddock's leftovers.
        let scratch = context.paths.cache.appendingPathComponent("tmp/\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        // 1. The template first (a few kilobytes, verified), staged and asked for its
        //    parameters, so that every question comes before the plan is shown and before
        //    `Proceed?`, and nothing waits on a person once downloads begin. A value may bring
        //    in products (database=postgresql needs psycopg): the plan grows by them.
        var files: [String: URL] = [:]
        var template: StagedTemplate?
        if let step = templates.first, let app = request.app {
            files = try await fetch([step])
            if let file = files[step.productId] {
                let staged = try stage(step, file: file, app: app, scratch: scratch)
                template = staged
                let planned = Set(plan.stages.flatMap(\.steps).map(\.productId))
                let extra = staged.requiredProducts.filter { !planned.contains($0) }
                let engineProducts = try chooseEngine(&template!).filter { !planned.contains($0) && !extra.contains($0) }
                if !extra.isEmpty || !engineProducts.isEmpty {
                    plan = try planMaker.resolve(requests + extra + engineProducts)
                    if !extra.isEmpty { context.emit(.note("the parameters chosen need \(extra.joined(separator: ", ")), so the plan includes them")) }
                    if !engineProducts.isEmpty {
                        context.emit(.note("the engine \(template?.engine ?? "") needs \(engineProducts.joined(separator: ", ")), so the plan includes them"))
                    }
                    try check(plan)
                }
            }
        }

        // 2. The whole plan, then the one question; then every other file, fetched and
        //    verified before anything runs.
        showPlan(plan)
        try confirm(plan)
        let missing = plan.stepsToInstall.filter { files[$0.productId] == nil }
        files.merge(try await fetch(missing)) { first, _ in first }

        // 3. The transaction.
        let lock = try StateLock(path: state.lockPath, wait: !request.noWait) { holder in
            context.emit(.waitingForLock(holder: holder))
        }
        return try withExtendedLifetime(lock) {
            try recoverUnfinished(state: state, context: context)
            try checkUpgradeBaseline()
            let transaction = try state.begin(command: request.commandLine)
            let logFile = context.paths.state.appendingPathComponent("logs/install-\(transaction.id).log")
            try FileManager.default.createDirectory(at: logFile.deletingLastPathComponent(), withIntermediateDirectories: true)
            do {
                TestPause.at("begin", environment: context.environment)
                if let template { try TemplateKind.prepareApp(template, transaction: transaction) }
                var installed: [String] = []
                for stage in plan.stages {
                    for step in stage.steps where !step.alreadyInstalled {
                        TestPause.at("step:\(step.productId)", environment: context.environment)
                        let old = request.upgrading[step.productId.lowercased()]
                        if let old { try moveAsideFiles(of: old, transaction: transaction) }
                        let receipts = try execute(
                            step, file: files[step.productId], template: template, transaction: transaction, log: logFile.path, scratch: scratch)
                        transaction.record(
                            InstalledProduct(
                                productId: step.productId, app: step.scope == .app ? (request.app ?? "") : "", version: step.version,
                                feed: step.feed, installerId: step.installer?.id, kind: step.installer?.linux?.kind.rawValue ?? "none",
                                scope: step.scope?.rawValue ?? "user", requested: old?.requested ?? plan.requested.contains(step.productId)),
                            receipts: receipts, needs: step.dependsOn)
                        installed.append(step.productId)
                    }
                }
                var app: AppRecord?
                if let template { app = try finishApp(template, transaction: transaction) }
                TestPause.at("commit", environment: context.environment)
                try transaction.commit()
                return InstallOutcome(installed: installed, app: app, plan: plan, nothingToDo: false, dryRun: false)
            } catch {
                context.emit(.willRollBack)
                do {
                    try transaction.rollback(packages: context.kinds.undoer(context: context))
                } catch let rollbackError {
                    // The install's own error is what the user must see first; what the rollback
                    // could not undo is said too, with what to do.
                    context.emit(.warning("the rollback stopped: \(rollbackError); run 'paddock doctor'"))
                }
                throw error
            }
        }
    }

    /// Moves an upgraded product's files aside (journaled): a rollback puts them back, the
    /// commit drops them. Its packages stay (their own tools upgrade them in place).
    private func moveAsideFiles(of old: InstalledProduct, transaction: InstallTransaction) throws {
        let appFolder = old.app.isEmpty ? nil : try state.app(named: old.app)?.path
        for receipt in try state.receipts(of: old.productId, app: old.app) where receipt.kind.isPath {
            try transaction.moveAside(receipt.path, appFolder: receipt.path == appFolder)
        }
    }

    /// With the lock held: the products to upgrade are still the versions planned against
    /// (another paddock may have changed them while this one downloaded).
    private func checkUpgradeBaseline() throws {
        for (_, old) in request.upgrading {
            let now = try state.installed().first { $0.productId.lowercased() == old.productId.lowercased() && $0.app == old.app }
            guard let now, now.version == old.version else {
                throw ServiceError("\(old.productId) changed while this upgrade was downloading; run 'paddock upgrade' again", .tryAgain)
            }
        }
    }

    // MARK: - Checks

    /// Everything that can be refused before a byte is downloaded: app-scoped products with no
    /// app, two templates, a missing app, unverifiable files, a kind this paddock lacks, what a
    /// kind cannot do here (Debian packages without root).
    private func check(_ plan: InstallPlan) throws {
        if let violation = plan.orderViolations.first {
            throw ServiceError("internal error: the plan would install \(violation) before it; please report it", .software)
        }
        let steps = plan.stepsToInstall
        for step in steps { _ = try context.kinds.kind(of: step) }
        let templates = steps.filter { $0.installer?.linux.map { TemplateKind().handles($0) } == true }
        let appScoped = steps.filter { $0.scope == .app }
        if !appScoped.isEmpty && request.app == nil {
            let names = appScoped.map(\.productId).joined(separator: ", ")
            throw ServiceError("\(names) go\(appScoped.count == 1 ? "es" : "") into an app's own environment; name the app with --app NAME", .usage)
        }
        if templates.count > 1 {
            throw ServiceError("one app is made from one template; install \(templates.map(\.productId).joined(separator: " and ")) separately", .usage)
        }
        // --app names a new app (with a template) or one to install into (without).
        if let app = request.app {
            let existing = try state.app(named: app)
            if let existing, !templates.isEmpty {
                throw ServiceError("an app named '\(app)' already exists in \(existing.path); choose another name", .usage)
            }
            if existing == nil && templates.isEmpty {
                throw ServiceError("there is no app '\(app)' yet: make it from a template first (paddock install blank-django --app \(app))", .usage)
            }
        }
        try checkVerification(steps)
        for kind in context.kinds.all { try kind.check(steps, context: context) }
    }

    static func checkAppName(_ name: String) throws {
        let valid =
            !name.isEmpty && name.count <= 64 && name.first!.isLetter
            && name.allSatisfy { ($0.isLetter && $0.isASCII) || $0.isNumber || $0 == "-" || $0 == "_" }
        guard valid else {
            throw ServiceError("'\(name)' is not a valid app name: start with a letter; use letters, digits, '-' and '_'", .usage)
        }
    }

    /// Refuses, before anything happens, a product the feed gives no hash for, unless allowed.
    private func checkVerification(_ steps: [PlanStep]) throws {
        guard !request.allowUnverified else { return }
        for step in steps {
            guard let installer = step.installer else { continue }
            if let file = installer.file, file.url != nil || file.relativeURL != nil, file.sha256 == nil, file.sha1 == nil {
                throw ServiceError("the feed gives no hash for \(step.productId)'s download, so it cannot be verified; pass --allow-unverified to install it anyway", .dataError)
            }
            if let linux = installer.linux, !linux.packages.isEmpty, linux.kind != .apt, linux.packages.contains(where: { $0.sha256.isEmpty }) {
                throw ServiceError("the feed gives no hash for some of \(step.productId)'s packages, so they cannot be verified; pass --allow-unverified to install anyway", .dataError)
            }
        }
    }

    /// Asks before anything is fetched. Proceeding accepts the licences the plan lists (WebPI's
    /// "I Accept"): on a terminal the question says so; `--accept-eula` or `--yes` accept them
    /// without asking. A refusal changes nothing (`Declined`, exit status 1).
    private func confirm(_ plan: InstallPlan) throws {
        let licences = PlanRenderer.licences(plan)
        if request.yes || request.acceptEula {
            if request.acceptEula && !request.yes && !licences.isEmpty {
                context.emit(.note("--accept-eula: accepted the licences of \(licences.map(\.productId).joined(separator: ", "))"))
            }
            return
        }
        try checkCanConfirm(plan)
        if !licences.isEmpty {
            context.prompter.tell(
                "Answering yes accepts the licence\(licences.count == 1 ? "" : "s") listed above; no leaves everything as it is.")
        }
        guard try context.prompter.confirm("Proceed?", defaultAnswer: true) else { throw Declined() }
    }

    /// Without a terminal there is no one to ask: refused unless `--yes` or `--accept-eula`.
    private func checkCanConfirm(_ plan: InstallPlan) throws {
        guard !request.yes, !request.acceptEula, !context.prompter.canAsk else { return }
        let licenceHint = PlanRenderer.licences(plan).isEmpty ? "" : "; --accept-eula accepts the licences it lists and installs"
        throw ServiceError("not asking without a terminal: pass --yes to install, or --dry-run to only see the plan\(licenceHint)", .usage)
    }

    // MARK: - Fetching

    /// Downloads (or copies) every installer file of the steps, verified; keyed by product.
    private func fetch(_ steps: [PlanStep]) async throws -> [String: URL] {
        var requests: [(String, DownloadRequest)] = []
        for step in steps {
            guard let installer = step.installer, let file = installer.file, let location = file.url ?? file.relativeURL else { continue }
            let source = try step.feed.map { try InstallerLocation.resolve(location, feed: $0, catalog: store.catalog) } ?? location
            let hash: ExpectedHash = file.sha256.map { .sha256($0) } ?? file.sha1.map { .sha1($0) } ?? .none
            requests.append(
                (step.productId, DownloadRequest(source, hash: hash, name: step.productId, allowUnverified: request.allowUnverified, declaredSizeKB: file.fileSizeKB)))
        }
        guard !requests.isEmpty else { return [:] }
        let downloader = Downloader(cache: context.paths.downloadCache, environment: context.environment, config: store.config)
        let results = try await downloader.download(requests.map(\.1), delegate: context.downloads)
        return Dictionary(zip(requests.map(\.0), results.map(\.file)), uniquingKeysWith: { first, _ in first })
    }

    // MARK: - Steps

    private func execute(
        _ step: PlanStep, file: URL?, template: StagedTemplate?, transaction: InstallTransaction, log: String, scratch: URL
    ) throws -> [Receipt] {
        guard let install = step.installer?.linux, let kind = try context.kinds.kind(of: step) else { return [] }
        context.emit(.willInstall(product: step.productId, version: step.version))
        // The app the step goes into: the one being made, or the one named with --app.
        let app = try template?.layout ?? (step.scope == .app ? request.app.flatMap { try state.app(named: $0) }?.layout : nil)
        StepLog(path: log).header("installing \(step.productId)\(step.version.map { " \($0)" } ?? "") (\(kind.name))")
        let receipts: [Receipt]
        do {
            receipts = try kind.install(
                KindStep(step: step, install: install, file: file, app: app, template: template, transaction: transaction, log: log, scratch: scratch),
                context: context)
        } catch let failure as CommandFailure {
            // One line: the command, its last line of output, and where the whole output is.
            throw ServiceError("\(failure.userMessage); what the command had changed is undone (the whole output is in \(log))", .failure)
        }
        context.emit(.didInstall(product: step.productId))
        return receipts
    }
}
