import ArgumentParser
import Foundation
import PaddockApps
import PaddockState
import PaddockSystem

#if canImport(Glibc)
import Glibc
#endif

struct UninstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall", abstract: "Remove an installed product: its files, packages and records.",
        discussion: """
            Removes what paddock recorded for the product (folders it unpacked, Debian packages it \
            installed, Python packages in an app's environment) in one transaction: a failure, or a \
            kill at any moment, leaves everything as it was. A product another installed product \
            needs is refused (exit 69), naming those; --cascade removes them first. Uninstalling the \
            template an app was made from removes the app (stopped first if it runs): its folder and \
            its state. Products found on this machine but not installed by paddock are never removed.

            Examples:
              paddock uninstall node-22 --yes
              paddock uninstall django --app mysite --cascade --yes
              paddock uninstall blank-django --app mysite --yes
            """)
    @Argument(help: "The product to remove.") var product: String
    @Option(help: "The app whose environment holds the product.") var app: String?
    @Flag(help: "Also remove the installed products that need it (they go first).") var cascade = false
    @Flag(name: .shortAndLong, help: "Do not ask before removing.") var yes = false
    @Flag(help: "Fail at once if another paddock is changing the installation, instead of waiting.") var noWait = false
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let state = try context.openState()
            // Before the lock, so a refusal does not wait behind another paddock.
            _ = try Uninstaller(context: context, state: state).plan(product, app: app, cascade: cascade)
            let lock = try StateLock(path: state.lockPath, wait: !noWait) { holder in
                context.output.progress("waiting for another paddock (\(holder)) to finish")
            }
            defer { withExtendedLifetime(lock) {} }
            try recoverUnfinished(state: state, context: context)
            let uninstaller = Uninstaller(context: context, state: state)
            let removal = try uninstaller.plan(product, app: app, cascade: cascade)
            try uninstaller.confirm(removal, yes: yes)
            try uninstaller.carryOut(removal, command: "uninstall \(product)" + (app.map { " --app \($0)" } ?? "") + (cascade ? " --cascade" : ""))
        }
    }
}

/// What one uninstall removes: products in order (dependents first) and whole apps.
struct Removal {
    var products: [InstalledProduct]
    var apps: [AppRecord]
}

/// Removes products (and the apps made from templates) in one journaled transaction: every
/// folder moved aside first (restored on rollback, deleted at commit); packages removed after
/// the commit, so that a kill leaves at worst a package too many, never a record without its files.
struct Uninstaller {
    let context: CommandContext
    let state: StateStore

    func plan(_ productId: String, app: String?, cascade: Bool) throws -> Removal {
        let all = try state.installed()
        let matches = all.filter { $0.productId.lowercased() == productId.lowercased() && (app == nil || $0.app == app) }
        guard let target = matches.first else {
            if let app, try state.app(named: app) == nil {
                throw CommandError(message: "there is no app '\(app)'; see 'paddock apps'", exitCode: 64)
            }
            if app == nil, let found = try InstalledListCommand.rows(context).first(where: { $0.productId.lowercased() == productId.lowercased() }) {
                throw CommandError(
                    message: "'\(found.productId)' was found on this machine, not installed by paddock, so paddock does not remove it; remove it with the tool that installed it (apt-get remove, or its own uninstaller)",
                    exitCode: 64)
            }
            let elsewhere = all.filter { $0.productId.lowercased() == productId.lowercased() }.map { Self.describe($0) }
            throw CommandError(
                message: "'\(productId)' is not installed by paddock\(app.map { " in app '\($0)'" } ?? "")"
                    + (elsewhere.isEmpty ? "; see 'paddock list --installed'" : " (installed: \(elsewhere.joined(separator: ", ")))"),
                exitCode: 64)
        }
        if matches.count > 1 {
            throw CommandError(
                message: "'\(productId)' is installed in several places (\(matches.map { Self.describe($0) }.joined(separator: ", "))); say which with --app APP",
                exitCode: 64)
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
                throw CommandError(
                    message: "'\(product.productId)' is needed by \(outside.map { Self.describe($0) }.joined(separator: ", ")); uninstall those first or pass --cascade",
                    exitCode: 69)
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
        return Removal(products: ordered, apps: apps)
    }

    static func describe(_ product: InstalledProduct) -> String {
        product.productId + (product.app.isEmpty ? "" : " (app \(product.app))")
    }

    func confirm(_ removal: Removal, yes: Bool) throws {
        if !context.output.json {
            context.output.line("Will remove: \(removal.products.map { Self.describe($0) }.joined(separator: ", "))")
            for app in removal.apps {
                context.output.line("and the app '\(app.name)': its folder \(app.path) and its state \(app.stateDirectory)")
            }
        }
        let apt = try removal.products.flatMap { try state.receipts(of: $0.productId, app: $0.app) }.filter { $0.kind == .apt }.map(\.path)
        if !apt.isEmpty && !MachineProbe().isRoot {
            throw CommandError(
                message: "removing Debian packages needs root; run: sudo paddock uninstall, or sudo apt-get remove -y \(apt.joined(separator: " ")) and then this command again",
                exitCode: 77)
        }
        guard !yes else { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandError(message: "not asking without a terminal: pass --yes to remove", exitCode: 64)
        }
        FileHandle.standardError.write(Data("Proceed? [y/N] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? "n"
        guard answer == "y" || answer == "yes" else { throw ExitCode(1) }
    }

    /// Call with the state lock held.
    func carryOut(_ removal: Removal, command: String) throws {
        for record in removal.apps {
            if let loaded = try? context.loadApp(record.name, state: state), context.stopApp(loaded) {
                context.output.progress("stopped '\(record.name)'")
            }
        }
        let removedApps = Set(removal.apps.map(\.name))
        let transaction = try state.begin(command: command)
        var pipLater: [(String, String)] = []
        var aptLater: [String] = []
        var missing: [String] = []
        do {
            TestPause.at("begin", environment: context.environment)
            for product in removal.products {
                context.output.progress("removing \(Self.describe(product))")
                // A receipt's path comes from the state database: it is moved aside only when it
                // lies under paddock's own folders or is the product's app's own folder.
                let appFolder = product.app.isEmpty ? nil : try state.app(named: product.app)?.path
                for receipt in try state.receipts(of: product.productId, app: product.app) {
                    switch receipt.kind {
                    case .file, .directory:
                        if !(try transaction.moveAside(receipt.path, appFolder: receipt.path == appFolder))
                            && !removal.apps.contains(where: { receipt.path == $0.path })
                        {
                            missing.append(receipt.path)
                        }
                    case .pip:
                        guard !removedApps.contains(product.app), let record = try state.app(named: product.app) else { continue }
                        let venv = record.layout.venv
                        pipLater.append((receipt.path, venv.path))
                    case .apt:
                        aptLater.append(receipt.path)
                    }
                }
                transaction.recordRemoval(product.productId, app: product.app)
            }
            for app in removal.apps {
                try transaction.moveAside(app.path, appFolder: true)
                try transaction.moveAside(app.stateDirectory)
                transaction.recordRemoval(app: app.name)
            }
            TestPause.at("commit", environment: context.environment)
            try transaction.commit()
        } catch {
            context.output.progress("rolling back")
            try? transaction.rollback { PackageSteps(environment: context.environment).undo($0) }
            throw error
        }
        let runner = ProcessRunner()
        var problems: [String] = []
        for (package, venv) in pipLater {
            let result = try? runner.run([venv + "/bin/pip", "uninstall", "-y", "--quiet", package], environment: context.environment, check: false)
            if result?.status != 0 { problems.append("pip could not remove \(package) from \(venv)") }
        }
        if !aptLater.isEmpty {
            var environment = context.environment
            environment["DEBIAN_FRONTEND"] = "noninteractive"
            let result = try? runner.run(["apt-get", "remove", "-y", "-q"] + aptLater, environment: environment, check: false)
            if result?.status != 0 { problems.append("apt-get could not remove \(aptLater.joined(separator: " ")); run: sudo apt-get remove \(aptLater.joined(separator: " "))") }
        }
        for path in missing { context.output.warning("\(path) was already gone") }
        for problem in problems { context.output.warning(problem) }
        if context.output.json {
            try context.output.printJSON(
                UninstallReport(removed: removal.products.map { .init(productId: $0.productId, app: $0.app.isEmpty ? nil : $0.app) }, apps: removal.apps.map(\.name)))
        } else {
            context.output.line("uninstalled \(removal.products.map { Self.describe($0) }.joined(separator: ", "))")
            for app in removal.apps { context.output.line("removed app '\(app.name)' (\(app.path))") }
        }
    }
}

struct UninstallReport: Encodable {
    struct Product: Encodable {
        var productId: String
        var app: String?
    }
    var removed: [Product]
    var apps: [String]
}
