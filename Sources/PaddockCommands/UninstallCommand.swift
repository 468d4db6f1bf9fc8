import ArgumentParser
import Foundation
import PaddockApps
import PaddockState
import PaddockServices
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
            let services = try context.services()
            let output = context.output
            let state = try services.openState()
            let outcome = try UninstallService(context: services, state: state, apps: try context.appService(state: state)).run(
                product, app: app, cascade: cascade, yes: yes, noWait: noWait,
                show: { removal in
                    guard !output.json else { return }
                    output.line("Will remove: \(removal.products.map { UninstallService.describe($0) }.joined(separator: ", "))")
                    for app in removal.apps {
                        if removal.keptFolders.contains(app.path) {
                            output.line("and the app '\(app.name)': its state \(app.stateDirectory) (its folder \(app.path) was adopted, so it stays)")
                        } else {
                            output.line("and the app '\(app.name)': its folder \(app.path) and its state \(app.stateDirectory)")
                        }
                    }
                })
            let removal = outcome.removal
            if output.json {
                try output.printJSON(
                    UninstallReport(
                        removed: removal.products.map { .init(productId: $0.productId, app: $0.app.isEmpty ? nil : $0.app) }, apps: removal.apps.map(\.name)))
            } else {
                output.line("uninstalled \(removal.products.map { UninstallService.describe($0) }.joined(separator: ", "))")
                for app in removal.apps {
                    output.line("removed app '\(app.name)'" + (removal.keptFolders.contains(app.path) ? "; its folder \(app.path) is kept" : " (\(app.path))"))
                }
            }
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
