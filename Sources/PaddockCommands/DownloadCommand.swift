import ArgumentParser
import Foundation
import PaddockDownload
import PaddockServices
import PaddockStore

/// `paddock download PRODUCT... --to DIR`: an offline bundle, as WebPICmd's /Offline made.
struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download", abstract: "Write an offline bundle: every installer the products could need, and a feed.",
        discussion: """
            Works out everything the products could need (every product their dependencies name, all \
            branches of every 'or', whatever is installed here), downloads the installer each one uses on \
            the machine described (this one, or --os/--arch/--language), verifies it by its hash, and \
            writes DIR/installers/PRODUCT/FILE and DIR/feed.xml: the products' entries, with their \
            installer URLs pointing into DIR. On a machine with no network:
              paddock feed add DIR/feed.xml && paddock install PRODUCT --yes
            Products with nothing to download (Debian or Python packages, products found on the \
            machine) are carried in the feed and listed: they need the network or the machine's own \
            packages. Sign the bundle with 'paddock feed sign DIR/feed.xml --secret-key KEY'.

            Examples:
              paddock download blank-django --to /media/usb/paddock
              paddock download nodejs git --to bundle --arch aarch64
              paddock download WordPress --to wp --os windows --arch x64 --language fr
              paddock download blank-flask --to bundle --json
            """)
    @Argument(help: "Products to bundle, optionally NAME@CONSTRAINT or FEED:NAME.") var products: [String]
    @Option(help: "The folder to write the bundle into (made when missing).") var to: String
    @Flag(help: "Bundle files the feed gives no hash for.") var allowUnverified = false
    @OptionGroup var machine: MachineOptions
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let store = try context.openStore()
            let facts = try machine.facts(environment: context.environment)
            let directory = URL(fileURLWithPath: (to as NSString).expandingTildeInPath).standardizedFileURL
            let report = try await OfflineBundle(
                context: try context.services(), store: store, machine: facts, directory: directory, allowUnverified: allowUnverified
            ).make(products)
            if context.output.json {
                try context.output.printJSON(report)
                return
            }
            let bytes = report.files.reduce(Int64(0)) { $0 + $1.bytes }
            let files = report.files.count == 1 ? "1 file" : "\(report.files.count) files"
            context.output.line(
                "bundle for \(report.machine) (\(report.language)) in \(report.directory): \(report.products.count) products, \(files) (\(TerminalProgressDelegate.size(bytes)))")
            for file in report.files { context.output.line("  \(file.product): \(file.path)") }
            if !report.needsNetworkOrMachine.isEmpty {
                context.output.line(context.output.yellow("needs the network or the machine's own packages:"))
                for item in report.needsNetworkOrMachine { context.output.line("  \(item.product): \(item.reason)") }
            }
            if !report.unknown.isEmpty {
                context.output.warning("named by a dependency but in no feed: \(report.unknown.joined(separator: ", "))")
            }
            context.output.line("next, on the other machine: paddock feed add \(report.feed) && paddock install \(report.products.prefix(products.count).joined(separator: " "))")
        }
    }
}
