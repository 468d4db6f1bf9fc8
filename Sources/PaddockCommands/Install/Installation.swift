import ArgumentParser
import FeedModel
import PaddockXML
import Foundation
import PaddockBasics
import PaddockApps
import PaddockArchive
import PaddockDownload
import PaddockState
import PaddockStore
import PaddockSystem
import Resolver

#if canImport(Glibc)
import Glibc
#endif

/// What the user asked `paddock install` for, beyond the products.
struct InstallOptions {
    var app: String?
    var path: String?
    var parameters: [String: String] = [:]
    var answersFile: String?
    var yes = false
    var dryRun = false
    var allowUnverified = false
    var noWait = false
    var commandLine = "install"
    /// `paddock upgrade`: the installed products being replaced, by lower-cased id. The
    /// resolver does not count them as installed; each one's files are moved aside (in the
    /// transaction) just before its new version is put in place, and dropped only at commit.
    var upgrading: [String: InstalledProduct] = [:]
}

/// Carries out a plan for real: fetch and verify every file first (in parallel), ask for
/// template parameters, then one journaled transaction through apt, pip, archive and command
/// steps and the app's deploy hook. Any failure, or a kill at any moment, leaves things as
/// they were before (the next paddock rolls back what a killed one left).
struct Installation {
    let context: CommandContext
    let store: FeedStore
    let state: StateStore
    let options: InstallOptions
    let machine: MachineFacts
    let probe = MachineProbe()

    var packages: PackageSteps { PackageSteps(environment: context.environment) }

    func run(_ requests: [String]) async throws {
        if let app = options.app { try checkAppName(app) }
        let planMaker = PlanMaker(
            context: context, store: store, machine: machine, probeMachine: true, app: options.app, excluding: Set(options.upgrading.keys))
        var plan = try planMaker.resolve(requests)
        if !context.output.json { context.output.line(PlanRenderer.render(plan)) }
        let steps = plan.stepsToInstall
        if steps.isEmpty {
            if context.output.json { try context.output.printJSON(InstallReport(installed: [], app: nil, plan: plan), oneLine: true) }
            else { context.output.line("Nothing to do: \(plan.requested.joined(separator: ", ")) \(plan.requested.count == 1 ? "is" : "are") already installed.") }
            return
        }
        let templates = steps.filter { $0.installer?.linux?.kind == .archive && $0.scope == .app }
        try check(plan)
        if options.dryRun {
            if context.output.json || !options.upgrading.isEmpty { try printReport(installed: [], app: nil, plan: plan) }
            return
        }
        try confirm(plan)

        // 1. Every file, fetched and verified before anything runs.
        // Named by pid, so that `paddock doctor` can tell a dead paddock's leftovers.
        let scratch = context.paths.cache.appendingPathComponent("tmp/\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var files = try await fetch(steps)

        // 2. The template, staged and asked for its parameters, before the transaction. A value
        //    may bring in products (database=postgresql needs psycopg): the plan grows by them.
        var template: StagedTemplate?
        if let step = templates.first, let app = options.app, let file = files[step.productId] {
            template = try stage(step, file: file, app: app, scratch: scratch)
            let planned = Set(plan.stages.flatMap(\.steps).map(\.productId))
            let extra = template!.requiredProducts.filter { !planned.contains($0) }
            if !extra.isEmpty {
                plan = try planMaker.resolve(requests + extra)
                context.output.progress("the parameters chosen need \(extra.joined(separator: ", ")); the plan is now:")
                if !context.output.json { context.output.line(PlanRenderer.render(plan)) }
                try check(plan)
                try confirm(plan)
                let missing = plan.stepsToInstall.filter { files[$0.productId] == nil }
                files.merge(try await fetch(missing)) { first, _ in first }
            }
        }

        // 3. The transaction.
        let lock = try StateLock(path: state.lockPath, wait: !options.noWait) { holder in
            context.output.progress("waiting for another paddock (\(holder)) to finish")
        }
        defer { withExtendedLifetime(lock) {} }
        try recoverUnfinished(state: state, context: context)
        try checkUpgradeBaseline()
        let transaction = try state.begin(command: options.commandLine)
        let logFile = context.paths.state.appendingPathComponent("logs/install-\(transaction.id).log")
        try FileManager.default.createDirectory(at: logFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            TestPause.at("begin", environment: context.environment)
            if let template { try prepareApp(template, transaction: transaction) }
            var installed: [String] = []
            for stage in plan.stages {
                for step in stage.steps where !step.alreadyInstalled {
                    TestPause.at("step:\(step.productId)", environment: context.environment)
                    let old = options.upgrading[step.productId.lowercased()]
                    if let old { try moveAsideFiles(of: old, transaction: transaction) }
                    let receipts = try execute(step, file: files[step.productId], template: template, transaction: transaction, log: logFile.path, scratch: scratch)
                    transaction.record(
                        InstalledProduct(
                            productId: step.productId, app: step.scope == .app ? (options.app ?? "") : "", version: step.version,
                            feed: step.feed, installerId: step.installer?.id, kind: step.installer?.linux?.kind.rawValue ?? "none",
                            scope: step.scope?.rawValue ?? "user", requested: old?.requested ?? plan.requested.contains(step.productId)),
                        receipts: receipts, needs: step.dependsOn)
                    installed.append(step.productId)
                }
            }
            var app: AppRecord?
            if let template {
                app = try finishApp(template, transaction: transaction)
            }
            TestPause.at("commit", environment: context.environment)
            try transaction.commit()
            try printReport(installed: installed, app: app, plan: plan)
        } catch {
            context.output.progress("rolling back")
            try? transaction.rollback { packages.undo($0) }
            throw error
        }
    }

    private func printReport(installed: [String], app: AppRecord?, plan: InstallPlan) throws {
        if !options.upgrading.isEmpty {
            let upgrades = plan.stepsToInstall.compactMap { step -> UpgradeReport.Upgrade? in
                guard let old = options.upgrading[step.productId.lowercased()] else { return nil }
                return UpgradeReport.Upgrade(productId: step.productId, from: old.version, to: step.version)
            }
            let added = plan.stepsToInstall.filter { options.upgrading[$0.productId.lowercased()] == nil }.map(\.productId)
            if context.output.json {
                try context.output.printJSON(UpgradeReport(upgraded: upgrades, installed: added, dryRun: options.dryRun, plan: plan), oneLine: true)
                return
            }
            for upgrade in upgrades {
                context.output.line("\(options.dryRun ? "would upgrade" : "upgraded") \(upgrade.productId) \(upgrade.from ?? "?") → \(upgrade.to ?? "?")")
            }
            if !added.isEmpty {
                context.output.line("\(options.dryRun ? "would install" : "installed") \(added.joined(separator: ", ")) (needed by the new versions)")
            }
            return
        }
        if context.output.json {
            try context.output.printJSON(InstallReport(installed: installed, app: app, plan: plan), oneLine: true)
            return
        }
        context.output.line("installed \(installed.joined(separator: ", "))")
        if let app {
            context.output.line("created app '\(app.name)' in \(app.path)")
            context.output.line("next: paddock launch \(app.name)")
        }
    }

    /// Moves an upgraded product's files aside (journaled): a rollback puts them back, the
    /// commit drops them. Its Debian packages stay (apt upgrades them), as do its Python
    /// packages (pip replaces them in place).
    private func moveAsideFiles(of old: InstalledProduct, transaction: InstallTransaction) throws {
        let appFolder = old.app.isEmpty ? nil : try state.app(named: old.app)?.path
        for receipt in try state.receipts(of: old.productId, app: old.app) where receipt.kind == .file || receipt.kind == .directory {
            try transaction.moveAside(receipt.path, appFolder: receipt.path == appFolder)
        }
    }

    /// With the lock held: the products to upgrade are still the versions planned against
    /// (another paddock may have changed them while this one downloaded).
    private func checkUpgradeBaseline() throws {
        for (_, old) in options.upgrading {
            let now = try state.installed().first { $0.productId.lowercased() == old.productId.lowercased() && $0.app == old.app }
            guard let now, now.version == old.version else {
                throw CommandError(message: "\(old.productId) changed while this upgrade was downloading; run 'paddock upgrade' again", exitCode: 75)
            }
        }
    }

    // MARK: - Checks

    /// Everything that can be refused before a byte is downloaded: app-scoped products with no
    /// app, two templates, a missing app, unverifiable files, Debian packages without root.
    private func check(_ plan: InstallPlan) throws {
        if let violation = plan.orderViolations.first {
            throw CommandError(message: "internal error: the plan would install \(violation) before it; please report it", exitCode: 70)
        }
        let steps = plan.stepsToInstall
        let templates = steps.filter { $0.installer?.linux?.kind == .archive && $0.scope == .app }
        let appScoped = steps.filter { $0.scope == .app }
        if !appScoped.isEmpty && options.app == nil {
            let names = appScoped.map(\.productId).joined(separator: ", ")
            throw CommandError(message: "\(names) go\(appScoped.count == 1 ? "es" : "") into an app's own environment; name the app with --app NAME", exitCode: 64)
        }
        if templates.count > 1 {
            throw CommandError(message: "one app is made from one template; install \(templates.map(\.productId).joined(separator: " and ")) separately", exitCode: 64)
        }
        // --app names a new app (with a template) or one to install into (without).
        if let app = options.app {
            let existing = try state.app(named: app)
            if let existing, !templates.isEmpty {
                throw CommandError(message: "an app named '\(app)' already exists in \(existing.path); choose another name", exitCode: 64)
            }
            if existing == nil && templates.isEmpty {
                throw CommandError(message: "there is no app '\(app)' yet: make it from a template first (paddock install blank-django --app \(app))", exitCode: 64)
            }
        }
        try checkVerification(steps)
        let aptMissing = steps.compactMap { step -> (PlanStep, [String])? in
            guard let linux = step.installer?.linux, linux.kind == .apt else { return nil }
            return (step, packages.missingAptPackages(linux))
        }
        let allAptMissing = aptMissing.flatMap(\.1)
        if !allAptMissing.isEmpty && !probe.isRoot {
            throw CommandError(
                message: "\(aptMissing.map(\.0.productId).joined(separator: ", ")) need\(aptMissing.count == 1 ? "s" : "") root to install Debian packages; run: sudo apt-get install -y \(allAptMissing.joined(separator: " ")) and then this command again",
                exitCode: 77)
        }
    }

    private func checkAppName(_ name: String) throws {
        let valid = !name.isEmpty && name.count <= 64 && name.first!.isLetter
            && name.allSatisfy { ($0.isLetter && $0.isASCII) || $0.isNumber || $0 == "-" || $0 == "_" }
        guard valid else {
            throw CommandError(message: "'\(name)' is not a valid app name: start with a letter; use letters, digits, '-' and '_'", exitCode: 64)
        }
    }

    /// Refuses, before anything happens, a product the feed gives no hash for, unless allowed.
    private func checkVerification(_ steps: [PlanStep]) throws {
        guard !options.allowUnverified else { return }
        for step in steps {
            guard let installer = step.installer else { continue }
            if let file = installer.file, file.url != nil || file.relativeURL != nil, file.sha256 == nil, file.sha1 == nil {
                throw CommandError(message: "the feed gives no hash for \(step.productId)'s download, so it cannot be verified; pass --allow-unverified to install it anyway", exitCode: 65)
            }
            if let linux = installer.linux, linux.kind == .pip, linux.packages.contains(where: { $0.sha256.isEmpty }) {
                throw CommandError(message: "the feed gives no hash for some of \(step.productId)'s Python packages, so pip cannot verify them; pass --allow-unverified to install anyway", exitCode: 65)
            }
        }
    }

    private func confirm(_ plan: InstallPlan) throws {
        guard !options.yes else { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandError(message: "not asking without a terminal: pass --yes to install, or --dry-run to only see the plan", exitCode: 64)
        }
        FileHandle.standardError.write(Data("Proceed? [Y/n] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? "n"
        guard answer.isEmpty || answer == "y" || answer == "yes" else { throw ExitCode.init(1) }
    }

    // MARK: - Fetching

    /// Downloads (or copies) every installer file of the steps, verified; keyed by product.
    private func fetch(_ steps: [PlanStep]) async throws -> [String: URL] {
        var requests: [(String, DownloadRequest)] = []
        for step in steps {
            guard let installer = step.installer, let file = installer.file, let location = file.url ?? file.relativeURL else { continue }
            let source = try step.feed.map { try InstallerLocation.resolve(location, feed: $0, catalog: store.catalog) } ?? location
            let hash: ExpectedHash = file.sha256.map { .sha256($0) } ?? file.sha1.map { .sha1($0) } ?? .none
            requests.append((step.productId, DownloadRequest(source, hash: hash, name: step.productId, allowUnverified: options.allowUnverified, declaredSizeKB: file.fileSizeKB)))
        }
        guard !requests.isEmpty else { return [:] }
        let delegate: any DownloadDelegate = context.output.json ? JSONLinesDownloadDelegate() : TerminalProgressDelegate()
        let downloader = Downloader(cache: context.paths.downloadCache, environment: context.environment, config: store.config)
        do {
            let results = try await downloader.download(requests.map(\.1), delegate: delegate)
            return Dictionary(zip(requests.map(\.0), results.map(\.file)), uniquingKeysWith: { first, _ in first })
        } catch let error as DownloadError {
            if case .diskFull = error { throw CommandError(message: error.description, exitCode: 74) }
            throw CommandError(message: error.description, exitCode: 69)
        }
    }

    // MARK: - Steps

    private func execute(
        _ step: PlanStep, file: URL?, template: StagedTemplate?, transaction: InstallTransaction, log: String, scratch: URL
    ) throws -> [Receipt] {
        guard let installer = step.installer, let linux = installer.linux else { return [] }
        context.output.progress("installing \(step.productId)\(step.version.map { " \($0)" } ?? "")")
        switch linux.kind {
        case .apt:
            let missing = packages.missingAptPackages(linux)
            try packages.installApt(missing, transaction: transaction, log: log)
            return missing.map { Receipt(kind: .apt, path: $0) }
        case .pip:
            guard let venv = try template?.layout.venv ?? options.app.flatMap({ try state.app(named: $0) })?.layout.venv else {
                throw CommandError(message: "\(step.productId) goes into an app's environment; name the app with --app NAME", exitCode: 64)
            }
            try packages.ensureVenv(venv, transaction: transaction, log: log)
            try packages.installPip(linux, venv: venv, transaction: transaction, log: log, scratch: scratch)
            return linux.packages.map { Receipt(kind: .pip, path: PackageSteps.distributionName($0.name)) }
        case .archive where linux.scope == .app:
            guard let template else { return [] }
            try renderApp(template, transaction: transaction)
            return [Receipt(kind: .directory, path: template.layout.source.path)]
        case .archive:
            guard let file else { throw CommandError(message: "\(step.productId) has an archive installer but no file to download", exitCode: 65) }
            let destination = try PathConfinement.resolve(
                linux.destination ?? step.productId, under: context.paths.programs,
                what: "the folder \(step.productId) unpacks into (its pd:install destination or product id)")
            try transaction.moveAside(destination.path)
            try transaction.willCreate(destination.path)
            do {
                _ = try ArchiveExtractor.extract(file, into: destination, stripComponents: linux.stripComponents)
            } catch let error as ArchiveError {
                throw CommandError(message: Self.archiveRefusal(step, error), exitCode: 65)
            }
            return [Receipt(kind: .directory, path: destination.path)]
        case .command:
            var variables = context.environment
            variables["InstallerFile"] = file?.path ?? ""
            let arguments = linux.arguments.map { PathVariables.expand($0, environment: variables) }
            guard !arguments.isEmpty else { return [] }
            let result = try PackageSteps.tracked(by: transaction).run(arguments, environment: context.environment, log: log, check: false)
            if result.status != 0 && !linux.ignoreExitCode {
                throw CommandError(message: "installing \(step.productId): '\(arguments.joined(separator: " "))' exited with status \(result.status); see \(log)", exitCode: 1)
            }
            return []
        }
    }
}

extension Installation {
    /// An archive refused, named by its product and where it came from (the archive's own name
    /// is its file in the download cache, which tells the user nothing); entry names from the
    /// archive are shown escaped.
    static func archiveRefusal(_ step: PlanStep, _ error: ArchiveError) -> String {
        let source = step.installer?.file.flatMap { $0.url ?? $0.relativeURL }.map { " (\($0))" } ?? ""
        return "the archive of \(step.productId)\(source) is refused: \(error.description.escapingControlCharacters)"
    }
}

/// What `paddock install --json` prints.
struct InstallReport: Encodable {
    var installed: [String]
    var app: AppRecord?
    var plan: InstallPlan
}
