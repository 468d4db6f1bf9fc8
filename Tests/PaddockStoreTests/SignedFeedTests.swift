import FeedModel
import Foundation
import PaddockBasics
import PaddockSigning
import Testing
import TestSupport

@testable import PaddockStore

/// Feeds added with a key: detached minisign signatures, checked on add and on every update,
/// and the rollback rule.
@Suite("Signed feeds and rollback")
struct SignedFeedTests {
    static func feed(_ products: [String], updated: String, enclosure: String? = nil) -> String {
        let entries = products.map { "<entry><productId>\($0)</productId><title>\($0)</title></entry>" }.joined()
        let link = enclosure.map { "<link rel=\"enclosure\" href=\"\($0)\"/>" } ?? ""
        return "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>signed</title><updated>\(updated)</updated>\(link)\(entries)</feed>\n"
    }

    /// Signed at `timestamp`, with a signed expiry 90 days from now unless `expires` says otherwise
    /// (nil: none, so the default lifetime after `timestamp` applies).
    static func sign(
        _ text: String, with key: MinisignSecretKey, at timestamp: Int = 1_700_000_000, expires: Int? = SignedFeedTests.now + 90 * 86400
    ) throws -> String {
        let expiry = expires.map { "\texpires:\($0)" } ?? ""
        return try key.sign(Array(text.utf8), trustedComment: "timestamp:\(timestamp)\tfile:feed.xml\(expiry)").fileText
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }

    final class Sandbox {
        let root: URL
        let store: FeedStore
        init() throws {
            root = try TestPaths.temporaryDirectory("paddock-signed")
            store = try FeedStore(
                paths: PaddockPaths(environment: ["PADDOCK_HOME": root.appendingPathComponent("home").path]),
                config: PaddockConfig(), builtinFeedPath: nil)
        }
        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            let url = root.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        deinit { try? FileManager.default.removeItem(at: root) }
        var productIds: [String] { (try? store.catalog.list().map(\.productId)) ?? [] }
    }

    let secret = MinisignSecretKey.generate()
    var trusted: TrustedKey { TrustedKey(key: secret.publicKey, label: "test") }

    @Test("a good signature is accepted, and the key is kept with the feed")
    func accepted() async throws {
        let sandbox = try Sandbox()
        let text = Self.feed(["alpha"], updated: "2025-01-01T00:00:00Z")
        let path = try sandbox.write("feed.xml", text)
        try sandbox.write("feed.xml.sig", try Self.sign(text, with: secret))
        let changes = try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted)
        #expect(changes.map(\.outcome) == [.added])
        #expect(sandbox.productIds == ["alpha"])
        let record = try #require(try sandbox.store.catalog.feed(named: "zoo"))
        #expect(record.signature?.keyId == secret.publicKey.keyIdText)
        #expect(record.signature?.signedAt == 1_700_000_000)
        #expect(record.updated == "2025-01-01T00:00:00Z")
    }

    @Test("minisign's own file name, FEED.minisig, is found too")
    func minisigName() async throws {
        let sandbox = try Sandbox()
        let text = Self.feed(["alpha"], updated: "2025-01-01T00:00:00Z")
        let path = try sandbox.write("feed.xml", text)
        try sandbox.write("feed.xml.minisig", try Self.sign(text, with: secret))
        _ = try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted)
        #expect(sandbox.productIds == ["alpha"])
    }

    @Test("refused, with the catalogue unchanged: one byte changed, another key, no signature")
    func refused() async throws {
        let sandbox = try Sandbox()
        let text = Self.feed(["alpha"], updated: "2025-01-01T00:00:00Z")
        let tampered = text.replacingOccurrences(of: "alpha", with: "alphb")

        let path = try sandbox.write("feed.xml", tampered)
        try sandbox.write("feed.xml.sig", try Self.sign(text, with: secret))
        let changed = await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted) }
        #expect(changed?.exitCode == 65)
        #expect(changed?.description.hasPrefix("'\(path).sig' does not verify '\(path)': the feed's bytes do not match the signature") == true)

        try sandbox.write("feed.xml", text)
        let other = MinisignSecretKey.generate()
        try sandbox.write("feed.xml.sig", try Self.sign(text, with: other))
        let wrongKey = await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted) }
        #expect(wrongKey?.description.contains("it was made with key \(other.publicKey.keyIdText), not the trusted key \(secret.publicKey.keyIdText)") == true)

        try FileManager.default.removeItem(atPath: path + ".sig")
        let missing = await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted) }
        #expect(missing?.exitCode == 65)
        #expect(missing?.description.hasPrefix("no signature for '\(path)': a feed added with --key must have '\(path).sig' beside it") == true)

        #expect(try sandbox.store.catalog.feeds().isEmpty)
        #expect(sandbox.productIds.isEmpty)
        // Without a key the same file loads as before.
        _ = try await sandbox.store.add(path, name: "plain", insecure: false)
        #expect(sandbox.productIds == ["alpha"])
        #expect(try sandbox.store.catalog.feed(named: "plain")?.signature == nil)
    }

    @Test("remote: the signature comes from URL.sig; update checks it; newer then older copy: the older is a rollback")
    func remoteRollback() async throws {
        let server = SignedFeedServer(secret: secret)
        let http = try LoopbackHTTPServer { server.respond($0) }
        defer { http.stop() }
        let sandbox = try Sandbox()
        let url = "\(http.baseURL)/feed.xml"

        server.serve(Self.feed(["alpha"], updated: "2025-01-01T00:00:00Z"), signedAt: 1_700_000_000)
        _ = try await sandbox.store.add(url, name: "zoo", insecure: true, key: trusted)
        #expect(http.requests.map(\.path) == ["/feed.xml", "/feed.xml.sig"])

        server.serve(Self.feed(["alpha", "beta"], updated: "2025-02-01T00:00:00Z"), signedAt: 1_700_100_000)
        #expect(try await sandbox.store.update("zoo").map(\.outcome) == [.updated])
        #expect(sandbox.productIds == ["alpha", "beta"])

        // The older copy, validly signed (a mirror replaying it): refused.
        server.serve(Self.feed(["alpha"], updated: "2025-01-01T00:00:00Z"), signedAt: 1_700_000_000)
        let rollback = await #expect(throws: StoreError.self) { try await sandbox.store.update("zoo") }
        #expect(rollback?.exitCode == 65)
        #expect(
            rollback?.description
                == "feed 'zoo' is older than the copy paddock has (2025-01-01T00:00:00Z vs 2025-02-01T00:00:00Z): a rollback; the catalogue is unchanged. If the publisher really went back, run 'paddock feed remove zoo' and add it again"
        )
        #expect(sandbox.productIds == ["alpha", "beta"])

        // The same <updated> date, signed earlier: refused by the signed timestamp.
        server.serve(Self.feed(["alpha"], updated: "2025-02-01T00:00:00Z"), signedAt: 1_700_050_000)
        let signedEarlier = await #expect(throws: StoreError.self) { try await sandbox.store.update("zoo") }
        #expect(signedEarlier?.description.contains("(2023-11-15T12:06:40Z (signed) vs 2023-11-16T02:00:00Z (signed))") == true)

        // A newer copy whose signature does not verify: refused, nothing changes.
        server.serve(Self.feed(["alpha", "beta", "gamma"], updated: "2025-03-01T00:00:00Z"), signedAt: 1_700_200_000, corrupt: true)
        let bad = await #expect(throws: StoreError.self) { try await sandbox.store.update("zoo") }
        #expect(bad?.description.hasPrefix("'\(url).sig' does not verify '\(url)'") == true)

        // And once the signature is gone, a signed feed stays signed: refused too.
        server.serve(Self.feed(["alpha", "beta", "gamma"], updated: "2025-03-01T00:00:00Z"), signedAt: nil)
        let unsigned = await #expect(throws: StoreError.self) { try await sandbox.store.update("zoo") }
        #expect(unsigned?.description.hasPrefix("no signature for '\(url)'") == true)
        #expect(sandbox.productIds == ["alpha", "beta"])
        #expect(try sandbox.store.catalog.feed(named: "zoo")?.signature?.signedAt == 1_700_100_000)

        server.serve(Self.feed(["alpha", "beta", "gamma"], updated: "2025-03-01T00:00:00Z"), signedAt: 1_700_200_000)
        _ = try await sandbox.store.update("zoo")
        #expect(sandbox.productIds == ["alpha", "beta", "gamma"])
    }

    @Test("an unsigned feed: an older <updated> on update is a rollback as well")
    func unsignedRollback() async throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("feed.xml", Self.feed(["alpha", "beta"], updated: "2025-02-01T00:00:00Z"))
        _ = try await sandbox.store.add(path, name: "plain", insecure: false)
        try sandbox.write("feed.xml", Self.feed(["alpha"], updated: "2025-01-31T23:59:59Z"))
        let error = await #expect(throws: StoreError.self) { try await sandbox.store.update("plain") }
        #expect(error?.description.hasPrefix("feed 'plain' is older than the copy paddock has (2025-01-31T23:59:59Z vs 2025-02-01T00:00:00Z)") == true)
        #expect(sandbox.productIds == ["alpha", "beta"])
        // The same date, or no date at all, is not a rollback.
        try sandbox.write("feed.xml", Self.feed(["alpha"], updated: "2025-02-01T00:00:00Z"))
        _ = try await sandbox.store.update("plain")
        #expect(sandbox.productIds == ["alpha"])
    }

    @Test("child feeds of a signed feed must be signed by the same key")
    func children() async throws {
        let sandbox = try Sandbox()
        let parent = Self.feed(["alpha"], updated: "2025-01-01T00:00:00Z", enclosure: "apps.xml")
        let child = Self.feed(["app"], updated: "2025-01-01T00:00:00Z")
        let path = try sandbox.write("feed.xml", parent)
        try sandbox.write("feed.xml.sig", try Self.sign(parent, with: secret))
        let childPath = try sandbox.write("apps.xml", child)
        let error = await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted) }
        #expect(error?.description.hasPrefix("no signature for '\(childPath)'") == true)
        #expect(try sandbox.store.catalog.feeds().isEmpty)
        try sandbox.write("apps.xml.sig", try Self.sign(child, with: secret))
        _ = try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted)
        #expect(sandbox.productIds == ["alpha", "app"])
        #expect(try sandbox.store.catalog.feed(named: "zoo/apps")?.signature?.keyId == secret.publicKey.keyIdText)
    }

    @Test("--key resolution: a name from config.toml's [keys], a .pub file, the base64 key; mistakes say what to give")
    func keyResolution() throws {
        let sandbox = try Sandbox()
        let pub = try sandbox.write("zoo.pub", secret.publicKey.fileText)
        var config = try PaddockConfig.parse(
            "builtin-feed = true\n[keys]\nzoo = \"\(secret.publicKey.base64)\"\nfile = \"zoo.pub\"\n", file: "config.toml")
        config.directory = sandbox.root
        #expect(try TrustedKey.resolve("zoo", config: config) == TrustedKey(key: secret.publicKey, label: "zoo"))
        #expect(try TrustedKey.resolve("file", config: config).key == secret.publicKey)
        #expect(try TrustedKey.resolve(pub, config: config).key == secret.publicKey)
        #expect(try TrustedKey.resolve(secret.publicKey.base64, config: config).label == "inline")
        let unknown = #expect(throws: StoreError.self) { try TrustedKey.resolve("nope", config: config) }
        #expect(unknown?.exitCode == 64)
        #expect(unknown?.description.contains("keys in config.toml: file, zoo") == true)
        let refused = #expect(throws: ConfigError.self) { try PaddockConfig.parse("[servers]\n", file: "config.toml") }
        #expect(refused?.exitStatus.rawValue == 78 && refused?.description == "config.toml:1: unknown table '[servers]' (known: [keys])")
    }
}

/// Serves one feed and its signature, changed between requests by the test.
final class SignedFeedServer: @unchecked Sendable {
    private let lock = NSLock()
    private let secret: MinisignSecretKey
    private var feed = ""
    private var signature: String?

    init(secret: MinisignSecretKey) { self.secret = secret }

    func serve(_ text: String, signedAt: Int?, corrupt: Bool = false) {
        var signature = signedAt.map { try! SignedFeedTests.sign(text, with: secret, at: $0) }
        if corrupt, let original = signature {
            // Sign other bytes: a well-formed signature that does not match the feed.
            signature = try! SignedFeedTests.sign(text + " ", with: secret, at: signedAt ?? 0)
            precondition(signature != original)
        }
        lock.lock()
        feed = text
        self.signature = signature
        lock.unlock()
    }

    func respond(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        lock.lock()
        defer { lock.unlock() }
        switch request.path {
        case "/feed.xml": return .init(status: 200, body: Array(feed.utf8))
        case "/feed.xml.sig": return signature.map { .init(status: 200, body: Array($0.utf8)) } ?? .init(status: 404)
        default: return .init(status: 404)
        }
    }
}
