import Foundation
import Testing
import TestSupport

/// Issue 23's config bug, as a user met it: a builtin-feed-path with `#` in it silently dropped
/// the built-in feed (the old reader cut the line at the `#`).
@Suite("config.toml: a # inside a quoted path, end to end", .offCooperativePool)
struct ConfigHashPathTests {
    @Test("builtin-feed-path = \"/…/feeds#2/paddock.xml\" loads that feed; an unclosed quote exits 78 naming the line")
    func hashInPath() throws {
        let root = try TestPaths.temporaryDirectory("paddock-config-hash")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("feeds#2")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let feed = folder.appendingPathComponent("paddock.xml")
        try Data("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><productId>hashfeed</productId><title>H</title></entry></feed>".utf8)
            .write(to: feed)
        let config = root.appendingPathComponent("home/config/config.toml")
        try FileManager.default.createDirectory(at: config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("# the mirror's copy\nbuiltin-feed-path = \"\(feed.path)\"   # has a # in it\n".utf8).write(to: config)
        let environment = ["PADDOCK_HOME": root.appendingPathComponent("home").path, "NO_COLOR": "1"]
        let show = try runProcess(TestPaths.binary, ["show", "hashfeed"], environment: environment)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stderr.isEmpty, "\(show.stderr)")

        try Data("builtin-feed = true\nbuiltin-feed-path = \"\(feed.path)\n".utf8).write(to: config)
        let bad = try runProcess(TestPaths.binary, ["list"], environment: environment)
        #expect(bad.status == 78)
        #expect(bad.stderr == "paddock: error: \(config.path):2: a string opened with \" is not closed on this line\n")
    }
}
