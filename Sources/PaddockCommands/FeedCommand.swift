import ArgumentParser
import PaddockStore

struct FeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed", abstract: "Add, list, update and remove product feeds.",
        discussion: """
            Feeds are kept under paddock's data directory ($XDG_DATA_HOME/paddock, or $PADDOCK_HOME/data), \
            each with a cached copy so that list, search and show work offline.

            Examples:
              paddock feed add ./zoo-extras.xml
              paddock feed add https://example.org/feed.xml --name extras
              paddock feed list --json
              paddock feed update
              paddock feed remove extras
              paddock feed add https://example.org/feed.xml --key zoo.pub     (signed feeds)
              paddock feed keygen zoo && paddock feed sign feed.xml --secret-key zoo.key
            """,
        subcommands: [
            FeedAdd.self, FeedList.self, FeedUpdate.self, FeedRemove.self, FeedKeygen.self, FeedSign.self, FeedVerify.self,
        ])
}

struct FeedAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a feed from a file or an https URL.",
        discussion: """
            Child feeds linked with <link rel="enclosure" href="..."/> are added with it. When two feeds \
            define the same product, the feed added later wins; 'paddock show FEED:PRODUCT' picks one.

            With --key, the feed must be signed: a minisign signature FEED.sig (or FEED.minisig) beside \
            it, fetched from URL.sig for a remote feed, made by that key. The key is kept with the feed, \
            so 'paddock feed update' checks every new copy too, and refuses a copy older than the one \
            kept (a rollback). --key takes a minisign public key (RW...), a .pub file, or a name \
            from the [keys] table of config.toml.

            Examples:
              paddock feed add ./my-feed.xml
              paddock feed add https://example.org/feed.xml --name extras
              paddock feed add http://intranet/feed.xml --insecure
              paddock feed add https://example.org/feed.xml --key ./zoo.pub
              paddock feed add https://example.org/feed.xml --key zoo
              paddock feed add /media/usb/bundle/feed.xml
            """)

    @Argument(help: "A path, file:// URL or https:// URL.") var source: String
    @Option(help: "The name to refer to the feed by (default: from the file name).") var name: String?
    @Flag(help: "Allow a plain http:// URL.") var insecure = false
    @Option(help: "Require a signature by this key: RW... (minisign), a .pub file, or a name from config.toml's [keys].")
    var key: String?
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let store = try context.openStore()
            let trusted = try key.map { try TrustedKey.resolve($0, config: store.config) }
            let changes = try await store.add(source, name: name, insecure: insecure, key: trusted)
            try report(changes, context: context)
        }
    }
}

/// Prints what an add or update did, with warnings counted (all of them with --verbose).
func report(_ changes: [FeedChange], context: CommandContext) throws {
    if context.output.json {
        try context.output.printJSON(changes)
        return
    }
    for change in changes {
        let warnings = change.warnings.isEmpty ? "" : ", \(change.warnings.count) warning\(change.warnings.count == 1 ? "" : "s")"
        let products = change.productCount == 1 ? "1 product" : "\(change.productCount) products"
        context.output.line("\(change.outcome.rawValue) feed '\(change.name)': \(products)\(warnings)")
        let shown = context.output.verbose ? change.warnings : Array(change.warnings.prefix(5))
        for warning in shown { context.output.warning(warning) }
        if shown.count < change.warnings.count {
            context.output.warning("... \(change.warnings.count - shown.count) more; see them all with --verbose")
        }
    }
}

struct FeedList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the feeds paddock reads, in precedence order.",
        discussion: "Example:\n  paddock feed list --json")
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let feeds = try context.openStore().catalog.feeds()
            if context.output.json {
                try context.output.printJSON(feeds)
                return
            }
            if feeds.isEmpty {
                context.output.line("No feeds. Add one with 'paddock feed add PATH-OR-URL'.")
                return
            }
            // Highest precedence first, as a user reads "who wins".
            for feed in feeds.reversed() {
                let parent = feed.parent.map { " (linked from '\($0)')" } ?? ""
                var signed = feed.signature.map { "  signed by key \($0.keyId)" } ?? ""
                // Listed from the kept copy still, but nothing is installed from it (TUF's freeze).
                if let expires = feed.signature?.effectiveExpiry, SignedFeedClock.expired(feed) {
                    signed += "  EXPIRED on \(FeedStore.isoDate(expires)): installs refused; run 'paddock feed update \(feed.parent ?? feed.name)'"
                }
                context.output.line(
                    "\(context.output.bold(feed.name))  \(feed.productCount) products  \(feed.kind.rawValue): \(feed.source)\(parent)\(signed)")
            }
        }
    }
}

struct FeedUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Re-read feeds from their sources (remote ones only when changed).",
        discussion: """
            Remote feeds are asked with If-None-Match and If-Modified-Since, so an unchanged feed costs \
            one small request. A feed that no longer parses leaves the cached copy in place. A feed added \
            with --key must come with a good signature by that key; a copy whose <updated> date (or \
            signed timestamp) is older than the kept copy's is refused as a rollback.

            Examples:
              paddock feed update
              paddock feed update extras
            """)
    @Argument(help: "The feed to update (default: all).", completion: Completions.feeds) var name: String?
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let changes = try await context.openStore().update(name)
            if changes.isEmpty && !context.output.json {
                context.output.line("No feeds to update.")
                return
            }
            try report(changes, context: context)
        }
    }
}

struct FeedRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a feed (and the child feeds it linked).",
        discussion: "Example:\n  paddock feed remove extras")
    @Argument(help: "The feed's name, as 'paddock feed list' shows it.", completion: Completions.feeds) var name: String
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let removed = try context.openStore().remove(name)
            if context.output.json {
                try context.output.printJSON(["removed": removed])
            } else {
                for feed in removed { context.output.line("removed feed '\(feed)'") }
            }
        }
    }
}
