import FeedModel
import Foundation
import PaddockBasics
import PaddockSigning
import Testing
import TestSupport

@testable import PaddockStore

/// TUF's three attacks on signed feeds that the signature alone lets through: freeze (an old
/// copy served forever), fast-forward (a time in the future that then refuses every real update)
/// and mix-and-match (a parent and a child that were never published together).
@Suite("Signed feeds: expiry, future times, snapshots")
struct SignedFeedClockTests {
    typealias Sandbox = SignedFeedTests.Sandbox
    let secret = MinisignSecretKey.generate()
    var trusted: TrustedKey { TrustedKey(key: secret.publicKey, label: "test") }
    static var now: Int { SignedFeedTests.now }
    static let day = 86400

    func sign(_ text: String, at timestamp: Int = SignedFeedClockTests.now, expires: Int?) throws -> String {
        try SignedFeedTests.sign(text, with: secret, at: timestamp, expires: expires)
    }

    @Test("freeze: a copy past its signed expiry, or signed 400 days ago with none, is refused with the date and what to do")
    func expired() async throws {
        let sandbox = try Sandbox()
        let text = SignedFeedTests.feed(["alpha"], updated: "2025-01-01T00:00:00Z")
        let path = try sandbox.write("feed.xml", text)

        let expiry = Self.now - Self.day
        try sandbox.write("feed.xml.sig", try sign(text, at: Self.now - 30 * Self.day, expires: expiry))
        let error = await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted) }
        #expect(error?.exitCode == 65)
        #expect(
            error?.description
                == "feed 'zoo' expired on \(FeedStore.isoDate(expiry)) (signed expiry); ask its publisher for a fresh copy, or remove it ('paddock feed remove zoo')"
        )

        let signed = Self.now - 400 * Self.day
        try sandbox.write("feed.xml.sig", try sign(text, at: signed, expires: nil))
        let old = await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted) }
        #expect(
            old?.description.hasPrefix(
                "feed 'zoo' expired on \(FeedStore.isoDate(signed + 365 * Self.day)) (no signed expiry: 365 days after its signed timestamp)") == true)
        #expect(try sandbox.store.catalog.feeds().isEmpty)
        #expect(sandbox.productIds.isEmpty)
    }

    @Test("about to expire: added, with a warning naming the date and the days left")
    func aboutToExpire() async throws {
        let sandbox = try Sandbox()
        let text = SignedFeedTests.feed(["alpha"], updated: "2025-01-01T00:00:00Z")
        let path = try sandbox.write("feed.xml", text)
        let expiry = Self.now + 3 * Self.day + 1800
        try sandbox.write("feed.xml.sig", try sign(text, expires: expiry))
        let changes = try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted)
        #expect(changes.map(\.outcome) == [.added])
        #expect(
            changes.first?.warnings == [
                "feed 'zoo' expires on \(FeedStore.isoDate(expiry)) (signed expiry), in 3 days; ask its publisher for a fresh copy, then run 'paddock feed update zoo'"
            ])
        #expect(try sandbox.store.catalog.feed(named: "zoo")?.signature?.expiresAt == expiry)

        // Eight days left: no warning.
        try sandbox.write("feed.xml.sig", try sign(text, expires: Self.now + 8 * Self.day))
        let quiet = try await sandbox.store.add(path, name: "zoo2", insecure: false, key: trusted)
        #expect(quiet.first?.warnings == [])
    }

    @Test("a kept copy that expires: update refuses it unchanged, list still answers, install is refused, a fresh copy is taken")
    func expiresWhileKept() async throws {
        let sandbox = try Sandbox()
        let text = SignedFeedTests.feed(["alpha"], updated: "2025-01-01T00:00:00Z")
        let path = try sandbox.write("feed.xml", text)
        let expiry = Self.now + 2
        try sandbox.write("feed.xml.sig", try sign(text, expires: expiry))
        _ = try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted)
        let record = try #require(try sandbox.store.catalog.feed(named: "zoo"))
        #expect(!SignedFeedClock.expired(record))
        try SignedFeedClock.refuseInstall(from: record)

        try await Task.sleep(for: .seconds(3))
        // The file has not changed: the copy is the same, and it is now past its expiry.
        let frozen = await #expect(throws: StoreError.self) { try await sandbox.store.update("zoo") }
        #expect(frozen?.description.hasPrefix("feed 'zoo' expired on \(FeedStore.isoDate(expiry)) (signed expiry)") == true)
        #expect(sandbox.productIds == ["alpha"])  // list and show answer from the kept copy
        let kept = try #require(try sandbox.store.catalog.feed(named: "zoo"))
        #expect(SignedFeedClock.expired(kept))
        let install = #expect(throws: StoreError.self) { try SignedFeedClock.refuseInstall(from: kept) }
        #expect(install?.description.hasPrefix("feed 'zoo' expired on") == true)

        // The publisher re-signs: the update goes through and installs are allowed again.
        try sandbox.write("feed.xml.sig", try sign(text, expires: Self.now + 30 * Self.day))
        _ = try await sandbox.store.update("zoo")
        let fresh = try #require(try sandbox.store.catalog.feed(named: "zoo"))
        #expect(!SignedFeedClock.expired(fresh))
    }

    @Test("fast-forward: a signature dated 2100 is refused naming both times; within the hour's skew it is taken")
    func futureDated() async throws {
        let sandbox = try Sandbox()
        let text = SignedFeedTests.feed(["alpha"], updated: "2025-01-01T00:00:00Z")
        let path = try sandbox.write("feed.xml", text)
        let future = 4_102_444_800  // 2100-01-01
        try sandbox.write("feed.xml.sig", try sign(text, at: future, expires: future + 30 * Self.day))
        let before = Self.now
        let error = await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted) }
        #expect(error?.exitCode == 65)
        let message = error?.description ?? ""
        #expect(message.hasPrefix("feed 'zoo' is signed at 2100-01-01T00:00:00Z, ahead of this machine's clock ("))
        #expect(message.contains(String(FeedStore.isoDate(before).prefix(13))))  // today's date and hour
        #expect(try sandbox.store.catalog.feeds().isEmpty)

        try sandbox.write("feed.xml.sig", try sign(text, at: Self.now + 1800, expires: Self.now + 30 * Self.day))
        _ = try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted)
        #expect(sandbox.productIds == ["alpha"])
    }

    @Test("a future time kept from before the rule is no rollback baseline: the real update goes through")
    func futureBaselineIgnored() async throws {
        let sandbox = try Sandbox()
        var record = FeedRecord(
            name: "zoo", source: "/x", kind: .file, parent: nil, position: 1, addedAt: "", refreshedAt: "", etag: nil, lastModified: nil,
            contentSHA256: nil, title: nil, productCount: 0, warningCount: 0)
        record.signature = FeedSignature(publicKey: "", keyId: "", keyName: "", signedAt: 4_102_444_800, trustedComment: nil)
        var signature = record.signature
        signature?.signedAt = Self.now
        try sandbox.store.checkNotOlder(Feed(), signature: signature, than: record)
        // A past baseline still refuses an older copy.
        record.signature?.signedAt = Self.now - 10
        signature?.signedAt = Self.now - 20
        #expect(throws: StoreError.self) { try sandbox.store.checkNotOlder(Feed(), signature: signature, than: record) }

        // The same for a kept <updated> ahead of the clock; a past one still counts.
        record.signature = nil
        var feed = Feed()
        feed.updated = FeedDate(text: "2025-01-01T00:00:00Z", date: FeedDateParser.parse("2025-01-01T00:00:00Z"))
        record.updated = "2100-01-01T00:00:00Z"
        try sandbox.store.checkNotOlder(feed, signature: nil, than: record)
        record.updated = "2025-06-01T00:00:00Z"
        #expect(throws: StoreError.self) { try sandbox.store.checkNotOlder(feed, signature: nil, than: record) }
    }

    @Test("a signature kept before paddock kept the expiry: its trusted comment's expires:, else timestamp + 365 days")
    func legacyKeptSignature() {
        var record = FeedRecord(
            name: "zoo", source: "/x", kind: .file, parent: nil, position: 1, addedAt: "", refreshedAt: "", etag: nil, lastModified: nil,
            contentSHA256: nil, title: nil, productCount: 0, warningCount: 0)
        record.signature = FeedSignature(
            publicKey: "", keyId: "", keyName: "", signedAt: Self.now - 10, trustedComment: "timestamp:\(Self.now - 10)\texpires:\(Self.now - 5)")
        #expect(SignedFeedClock.expired(record))
        #expect(throws: StoreError.self) { try SignedFeedClock.refuseInstall(from: record) }
        record.signature?.trustedComment = "timestamp:\(Self.now - 10)"
        #expect(!SignedFeedClock.expired(record))
        record.signature?.signedAt = Self.now - 366 * Self.day
        #expect(SignedFeedClock.expired(record))
    }

    static func parent(_ products: [String], children: [(String, String?)], updated: String) -> String {
        let links = children.map { href, digest in
            "<link rel=\"enclosure\" href=\"\(href)\"" + (digest.map { " p:sha256=\"\($0)\"" } ?? "") + "/>"
        }.joined()
        let entries = products.map { "<entry><productId>\($0)</productId><title>\($0)</title></entry>" }.joined()
        return
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:p=\"urn:paddock:feed:1\"><title>signed</title><updated>\(updated)</updated>\(links)\(entries)</feed>\n"
    }

    @Test("mix-and-match: a child that is not the copy its signed parent lists is refused; the matching one is taken")
    func snapshot() async throws {
        let sandbox = try Sandbox()
        let expires = Self.now + 30 * Self.day
        let childV1 = SignedFeedTests.feed(["app"], updated: "2025-01-01T00:00:00Z")
        let childV2 = SignedFeedTests.feed(["app", "app2"], updated: "2025-02-01T00:00:00Z")
        let parentV1 = Self.parent(["alpha"], children: [("apps.xml", Digest.sha256Hex(Data(childV1.utf8)))], updated: "2025-01-01T00:00:00Z")
        let parentV2 = Self.parent(["alpha"], children: [("apps.xml", Digest.sha256Hex(Data(childV2.utf8)))], updated: "2025-02-01T00:00:00Z")

        let path = try sandbox.write("feed.xml", parentV1)
        try sandbox.write("feed.xml.sig", try sign(parentV1, expires: expires))
        try sandbox.write("apps.xml", childV1)
        try sandbox.write("apps.xml.sig", try sign(childV1, expires: expires))
        _ = try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted)
        #expect(sandbox.productIds.sorted() == ["alpha", "app"])

        // The new parent with the old child (each validly signed): refused, nothing changes.
        try sandbox.write("feed.xml", parentV2)
        try sandbox.write("feed.xml.sig", try sign(parentV2, expires: expires))
        let mixed = await #expect(throws: StoreError.self) { try await sandbox.store.update("zoo") }
        #expect(mixed?.exitCode == 65)
        #expect(
            mixed?.description.hasPrefix(
                "child feed 'zoo/apps' is not the copy its parent 'zoo' was published with (sha256 \(Digest.sha256Hex(Data(childV1.utf8))), the parent lists \(Digest.sha256Hex(Data(childV2.utf8))))"
            ) == true)
        #expect(sandbox.productIds.sorted() == ["alpha", "app"])

        // The old parent with the new child: refused the same way.
        try sandbox.write("feed.xml", parentV1)
        try sandbox.write("feed.xml.sig", try sign(parentV1, expires: expires))
        try sandbox.write("apps.xml", childV2)
        try sandbox.write("apps.xml.sig", try sign(childV2, expires: expires))
        await #expect(throws: StoreError.self) { try await sandbox.store.update("zoo") }

        // Published together: taken.
        try sandbox.write("feed.xml", parentV2)
        try sandbox.write("feed.xml.sig", try sign(parentV2, expires: expires))
        _ = try await sandbox.store.update("zoo")
        #expect(sandbox.productIds.sorted() == ["alpha", "app", "app2"])
    }

    @Test("a signed parent that lists some children's digests must list every child's")
    func snapshotUnlisted() async throws {
        let sandbox = try Sandbox()
        let expires = Self.now + 30 * Self.day
        let child = SignedFeedTests.feed(["app"], updated: "2025-01-01T00:00:00Z")
        let other = SignedFeedTests.feed(["tool"], updated: "2025-01-01T00:00:00Z")
        let parent = Self.parent(
            ["alpha"], children: [("apps.xml", Digest.sha256Hex(Data(child.utf8))), ("tools.xml", nil)], updated: "2025-01-01T00:00:00Z")
        let path = try sandbox.write("feed.xml", parent)
        try sandbox.write("feed.xml.sig", try sign(parent, expires: expires))
        try sandbox.write("apps.xml", child)
        try sandbox.write("apps.xml.sig", try sign(child, expires: expires))
        try sandbox.write("tools.xml", other)
        try sandbox.write("tools.xml.sig", try sign(other, expires: expires))
        let error = await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "zoo", insecure: false, key: trusted) }
        #expect(error?.description.hasPrefix("child feed 'zoo/tools' is not listed with a paddock:sha256 by its signed parent 'zoo'") == true)
        #expect(try sandbox.store.catalog.feeds().isEmpty)
    }
}
