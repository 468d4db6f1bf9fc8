import PaddockServices
import ArgumentParser
import FeedModel
import PaddockStore

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the products of every feed.",
        discussion: """
            Examples:
              paddock list
              paddock list --keyword Python
              paddock list --json
              paddock list --installed
            """)
    @Option(help: "Only products with this keyword id.") var keyword: String?
    @Flag(help: "List what is installed instead (by paddock, or found on this machine).") var installed = false
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            if installed {
                try context.output.printInstalled(try InstalledInventory.rows(try context.services()))
                return
            }
            let catalog = try context.openStore().catalog
            let products = try catalog.list(keyword: keyword)
            // "No products" only when there are none: a keyword that matches nothing says so.
            let empty: String
            if let keyword, !(try catalog.list()).isEmpty {
                let known = try catalog.keywords().map(\.id)
                let hint = DidYouMean.suggestion(for: keyword, among: known).map { "did you mean '\($0)'?" } ?? "'paddock list' shows every product with its keywords"
                empty = "No product has the keyword '\(keyword)'; \(hint)"
            } else {
                empty = "No products. Add a feed with 'paddock feed add PATH-OR-URL'."
            }
            try printSummaries(products, context: context, empty: empty)
        }
    }
}

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search product ids, titles, summaries and keywords.",
        discussion: """
            Each word matches as a prefix; all words must match.

            Examples:
              paddock search django
              paddock search "blog php" --json
            """)
    @Argument(help: "Words to look for.") var text: [String]
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let query = text.joined(separator: " ")
            let products = try context.openStore().catalog.search(query)
            try printSummaries(products, context: context, empty: "No product matches '\(query)'.")
        }
    }
}

func printSummaries(_ products: [ProductSummary], context: CommandContext, empty: String) throws {
    if context.output.json {
        try context.output.printJSON(products)
        return
    }
    if products.isEmpty {
        context.output.line(empty)
        return
    }
    let width = min(products.map(\.productId.count).max() ?? 0, 40)
    for product in products {
        let id = product.productId.padding(toLength: max(width, product.productId.count), withPad: " ", startingAt: 0)
        let version = product.version.map { " \($0)" } ?? ""
        let platform = product.hasLinuxInstaller ? "" : context.output.dim("  (no installer for linux)")
        context.output.line("\(context.output.bold(id.terminalSafe()))  \((product.title ?? "").terminalSafe())\(version.terminalSafe())\(platform)")
        // The summary on a line of its own, under the title (as apt search shows it): what a
        // template makes is what a person choosing one needs to read.
        if let summary = product.summary?.trimmingCharacters(in: .whitespacesAndNewlines), !summary.isEmpty {
            context.output.line(context.output.dim("  " + String(repeating: " ", count: max(width, product.productId.count)) + summary.terminalSafe()))
        }
    }
}

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show everything about one product.",
        discussion: """
            When several feeds define the product, the feed added last wins and the others are listed; \
            FEED:PRODUCT shows one feed's definition.

            Examples:
              paddock show blank-django
              paddock show builtin:python3 --json
            """)
    @Argument(help: "A product id (or title), or FEED:PRODUCT.", completion: Completions.products) var product: String
    @OptionGroup var options: GlobalOptions

    struct Shown: Encodable {
        var feed: String
        var product: Product
        var alsoDefinedIn: [String]
    }

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let catalog = try context.openStore().catalog
            let found = try catalog.resolve(product)
            guard let winner = found.first else {
                let id = product.split(separator: ":").last.map(String.init) ?? product
                throw StoreError.productNotFound(product, suggestions: try catalog.suggestions(for: id))
            }
            let others = try catalog.products(withId: winner.product.productId).map(\.feed).filter { $0 != winner.feed }
            if context.output.json {
                try context.output.printJSON(Shown(feed: winner.feed, product: winner.product, alsoDefinedIn: others))
                return
            }
            // A set is looked up in the product's own feed first, then in any (cross-feed idrefs).
            let sets: (String) -> DependencyExpression? = { name in
                (try? catalog.namedSet(name, feed: winner.feed)) ?? (try? catalog.namedSetAnywhere(name))?.expression
            }
            // A kept copy past its signed expiry still answers, and says so.
            let expired = (try catalog.feed(named: winner.feed)).flatMap { record -> String? in
                guard SignedFeedClock.expired(record), let expires = record.signature?.effectiveExpiry else { return nil }
                return "EXPIRED on \(FeedStore.isoDate(expires)): installs refused; run 'paddock feed update \(record.parent ?? record.name)'"
            }
            ProductPrinter(output: context.output).print(winner, alsoIn: others, sets: sets, feedNote: expired)
        }
    }
}
