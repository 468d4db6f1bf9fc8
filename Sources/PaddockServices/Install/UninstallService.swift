import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockState
import PaddockSystem

/// What one uninstall removes: products in order (dependents first) and whole apps.
public struct Removal: Sendable {
    public var products: [InstalledProduct]
    public var apps: [AppRecord]
    /// The folders of apps taken in with `paddock adopt` (no template receipt names them): the
    /// user's, so kept; their state goes.
    public var keptFolders: Set<String> = []
}

/// What an uninstall did, for the report.
public struct UninstallOutcome: Sendable {
    public var removal: Removal
    /// Paths its records named that were already gone.
    public var alreadyGone: [String]
    /// Packages a kind could not remove after the commit, with what to run.
    public var problems: [String]
}

/// Removes products (and the apps made from templates) in one journaled transaction: every
/// folder moved aside first (restored on rollback, deleted at commit); packages removed after
/// the commit, so that a kill leaves at worst a package too many, never a record without its files.
public struct UninstallService {
    let context: ServiceContext
    let state: StateStore
    let apps: any AppControlling

    public init(context: ServiceContext, state: StateStore, apps: any AppControlling) {
        self.context = context
        self.state = state
        self.apps = apps
    }

    /// The whole uninstall: checked before the lock (a refusal does not wait behind another
    /// paddock), planned again and carried out with it held.
    public func run(
        _ productId: String, app: String?, cascade: Bool, yes: Bool, noWait: Bool, show: (Removal) -> Void
    ) throws -> UninstallOutcome {
        _ = try plan(productId, app: app, cascade: cascade)
        let lock = try StateLock(path: state.lockPath, wait: !noWait) { holder in context.emit(.waitingForLock(holder: holder)) }
        return try withExtendedLifetime(lock) {
            try recoverUnfinished(state: state, context: context)
            let removal = try plan(productId, app: app, cascade: cascade)
            show(removal)
            try confirm(removal, yes: yes)
            return try carryOut(removal, command: "uninstall \(productId)" + (app.map { " --app \($0)" } ?? "") + (cascade ? " --cascade" : ""))
        }
    }

    public func plan(_ productId: String, app: String?, cascade: Bool) throws -> Removal {
        let all = try state.installed()
        let matches = all.filter { $0.productId.lowercased() == productId.lowercased() && (app == nil || $0.app == app) }
        guard let target = matches.first else {
            if let app, try state.app(named: app) == nil {
                throw ServiceError("there is no app '\(app)'; see 'paddock apps'", .usage)
            }
            if app == nil, let found = try InstalledInventory.rows(context).first(where: { $0.productId.lowercased() == productId.lowercased() }) {
                throw ServiceError(
                    "'\(found.productId)' was found on this machine, not installed by paddock, so paddock does not remove it; remove it with the tool that installed it (apt-get remove, or its own uninstaller)",
                    .usage)
            }
            let elsewhere = all.filter { $0.productId.lowercased() == productId.lowercased() }.map { Self.describe($0) }
            throw ServiceError(
                "'\(productId)' is not installed by paddock\(app.map { " in app '\($0)'" } ?? "")"
                    + (elsewhere.isEmpty ? "; see 'paddock list --installed'" : " (installed: \(elsewhere.joined(separator: ", ")))"), .usage)
        }
        if matches.count > 1 {
            throw ServiceError(
                "'\(productId)' is installed in several places (\(matches.map { Self.describe($0) }.joined(separator: ", "))); say which with --app APP", .usage)
        }
        var ordered: [InstalledProduct] = []
        var apps: [AppRecord] = []
        var visiting: Set<String> = []
        func key(_ product: InstalledProduct) -> String { product.app + "\u{0}" + product.productId.lowercased() }
        func visit(_ product: InstalledProduct) throws {
            guard !ordered.contains(where: { key($0) == key(product) }), visiting.insert(key(product)).inserted else { return }
            let dependents = try state.dependentRecords(of: product.productId, app: product.app).filter { key($0) != key(product) }
            let outside = dependents.filter { dependent in !apps.contains { $0.name == dependent.app } }
            if !outside.isEmpty && !cascade {
                throw ServiceError(
                    "'\(product.productId)' is needed by \(outside.map { Self.describe($0) }.joined(separator: ", ")); uninstall those first or pass --cascade", .unavailable)
            }
            for dependent in outside { try visit(dependent) }
            // The template an app was made from: the app goes, and with it everything in its environment.
            if !product.app.isEmpty, let record = try state.app(named: product.app), record.template.lowercased() == product.productId.lowercased(),
                !apps.contains(where: { $0.name == record.name })
            {
                apps.append(record)
                for other in all where other.app == record.name && key(other) != key(product) { try visit(other) }
            }
            if !ordered.contains(where: { key($0) == key(product) }) { ordered.append(product) }
        }
        try visit(target)
        // An app made here has its folder as its template's receipt; an adopted one has none.
        var kept: Set<String> = []
        for app in apps where !(try state.receipts(of: app.template, app: app.name)).contains(where: { $0.kind == .directory && $0.path == app.path }) {
            kept.insert(app.path)
        }
        return Removal(products: ordered, apps: apps, keptFolders: kept)
    }

    public static func describe(_ product: InstalledProduct) -> String {
        product.productId + (product.app.isEmpty ? "" : " (app \(product.app))")
    }

    /// Refuses Debian packages without root, and asks unless --yes.
    func confirm(_ removal: Removal, yes: Bool) throws {
        let rootNeeded = try removal.products.flatMap { try state.receipts(of: $0.productId, app: $0.app) }.filter { $0.kind == .package("apt") }.map(\.path)
        if !rootNeeded.isEmpty && !context.isRoot {
            throw ServiceError(
                "removing Debian packages needs root; run: sudo paddock uninstall, or sudo apt-get remove -y \(rootNeeded.joined(separator: " ")) and then this command again",
                .noPermission)
        }
        guard !yes else { return }
        guard context.prompter.canAsk else { throw ServiceError("not asking without a terminal: pass --yes to remove", .usage) }
        guard try context.prompter.confirm("Proceed?", defaultAnswer: false) else { throw Declined() }
    }

    /// Call with the state lock held. Files are moved aside in the transaction; packages are
    /// removed by their kinds after the commit, so that a kill leaves at worst a package too
    /// many, never a record without its files.
    func carryOut(_ removal: Removal, command: String) throws -> UninstallOutcome {
        for record in removal.apps where apps.stopIfRunning(record, state: state) {
            context.emit(.didStop(app: record.name))
        }
        let removedApps = Set(removal.apps.map(\.name))
        let transaction = try state.begin(command: command)
        var packagesLater: [(kind: String, receipts: [Receipt], app: AppRecord?)] = []
        var missing: [String] = []
        do {
            TestPause.at("begin", environment: context.environment)
            for product in removal.products {
                context.emit(.willRemove(product: product.productId, app: product.app.isEmpty ? nil : product.app))
                // A receipt's path comes from the state database: it is moved aside only when it
                // lies under paddock's own folders or is the product's app's own folder.
                let appRecord = product.app.isEmpty ? nil : try state.app(named: product.app)
                var byKind: [String: [Receipt]] = [:]
                for receipt in try state.receipts(of: product.productId, app: product.app) {
                    if receipt.kind.isPath {
                        if !(try transaction.moveAside(receipt.path, appFolder: receipt.path == appRecord?.path))
                            && !removal.apps.contains(where: { receipt.path == $0.path })
                        {
                            missing.append(receipt.path)
                        }
                    } else if !(removedApps.contains(product.app) && !product.app.isEmpty) {
                        // Packages inside an app that goes entirely go with its folder.
                        byKind[receipt.kind.rawValue, default: []].append(receipt)
                    }
                }
                for (kind, receipts) in byKind.sorted(by: { $0.key < $1.key }) {
                    guard context.kinds.kind(named: kind) != nil else {
                        throw ServiceError(
                            "\(product.productId) has packages of the kind '\(kind)', which this paddock does not carry out; nothing was removed", .dataError)
                    }
                    // One call per kind and app (apt-get remove a b c), as a person would type it.
                    if let index = packagesLater.firstIndex(where: { $0.kind == kind && $0.app?.name == appRecord?.name }) {
                        packagesLater[index].receipts += receipts
                    } else {
                        packagesLater.append((kind, receipts, appRecord))
                    }
                }
                transaction.recordRemoval(product.productId, app: product.app)
            }
            for app in removal.apps {
                if !removal.keptFolders.contains(app.path) { try transaction.moveAside(app.path, appFolder: true) }
                try transaction.moveAside(app.stateDirectory)
                transaction.recordRemoval(app: app.name)
            }
            TestPause.at("commit", environment: context.environment)
            try transaction.commit()
        } catch {
            context.emit(.willRollBack)
            do { try transaction.rollback(packages: context.kinds.undoer(context: context)) } catch let rollbackError {
                context.emit(.warning("the rollback stopped: \(rollbackError); run 'paddock doctor'"))
            }
            throw error
        }
        var problems: [String] = []
        // Packages of apps' environments first, system ones last (as before: pip, then apt).
        for item in packagesLater.sorted(by: { ($0.app == nil ? 1 : 0) < ($1.app == nil ? 1 : 0) }) {
            guard let kind = context.kinds.kind(named: item.kind) else { continue }
            problems += kind.remove(item.receipts, app: item.app, context: context)
        }
        for path in missing { context.emit(.warning("\(path) was already gone")) }
        for problem in problems { context.emit(.warning(problem)) }
        return UninstallOutcome(removal: removal, alreadyGone: missing, problems: problems)
    }
}
