import Foundation
import Testing
import TestSupport

/// `paddock feed sign --expires` and what the built binary says of a signed feed as its expiry
/// nears and passes (docs/signing-and-offline.md 1.5).
@Suite("signed feed expiry, end to end", .offCooperativePool)
struct SignedFeedExpiryTests {
    final class Home {
        let root: URL
        init() throws { root = try TestPaths.temporaryDirectory("paddock-expiry") }
        deinit { try? FileManager.default.removeItem(at: root) }
        func path(_ name: String) -> String { root.appendingPathComponent(name).path }
        func run(_ arguments: [String]) throws -> ProcessResult {
            try runProcess(
                TestPaths.binary, arguments,
                environment: ["PADDOCK_HOME": path("home"), "PADDOCK_BUILTIN_FEED": "off", "NO_COLOR": "1"])
        }
    }

    static let feed = """
        <feed xmlns="http://www.w3.org/2005/Atom"><title>signed</title><updated>2025-01-01T00:00:00Z</updated>
        <entry><productId>s</productId><title>S</title><version>1.0</version></entry></feed>

        """

    @Test("--expires 3d is signed into the trusted comment; add warns; a bad --expires is a usage error")
    func aboutToExpire() throws {
        let home = try Home()
        try Data(Self.feed.utf8).write(to: URL(fileURLWithPath: home.path("feed.xml")))
        #expect(try home.run(["feed", "keygen", home.path("zoo")]).status == 0)
        let bad = try home.run(["feed", "sign", home.path("feed.xml"), "--secret-key", home.path("zoo.key"), "--expires", "soon"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--expires 'soon': give a number of days, hours or weeks above 0, e.g. 30d, 12h or 2w"))

        let before = Int(Date().timeIntervalSince1970)
        let sign = try home.run(["feed", "sign", home.path("feed.xml"), "--secret-key", home.path("zoo.key"), "--expires", "3d"])
        #expect(sign.status == 0, "\(sign.stderr)")
        let signature = try String(contentsOfFile: home.path("feed.xml.sig"), encoding: .utf8)
        let expires = signature.split(separator: "\t").compactMap { $0.hasPrefix("expires:") ? Int($0.dropFirst(8).prefix(10)) : nil }.first
        #expect(expires.map { $0 >= before + 3 * 86400 && $0 <= before + 3 * 86400 + 60 } == true, "\(signature)")

        let add = try home.run(["feed", "add", home.path("feed.xml"), "--key", home.path("zoo.pub"), "--name", "zoo"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout == "added feed 'zoo': 1 product, 1 warning\n")
        #expect(add.stderr.contains("feed 'zoo' expires on "))
        // 3 days, or 2 when a second passed between signing and adding.
        #expect(
            add.stderr.contains("(signed expiry), in 3 days; ask its publisher for a fresh copy, then run 'paddock feed update zoo'")
                || add.stderr.contains("(signed expiry), in 2 days; ask its publisher"))
        let verify = try home.run(["feed", "verify", home.path("feed.xml"), "--key", home.path("zoo.pub"), "--json"])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("\"expiresAt\" : \(expires ?? 0)") || verify.stdout.contains("\"expiresAt\":\(expires ?? 0)"))
    }

    @Test("past its expiry: update exits 65 naming the date, feed list says EXPIRED, list still answers")
    func expired() async throws {
        let home = try Home()
        try Data(Self.feed.utf8).write(to: URL(fileURLWithPath: home.path("feed.xml")))
        #expect(try home.run(["feed", "keygen", home.path("zoo")]).status == 0)
        let now = Int(Date().timeIntervalSince1970)
        let comment = "timestamp:\(now)\tfile:feed.xml\texpires:\(now + 2)"
        let sign = try home.run(["feed", "sign", home.path("feed.xml"), "--secret-key", home.path("zoo.key"), "--trusted-comment", comment])
        #expect(sign.status == 0)
        #expect(try home.run(["feed", "add", home.path("feed.xml"), "--key", home.path("zoo.pub"), "--name", "zoo"]).status == 0)
        try await Task.sleep(for: .seconds(3))
        let update = try home.run(["feed", "update", "zoo"])
        #expect(update.status == 65)
        #expect(update.stderr.contains("feed 'zoo' expired on "))
        #expect(update.stderr.contains("(signed expiry); ask its publisher for a fresh copy, or remove it ('paddock feed remove zoo')"))
        let listed = try home.run(["feed", "list"])
        #expect(listed.stdout.contains("EXPIRED on "), "\(listed.stdout)")
        #expect(listed.stdout.contains("installs refused"))
        let products = try home.run(["list"])
        #expect(products.status == 0)
        #expect(products.stdout.contains("s"))
    }

    @Test("install from an expired signed feed exits 65 naming the feed and date; show still answers from the kept copy")
    func installRefused() async throws {
        let sandbox = try OpsSandbox()
        let archive = try sandbox.makeArchive("tool", version: "1.0", files: ["bin/tool": "tool 1.0\n"])
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1"><title>signed</title>
            <entry><productId>tool</productId><version>1.0</version><installers><installer><id>1</id>
              <installerFile><installerURL>\(archive.path)</installerURL><pd:sha256>\(archive.sha256)</pd:sha256></installerFile>
              <pd:install kind="archive" scope="user" strip="1" destination="tool"/></installer></installers></entry></feed>
            """
        let feed = sandbox.root.appendingPathComponent("signed.xml").path
        try Data(xml.utf8).write(to: URL(fileURLWithPath: feed))
        let key = sandbox.root.appendingPathComponent("zoo").path
        #expect(try sandbox.paddock(["feed", "keygen", key]).status == 0)
        let now = Int(Date().timeIntervalSince1970)
        let comment = "timestamp:\(now)\tfile:signed.xml\texpires:\(now + 2)"
        #expect(try sandbox.paddock(["feed", "sign", feed, "--secret-key", key + ".key", "--trusted-comment", comment]).status == 0)
        let add = try sandbox.paddock(["feed", "add", feed, "--key", key + ".pub", "--name", "zoo"])
        #expect(add.status == 0, "\(add.stderr)")
        try await Task.sleep(for: .seconds(3))
        let install = try sandbox.paddock(["install", "tool", "--yes"])
        #expect(install.status == 65, "\(install.stdout)\(install.stderr)")
        #expect(install.stderr.contains("feed 'zoo' expired on "), "\(install.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("home").path + "/tool/bin/tool"))
        let show = try sandbox.paddock(["show", "tool"])
        #expect(show.status == 0, "\(show.stderr)")
    }
}
