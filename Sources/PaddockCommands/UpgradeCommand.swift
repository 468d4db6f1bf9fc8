import ArgumentParser
import FeedModel
import Foundation
import PaddockState
import PaddockSystem
import PaddockServices
import Resolver

struct UpgradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade", abstract: "Install newer versions of what paddock installed.",
        discussion: """
            For each product paddock installed (or the one named) whose feeds offer a newer \
            version, downloads and verifies the new version first, then, in one transaction, puts \
            it in place and drops the old one only at commit: a bad download, a failing step or a \
            kill leaves the old version as it was. A new version must fit the version limits of \
            what stays installed: the newest that fits is taken, or the product is kept back \
            with the reason. Run 'paddock feed update' first to see what your feeds offer now. \
            Debian packages are upgraded by apt (apt-get upgrade), Python packages inside apps \
            by re-making the app; they are left alone here.

            Examples:
              paddock upgrade --dry-run
              paddock upgrade --yes
              paddock upgrade --accept-eula
              paddock upgrade node-22 --yes --json
            """)
    @Argument(help: "Only this product (default: every product paddock installed).") var product: String?
    @Flag(name: .shortAndLong, help: "Do not ask before upgrading (accepts the licences the plan lists).") var yes = false
    @Flag(help: "Accept the licences the plan lists and upgrade without asking to proceed (WebPICmd's /AcceptEula).")
    var acceptEula = false
    @Flag(help: "Show what would be upgraded and stop.") var dryRun = false
    @Flag(help: "Fail at once if another paddock is changing the installation, instead of waiting.") var noWait = false
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let services = try context.services()
            let planning = try UpgradeService(context: services, store: try services.openStore(), state: try services.openState()).plan(product: product)
            for note in planning.notes { context.output.warning(note) }
            if planning.requests.isEmpty {
                if context.output.json {
                    try context.output.printJSON(UpgradeReport(upgraded: [], installed: [], dryRun: dryRun, plan: nil), oneLine: true)
                } else if planning.anyKeptBack {
                    context.output.line("Nothing to upgrade: what is out would break what is installed (see above).")
                } else {
                    context.output.line(product.map { "'\($0)' is up to date." } ?? "Everything is up to date.")
                }
                return
            }
            let request = InstallRequest(
                yes: yes, dryRun: dryRun, noWait: noWait, commandLine: (["upgrade"] + (product.map { [$0] } ?? [])).joined(separator: " "),
                upgrading: planning.upgrading, acceptEula: acceptEula)
            try await InstallReporter.run(request, products: planning.requests, context: context)
        }
    }
}
