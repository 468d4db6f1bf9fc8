import FeedModel
import Foundation
import PaddockBasics
import PaddockSigning
import PaddockSQLite
import Testing
import TestSupport

@testable import PaddockStore

/// The feeds the user added live in feeds.json, which no rebuild of the index removes: a new
/// index beside it is rebuilt from it and the cached copies, keys and baselines included.
@Suite("Feed registrations (feeds.json)")
struct FeedRegistrationsTests {
    typealias Sandbox = FeedStoreTests.Sandbox

    static func reopen(_ store: FeedStore) throws -> FeedStore {
        try FeedStore(paths: store.paths, config: PaddockConfig(), builtinFeedPath: nil)
    }

    static func removeIndex(_ store: FeedStore) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store.paths.catalogDatabase.path + suffix) }
    }

    static func registered(_ store: FeedStore) throws -> [String] {
        try FeedRegistrations(url: store.paths.feedRegistrations).load()?.map(\.feed.name) ?? []
    }

    @Test("a removed index is rebuilt from feeds.json and the cached copies: names, sources, precedence, the pinned key and baselines")
    func rebuild() async throws {
        let sandbox = try Sandbox()
        let secret = MinisignSecretKey.generate()
        _ = try await sandbox.store.add(try sandbox.write("plain.xml", FeedStoreTests.feedXML(["a", "shared"])), name: nil, insecure: false)
        let signedText = SignedFeedTests.feed(["b", "shared"], updated: "2025-01-01T00:00:00Z")
        let signedPath = try sandbox.write("signed.xml", signedText)
        _ = try sandbox.write("signed.xml.sig", try SignedFeedTests.sign(signedText, with: secret))
        _ = try await sandbox.store.add(signedPath, name: "zoo", insecure: false, key: TrustedKey(key: secret.publicKey, label: "test"))
        let before = try sandbox.store.catalog.feeds()
        #expect(try Self.registered(sandbox.store) == ["plain", "zoo"])

        Self.removeIndex(sandbox.store)
        let rebuilt = try Self.reopen(sandbox.store)
        #expect(
            rebuilt.restoredFeeds == [
                RestoredFeed(name: "plain", productCount: 2, problem: nil), RestoredFeed(name: "zoo", productCount: 2, problem: nil),
            ])
        #expect(try rebuilt.catalog.feeds() == before)
        #expect(try rebuilt.catalog.resolve("shared").first?.feed == "zoo", "the later feed still wins")
        #expect(try rebuilt.catalog.feed(named: "zoo")?.signature?.signedAt == 1_700_000_000)
        #expect(try Self.reopen(rebuilt).restoredFeeds.isEmpty, "rebuilt once")

        // The baseline came back too: an older copy is still a rollback, and a copy signed by
        // another key is still refused.
        let older = SignedFeedTests.feed(["b"], updated: "2024-01-01T00:00:00Z")
        _ = try sandbox.write("signed.xml", older)
        _ = try sandbox.write("signed.xml.sig", try SignedFeedTests.sign(older, with: secret))
        let rollback = await #expect(throws: StoreError.self) { try await rebuilt.update("zoo") }
        #expect(rollback?.description.hasPrefix("feed 'zoo' is older than the copy paddock has (2024-01-01T00:00:00Z vs 2025-01-01T00:00:00Z)") == true)
        let newer = SignedFeedTests.feed(["b"], updated: "2026-01-01T00:00:00Z")
        _ = try sandbox.write("signed.xml", newer)
        _ = try sandbox.write("signed.xml.sig", try SignedFeedTests.sign(newer, with: MinisignSecretKey.generate()))
        let otherKey = await #expect(throws: StoreError.self) { try await rebuilt.update("zoo") }
        #expect(otherKey?.exitCode == 65)
        #expect(otherKey?.description.hasPrefix("'\(signedPath).sig' does not verify '\(signedPath)'") == true)
    }

    @Test("a feed whose cached copy is gone stays registered, says what to run, and is read in full by its next update")
    func missingCachedCopy() async throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("lost.xml", FeedStoreTests.feedXML(["a"]))
        _ = try await sandbox.store.add(path, name: nil, insecure: false)
        Self.removeIndex(sandbox.store)
        let cache = sandbox.store.cacheFile(for: "lost")
        try FileManager.default.removeItem(at: cache)
        let rebuilt = try Self.reopen(sandbox.store)
        #expect(
            rebuilt.restoredFeeds == [
                RestoredFeed(name: "lost", productCount: 0, problem: "its cached copy \(cache.path) is missing; run 'paddock feed update lost'")
            ])
        #expect(try rebuilt.catalog.feed(named: "lost")?.source == path)
        #expect(try rebuilt.catalog.list().isEmpty)
        #expect(try await rebuilt.update("lost").map(\.outcome) == [.updated])
        #expect(try rebuilt.catalog.list().map(\.productId) == ["a"])
    }

    @Test("an index made before feeds.json existed has its feeds copied out on first open; removing a feed rewrites the file")
    func migrationAndRemoval() async throws {
        let sandbox = try Sandbox()
        _ = try await sandbox.store.add(try sandbox.write("one.xml", FeedStoreTests.feedXML(["a"])), name: nil, insecure: false)
        _ = try await sandbox.store.add(try sandbox.write("two.xml", FeedStoreTests.feedXML(["b"])), name: nil, insecure: false)
        try FileManager.default.removeItem(at: sandbox.store.paths.feedRegistrations)
        let migrated = try Self.reopen(sandbox.store)
        #expect(migrated.restoredFeeds.isEmpty)
        #expect(try Self.registered(migrated) == ["one", "two"])
        #expect(try migrated.remove("one") == ["one"])
        #expect(try Self.registered(migrated) == ["two"])
        Self.removeIndex(migrated)
        #expect(try Self.reopen(migrated).restoredFeeds.map(\.name) == ["two"])
    }

    @Test("feeds.json that cannot be read: a new index refuses to start empty; a sound index rewrites it")
    func unreadable() async throws {
        let sandbox = try Sandbox()
        _ = try await sandbox.store.add(try sandbox.write("one.xml", FeedStoreTests.feedXML(["a"])), name: nil, insecure: false)
        let file = sandbox.store.paths.feedRegistrations
        try Data("{ not json".utf8).write(to: file)
        #expect(try Self.registered(try Self.reopen(sandbox.store)) == ["one"], "the index is sound: it wins")

        try Data("{ not json".utf8).write(to: file)
        Self.removeIndex(sandbox.store)
        let error = #expect(throws: StoreError.self) { try Self.reopen(sandbox.store) }
        #expect(error?.exitCode == 65)
        #expect(
            error?.description.hasPrefix(
                "the feed registrations '\(file.path)' cannot be read: it is not what paddock wrote (") == true)
        #expect(
            error?.description.hasSuffix(
                "); the index is unchanged. Restore the file from a backup, or move it aside and add your feeds again with 'paddock feed add'") == true)
    }

    @Test("each database names itself in its errors; garbage is damage")
    func labelledErrors() throws {
        let directory = try TestPaths.temporaryDirectory("paddock-sqlite")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("catalog.sqlite").path
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: path, label: "the index database") }
        #expect(error?.database == path)
        #expect(error?.label == "the index database")
        #expect(error?.isDamage == true)
        #expect(error?.subject == "the index database '\(path)'")
        #expect(error?.description == "SQLite error 26: file is not a database (in: PRAGMA journal_mode=WAL)")
        let missing = directory.appendingPathComponent("absent/x.sqlite").path
        let unavailable = #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: missing, label: "the state database") }
        #expect(unavailable?.isDamage == false)
        #expect(unavailable?.database == missing)
    }
}
