import FeedModel
import Foundation
import PaddockBasics
import PaddockSigning
import Testing
import TestSupport

@testable import PaddockStore

/// `feed add URL` against hostile servers (TUF's endless-data and slow-retrieval attacks), on
/// real HTTP: the body goes to disk, stops at its limit, and the one-line error names the URL,
/// the limit and the setting of config.toml; the catalogue is unchanged and nothing is left.
@Suite("Feed fetch limits: endless data and slow retrieval", .serialized, .timingSensitive)
struct FeedFetchLimitTests {
    static let feedHead = Array("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>endless</title>".utf8)
    static let entries = Array(String(repeating: "<entry><productId>x</productId><title>x</title></entry>", count: 200).utf8)

    /// Test-sized limits: 64 KB a feed, a 3-second window at 1 KB/s, a deadline of 30 s (or of
    /// 3 s for the case about it: time enough for the others on a busy machine).
    static func config(deadline: Int = 30) -> PaddockConfig {
        try! PaddockConfig.parse(
            """
            download-max-feed-size = "64 KB"
            download-min-speed = "1 KB/s"
            download-stall-seconds = 3
            download-deadline = \(deadline)
            """, file: "config.toml")
    }

    final class Sandbox {
        let root: URL
        let store: FeedStore
        init(config: PaddockConfig = FeedFetchLimitTests.config()) throws {
            root = try TestPaths.temporaryDirectory("paddock-fetch-limits")
            store = try FeedStore(
                paths: PaddockPaths(environment: ["PADDOCK_HOME": root.appendingPathComponent("home").path]),
                config: config, builtinFeedPath: nil)
        }
        deinit { try? FileManager.default.removeItem(at: root) }
        /// What is in the feeds folder besides the catalogue: cached copies and leftovers.
        var feedFolder: [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: store.paths.feedCache.path)) ?? []).sorted()
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var response: LoopbackHTTPServer.Response
        var deadline = 30
        /// `URL` is replaced by the feed's.
        var expected: String
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "an endless feed stops past download-max-feed-size",
            response: .init(body: feedHead, then: .endless(entries)),
            expected: "could not fetch 'URL': more than 64 KB (download-max-feed-size in config.toml)"),
        Case(
            label: "a Content-Length past download-max-feed-size is refused before the body",
            response: .init(headers: ["Content-Length": "2147483648"], body: feedHead, then: .endless(entries)),
            expected: "could not fetch 'URL': more than 64 KB (download-max-feed-size in config.toml)"),
        Case(
            label: "a feed that drips 10 bytes every 0.1 s is given up after the 3-second window",
            response: .init(body: feedHead, then: .drip(Array(repeating: 0x20, count: 10), every: 0.1)),
            expected: "could not fetch 'URL': slower than 1 KB/s for 3 seconds (download-min-speed, download-stall-seconds in config.toml)"),
        Case(
            label: "a feed fast enough but never finished is given up at the deadline",
            response: .init(body: feedHead, then: .drip(Array(repeating: 0x20, count: 1024), every: 0.25)), deadline: 3,
            expected: "could not fetch 'URL': not finished within 3 seconds (download-deadline in config.toml)"),
        Case(
            label: "a feed that stops sending fails after download-stall-seconds",
            response: .init(body: feedHead + Array(repeating: 0x20, count: 20_000), stallAfter: 10_000),
            expected: "could not fetch 'URL': no data for 3 seconds (download-stall-seconds in config.toml)"),
    ]

    @Test("feed add against a hostile server: the exact message, exit 69, nothing changed or left", arguments: cases)
    func hostile(_ item: Case) async throws {
        let sandbox = try Sandbox(config: Self.config(deadline: item.deadline))
        let server = try LoopbackHTTPServer { _ in item.response }
        defer { server.stop() }
        let url = "\(server.baseURL)/feed.xml"
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: StoreError.self) { try await sandbox.store.add(url, name: "zoo", insecure: true) }
        #expect(error?.description == item.expected.replacingOccurrences(of: "URL", with: url))
        #expect(error?.exitCode == 69)
        // Loose (tests share a small, busy machine); without the limits none of these would end.
        #expect(clock.now - start < .seconds(30))
        #expect(try sandbox.store.catalog.feeds().isEmpty)
        #expect(sandbox.feedFolder.filter { !$0.hasPrefix("catalog.sqlite") } == [], "no cached copy, no scratch folder")
    }

    @Test("a feed within the limits is streamed to disk and its cached copy is the body")
    func withinLimits() async throws {
        let sandbox = try Sandbox()
        let text = FeedStoreTests.feedXML(["alpha", "beta"])
        let server = try LoopbackHTTPServer { _ in .init(headers: ["ETag": "\"v1\""], body: Array(text.utf8)) }
        defer { server.stop() }
        let changes = try await sandbox.store.add("\(server.baseURL)/feed.xml", name: "zoo", insecure: true)
        #expect(changes.map(\.productCount) == [2])
        #expect(try String(contentsOf: sandbox.store.cacheFile(for: "zoo"), encoding: .utf8) == text)
        #expect(sandbox.feedFolder.filter { !$0.hasPrefix("catalog.sqlite") } == ["zoo.xml"])
        #expect(try sandbox.store.catalog.feed(named: "zoo")?.etag == "\"v1\"")
    }

    @Test("a signature is never read past 64 KB: fetched, or beside a local feed")
    func hugeSignature() async throws {
        let secret = MinisignSecretKey.generate()
        let key = TrustedKey(key: secret.publicKey, label: "test")
        let text = FeedStoreTests.feedXML(["alpha"])
        let server = try LoopbackHTTPServer { request in
            request.path == "/feed.xml" ? .init(body: Array(text.utf8)) : .init(body: [], then: .endless(Array(repeating: 0x41, count: 8192)))
        }
        defer { server.stop() }
        let sandbox = try Sandbox(config: PaddockConfig())
        let url = "\(server.baseURL)/feed.xml"
        let fetched = await #expect(throws: StoreError.self) { try await sandbox.store.add(url, name: "zoo", insecure: true, key: key) }
        #expect(fetched?.description == "could not fetch '\(url).sig': more than 64 KB, and a minisign signature is under 1 KB")
        #expect(fetched?.exitCode == 69)
        #expect(try sandbox.store.catalog.feeds().isEmpty)

        let path = sandbox.root.appendingPathComponent("local.xml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try Data(repeating: 0x41, count: (64 << 10) + 1).write(to: URL(fileURLWithPath: path + ".sig"))
        let local = await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "local", insecure: false, key: key) }
        #expect(
            local?.description
                == "'\(path).sig' does not verify '\(path)': it is more than 64 KB, and a minisign signature is under 1 KB; the catalogue is unchanged. Fetch the feed and its signature again, or ask its publisher to sign it with the key you trust"
        )
        #expect(local?.exitCode == 65)
    }

    @Test(
        "config.toml's download settings: sizes with 1024-based units, seconds",
        arguments: [
            ("download-max-feed-size = \"1 GB\"", "feed", 1 << 30),
            ("download-max-feed-size = 65536", "feed", 65536),
            ("download-max-feed-size = \"512MiB\"", "feed", 512 << 20),
            ("download-max-file-size = \"8 GB\"", "file", 8 << 30),
            ("download-min-speed = \"1 KB/s\"", "speed", 1024),
            ("download-min-speed = \"10KB\"", "speed", 10240),
            ("download-min-speed = 0", "speed", 0),
        ] as [(String, String, Int64)])
    func sizes(line: String, setting: String, value: Int64) throws {
        let config = try PaddockConfig.parse(line + "\n", file: "config.toml")
        let parsed = setting == "feed" ? config.downloadMaxFeedSize : setting == "file" ? config.downloadMaxFileSize : config.downloadMinSpeed
        #expect(parsed == value)
    }

    @Test("the defaults: 1 GB a feed, 4 GB a file without a size, 1 KB/s over 30 s, 10 minutes")
    func defaults() throws {
        let config = try PaddockConfig.parse("download-stall-seconds = 2.5\ndownload-deadline = 120\n", file: "config.toml")
        #expect(config.downloadStallSeconds == 2.5)
        #expect(config.downloadDeadline == 120)
        let plain = PaddockConfig()
        #expect(plain.downloadMaxFeedSize == 1 << 30)
        #expect(plain.downloadMaxFileSize == 4 << 30)
        #expect(plain.downloadMinSpeed == 1024)
        #expect(plain.downloadStallSeconds == 30)
        #expect(plain.downloadDeadline == 600)
    }

    @Test(
        "a bad download setting names the file, the line and what it takes",
        arguments: [
            (
                "download-max-feed-size = \"1 TB\"",
                "config.toml:2: download-max-feed-size takes a size above 0: bytes, or a whole number of KB, MB or GB (1024-based), e.g. \"1 GB\""
            ),
            (
                "download-max-file-size = 0",
                "config.toml:2: download-max-file-size takes a size above 0: bytes, or a whole number of KB, MB or GB (1024-based), e.g. \"1 GB\""
            ),
            (
                "download-max-feed-size = \"99999999999 GB\"",
                "config.toml:2: download-max-feed-size takes a size above 0: bytes, or a whole number of KB, MB or GB (1024-based), e.g. \"1 GB\""
            ),
            (
                "download-min-speed = \"fast\"",
                "config.toml:2: download-min-speed takes bytes a second, or a whole number of KB or MB, e.g. \"1 KB\"; 0 turns it off"
            ),
            ("download-min-speed = -1", "config.toml:2: download-min-speed takes bytes a second, or a whole number of KB or MB, e.g. \"1 KB\"; 0 turns it off"),
            ("download-stall-seconds = 0", "config.toml:2: download-stall-seconds takes a number of seconds above 0, e.g. 30"),
            ("download-stall-seconds = \"30s\"", "config.toml:2: download-stall-seconds takes a number of seconds above 0, e.g. 30"),
            ("download-deadline = -5", "config.toml:2: download-deadline takes a number of seconds above 0, e.g. 600"),
            ("download-deadline = inf", "config.toml:2: download-deadline takes a number of seconds above 0, e.g. 600"),
            (
                "download-speed = 1",
                "config.toml:2: unknown setting 'download-speed' (known: builtin-feed, builtin-feed-path, download-max-feed-size, download-max-file-size, download-min-speed, download-stall-seconds, download-deadline, [keys])"
            ),
        ])
    func badSettings(line: String, expected: String) {
        let error = #expect(throws: ConfigError.self) { try PaddockConfig.parse("builtin-feed = true\n" + line + "\n", file: "config.toml") }
        #expect(error?.description == expected)
        #expect(error?.exitStatus.rawValue == 78)
    }
}
