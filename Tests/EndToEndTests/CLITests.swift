import Foundation
import Testing
import TestSupport

/// The built `paddock` binary, run as a user would, on a fresh PADDOCK_HOME.
@Suite("paddock CLI, end to end", .offCooperativePool)
struct CLITests {
    final class Home {
        let root: URL
        init() throws { root = try TestPaths.temporaryDirectory("paddock-e2e") }
        deinit { try? FileManager.default.removeItem(at: root) }

        /// Runs paddock with its own home and no built-in feed unless one is given.
        func run(_ arguments: [String], builtin: String? = nil) throws -> ProcessResult {
            try runProcess(
                TestPaths.binary, arguments,
                environment: [
                    "PADDOCK_HOME": root.appendingPathComponent("home").path,
                    "PADDOCK_BUILTIN_FEED": builtin ?? "off",
                    "NO_COLOR": "1",
                ])
        }
    }

    static let feeds = TestPaths.webpiFeeds

    @Test(
        "every command answers --help with examples",
        arguments: [
            [], ["feed"], ["feed", "add"], ["feed", "list"], ["feed", "update"], ["feed", "remove"], ["list"], ["search"], ["show"],
            ["uninstall"], ["upgrade"], ["doctor"],
            ["feed", "keygen"], ["feed", "sign"], ["feed", "verify"], ["download"],
        ])
    func help(command: [String]) throws {
        let result = try Home().run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE:"))
        #expect(result.stdout.contains("paddock"))
        #expect(result.stdout.contains("Example"), "\(command)")
    }

    @Test("add a real feed, then list, search and show it, in text and JSON")
    func browse() throws {
        let home = try Home()
        let add = try home.run(["feed", "add", Self.feeds.appendingPathComponent("microsoft-webpi3-WebApplicationList-2012-03.xml").path, "--name", "ms"])
        #expect(add.status == 0)
        #expect(add.stdout == "added feed 'ms': 99 products, 1 warning\n")
        let list = try home.run(["list", "--json"])
        let products = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        // 99 products, one of which carries <searchExclude/> and is left out of listings.
        #expect(products?.count == 98)
        let keyword = try home.run(["list", "--keyword", "blogs", "--json"])
        let blogs = try JSONSerialization.jsonObject(with: Data(keyword.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(blogs.count > 5 && blogs.count < 98)
        #expect(blogs.allSatisfy { ($0["keywords"] as? [String])?.contains("Blogs") == true })
        #expect(blogs.contains { $0["productId"] as? String == "WordPress" })
        let search = try home.run(["search", "wordpress"])
        #expect(search.stdout.split(separator: "\n").first?.hasPrefix("WordPress") == true || search.stdout.contains("WordPress "))
        let show = try home.run(["show", "wordpress"])
        #expect(show.stdout.contains("no installer for linux"))
        #expect(show.stdout.contains("set 'PHP53App'"))
        let json = try home.run(["show", "WordPress", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["feed"] as? String == "ms")
        let feeds = try home.run(["feed", "list", "--json"])
        #expect(feeds.stdout.contains("\"productCount\" : 99"))
    }

    @Test("bad input: one line on stderr naming file, line and column, exit 65, catalogue unchanged")
    func malformed() throws {
        let home = try Home()
        let bad = home.root.appendingPathComponent("bad.xml")
        try Data("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <entry>\n</feed>\n".utf8).write(to: bad)
        let result = try home.run(["feed", "add", bad.path])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("paddock: error: \(bad.path):3:"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try home.run(["feed", "list", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]")
    }

    static let exitCases: [(arguments: [String], status: Int32)] = [
        (["show", "nothing-here"], 64),
        (["feed", "remove", "nope"], 64),
        (["feed", "add", "http://127.0.0.1:9/feed.xml"], 64),
        (["feed", "add", "/no/such/file.xml"], 66),
        (["feed", "add", "ftp://x/feed.xml"], 64),
        (["no-such-command"], 64),
    ]

    @Test("exit codes mean something", arguments: exitCases)
    func exitCodes(arguments: [String], status: Int32) throws {
        let result = try Home().run(arguments)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stderr.lowercased().contains("error"))
    }

    @Test("did you mean, from the catalogue")
    func didYouMean() throws {
        let home = try Home()
        _ = try home.run(["feed", "add", Self.feeds.appendingPathComponent("plone-webpi-feed-2012-03-26.xml").path])
        let result = try home.run(["show", "Python72"])
        #expect(result.stderr == "paddock: error: no product 'Python72' in any feed; did you mean 'Python27'?\n")
    }

    @Test("the built-in feed is always loaded, and can be switched off in config.toml")
    func builtinFeed() throws {
        let home = try Home()
        let builtin = home.root.appendingPathComponent("builtin.xml")
        try Data("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><productId>python3</productId></entry></feed>".utf8).write(to: builtin)
        #expect(try home.run(["show", "python3"], builtin: builtin.path).status == 0)
        let config = home.root.appendingPathComponent("home/config/config.toml")
        try Data("builtin-feed = false\n".utf8).write(to: config)
        #expect(try home.run(["show", "python3"], builtin: builtin.path).status == 64)
        try Data("builtin-feed = maybe\n".utf8).write(to: config)
        let bad = try home.run(["list"], builtin: builtin.path)
        #expect(bad.status == 78)
        #expect(bad.stderr == "paddock: error: \(config.path):1: builtin-feed takes true or false\n")
    }

    @Test("WebPI 3 applications: explained on Linux without their products, planned for Windows x64 with them")
    func webpiApplicationPlans() throws {
        let home = try Home()
        let applications = Self.feeds.appendingPathComponent("microsoft-webpi3-WebApplicationList-2012-03.xml").path
        #expect(try home.run(["feed", "add", applications, "--name", "ms"]).status == 0)

        let linux = try home.run(["plan", "WordPress"])
        #expect(linux.status == 69)
        #expect(linux.stdout.isEmpty)
        let lines = linux.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(linux.stderr)")
        #expect(lines.first?.hasPrefix("paddock: error: \"WordPress\" has no installer for linux/x86_64") == true)
        #expect(lines.dropFirst().first == "In all, the dependencies of the request refer to 26 products that no loaded feed defines:")
        #expect(lines.last == "  - WordPress refers to \"MySQLConnector\" through the set \"MySQLApp\"")

        // The stand-in for WebPI's main product feed, written for the resolver's tests.
        let products = TestPaths.repository.appendingPathComponent("Tests/ResolverTests/Fixtures/webpi-products-for-applist.xml").path
        let added = try home.run(["feed", "add", products, "--name", "products"])
        #expect(added.stdout == "added feed 'products': 49 products\n")
        let windows = try home.run(["plan", "WordPress", "--os", "windows", "--arch", "x64"])
        #expect(windows.status == 0, "\(windows.stderr)")
        #expect(
            windows.stdout == """
                WordPress 3.3.1 [feed ms]
                ├─ IIS60 6.0 [feed products]
                ├─ FastCGIIIS6 1.5 [feed products]
                │  └─ IIS60 6.0 [feed products]
                ├─ PHP53 5.3.10 [feed products]
                │  └─ FastCGIIIS6 1.5 [feed products] (see above)
                ├─ WinCache53 1.1.0630.0 [feed products]
                │  └─ PHP53 5.3.10 [feed products] (see above)
                ├─ WDeployNOSMO 2.0.1070 [feed products]
                └─ MySQLConnector 6.3.7 [feed products]
                7 to install in 5 stage(s), 35622 KB to download (+1 of unknown size)

                """)
        // On Windows 7 (6.1) the feed's IIS 7 features replace IIS 6.0 and its FastCGI.
        let seven = try home.run(["plan", "WordPress", "--os", "windows", "--arch", "x64", "--os-version", "6.1", "--json"])
        #expect(seven.status == 0, "\(seven.stderr)")
        #expect(seven.stdout.contains("\"StaticContent\"") && seven.stdout.contains("\"CGI\""))
        #expect(!seven.stdout.contains("\"IIS60\"") && !seven.stdout.contains("\"FastCGIIIS6\""))
        let bad = try home.run(["plan", "WordPress", "--os", "windows", "--os-version", "seven"])
        #expect(bad.status == 64)
        #expect(bad.stderr == "paddock: error: --os-version seven: expected a version such as 6.1\n")
    }
}
