import PaddockSQLite
import FeedModel
import PaddockXML
import Foundation
import PaddockBasics
import Testing
import TestSupport

@testable import PaddockStore

/// The feed store on real files, a real SQLite index and a real loopback HTTP server.
@Suite("Feed store")
struct FeedStoreTests {
    static func feedXML(_ products: [String], keyword: (id: String, title: String)? = nil, enclosure: String? = nil, title: String = "t") -> String {
        let entries = products.map { "<entry><productId>\($0)</productId><title>\($0) title</title><summary>about \($0)</summary></entry>" }
        let keywords = keyword.map { "<keywords><keyword id=\"\($0.id)\">\($0.title)</keyword></keywords>" } ?? ""
        let link = enclosure.map { "<link rel=\"enclosure\" href=\"\($0)\"/>" } ?? ""
        return "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>\(title)</title>\(link)\(keywords)\(entries.joined())</feed>"
    }

    final class Sandbox {
        let root: URL
        let store: FeedStore
        init(builtin: String? = nil) throws {
            root = try TestPaths.temporaryDirectory("paddock-store")
            var builtinPath: String?
            if let builtin {
                builtinPath = root.appendingPathComponent("builtin.xml").path
                try Data(builtin.utf8).write(to: URL(fileURLWithPath: builtinPath!))
            }
            store = try FeedStore(
                paths: PaddockPaths(environment: ["PADDOCK_HOME": root.appendingPathComponent("home").path]),
                config: PaddockConfig(), builtinFeedPath: builtinPath)
        }
        func write(_ name: String, _ text: String) throws -> String {
            let url = root.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        deinit { try? FileManager.default.removeItem(at: root) }
    }

    @Test("add, list, search, show, remove")
    func lifecycle() async throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("zoo-extras.xml", Self.feedXML(["blank-django", "flask"]))
        let changes = try await sandbox.store.add(path, name: nil, insecure: false)
        #expect(changes.map(\.name) == ["zoo-extras"])
        #expect(try sandbox.store.catalog.list().map(\.productId) == ["blank-django", "flask"])
        #expect(try sandbox.store.catalog.search("django").map(\.productId) == ["blank-django"])
        #expect(try sandbox.store.catalog.search("dja").map(\.productId) == ["blank-django"], "prefix match")
        #expect(try sandbox.store.catalog.resolve("BLANK-DJANGO").first?.product.title == "blank-django title")
        #expect(try sandbox.store.catalog.resolve("flask title").first?.product.productId == "flask", "by title")
        #expect(try sandbox.store.catalog.suggestions(for: "blank-djang") == ["blank-django"])
        // The cached copy keeps the feed readable when the source disappears.
        try FileManager.default.removeItem(atPath: path)
        #expect(FileManager.default.fileExists(atPath: sandbox.store.cacheFile(for: "zoo-extras").path))
        #expect(try sandbox.store.remove("zoo-extras") == ["zoo-extras"])
        #expect(try sandbox.store.catalog.list().isEmpty)
    }

    @Test("a second feed wins for the same productId; FEED:PRODUCT picks one; keyword titles too")
    func precedence() async throws {
        let sandbox = try Sandbox(builtin: Self.feedXML(["python3"], keyword: ("Python", "Builtin Python")))
        _ = try await sandbox.store.add(
            try sandbox.write("a.xml", Self.feedXML(["python3", "x"], keyword: ("Python", "Python from A"))), name: nil, insecure: false)
        let found = try sandbox.store.catalog.products(withId: "python3")
        #expect(found.map(\.feed) == ["a", "builtin"])
        #expect(try sandbox.store.catalog.resolve("builtin:python3").map(\.feed) == ["builtin"])
        #expect(try sandbox.store.catalog.list().filter { $0.productId == "python3" }.map(\.feed) == ["a"])
        #expect(try sandbox.store.catalog.keywords().first { $0.id == "Python" }?.title == "Python from A")
    }

    @Test("a malformed feed changes nothing, and the error names file, line and column")
    func malformedLeavesCatalogue() async throws {
        let sandbox = try Sandbox()
        let good = try sandbox.write("good.xml", Self.feedXML(["a"]))
        _ = try await sandbox.store.add(good, name: nil, insecure: false)
        let bad = try sandbox.write("bad.xml", "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<entry>\n</feed>")
        let error = await #expect(throws: StoreError.self) { try await sandbox.store.add(bad, name: nil, insecure: false) }
        #expect(error?.exitCode == 65)
        #expect(error?.description.hasPrefix("\(bad):3:") == true)
        // The same on update: the old content stays.
        try Data("<feed><entry>".utf8).write(to: URL(fileURLWithPath: good))
        await #expect(throws: StoreError.self) { _ = try await sandbox.store.update("good") }
        #expect(try sandbox.store.catalog.feeds().map(\.name) == ["good"])
        #expect(try sandbox.store.catalog.list().map(\.productId) == ["a"])
    }

    @Test("names: a duplicate is refused, the built-in feed cannot be removed, unknown feeds are named")
    func names() async throws {
        let sandbox = try Sandbox(builtin: Self.feedXML(["python3"]))
        let path = try sandbox.write("f.xml", Self.feedXML(["a"]))
        _ = try await sandbox.store.add(path, name: "mine", insecure: false)
        await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "mine", insecure: false) }
        #expect(throws: StoreError.self) { try sandbox.store.remove("builtin") }
        let error = #expect(throws: StoreError.self) { try sandbox.store.remove("nope") }
        #expect(error?.description == "no feed named 'nope' (feeds: builtin, mine); see 'paddock feed list'")
        await #expect(throws: StoreError.self) { try await sandbox.store.add(path, name: "bad:name", insecure: false) }
    }

    @Test("remote feeds over real HTTP: http needs --insecure, ETag makes updates cheap, enclosures load")
    func remote() async throws {
        let state = FeedServerState()
        let server = try LoopbackHTTPServer { request in state.respond(request) }
        defer { server.stop() }
        let sandbox = try Sandbox()
        let url = "\(server.baseURL)/feeds/main.xml"
        let refused = await #expect(throws: StoreError.self) { try await sandbox.store.add(url, name: nil, insecure: false) }
        #expect(refused?.description.contains("plain http") == true)

        let added = try await sandbox.store.add(url, name: "remote", insecure: true)
        #expect(added.map(\.name) == ["remote", "remote/apps"])
        #expect(try sandbox.store.catalog.products(withId: "app1").first?.feed == "remote/apps")
        #expect(server.requests.first?.header("User-Agent")?.hasPrefix("paddock/") == true)

        let unchanged = try await sandbox.store.update("remote")
        #expect(unchanged.map(\.outcome) == [.unchanged, .unchanged])
        #expect(server.requests.last?.header("If-None-Match") == "\"v1\"")

        state.bump()
        let updated = try await sandbox.store.update(nil)
        #expect(updated.first?.outcome == .updated)
        #expect(try sandbox.store.catalog.products(withId: "main2").count == 1)

        // Offline: the server is gone, list and show still answer from the cache and index.
        server.stop()
        #expect(try sandbox.store.catalog.list().map(\.productId).contains("app1"))
        let failed = await #expect(throws: StoreError.self) { try await sandbox.store.update("remote") }
        #expect(failed?.exitCode == 69)
    }

    @Test("a 404 is a clear error naming the URL")
    func notFound() async throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 404) }
        defer { server.stop() }
        let sandbox = try Sandbox()
        let error = await #expect(throws: StoreError.self) {
            try await sandbox.store.add("\(server.baseURL)/missing.xml", name: nil, insecure: true)
        }
        #expect(error?.description == "could not fetch '\(server.baseURL)/missing.xml': the server answered HTTP 404")
    }

    @Test("productIds differing only in case load (the second is a warning), not a SQLite error")
    func caseInsensitiveDuplicate() async throws {
        let sandbox = try Sandbox()
        let changes = try await sandbox.store.add(
            try sandbox.write("f.xml", Self.feedXML(["Foo", "foo"])), name: nil, insecure: false)
        #expect(changes.first?.productCount == 1)
        #expect(changes.first?.warnings.count == 1)
        #expect(try sandbox.store.catalog.resolve("foo").map(\.product.productId) == ["Foo"])
    }

    @Test("a child feed that appears on update gets a position no other feed has")
    func newChildPositionIsUnique() async throws {
        let sandbox = try Sandbox()
        let child = try sandbox.write("child.xml", Self.feedXML(["c"]))
        let parent = try sandbox.write("parent.xml", Self.feedXML(["p"]))
        _ = try await sandbox.store.add(parent, name: nil, insecure: false)
        _ = try await sandbox.store.add(try sandbox.write("later.xml", Self.feedXML(["c"])), name: nil, insecure: false)
        _ = try sandbox.write("parent.xml", Self.feedXML(["p"], enclosure: child))
        _ = try await sandbox.store.update("parent")
        let feeds = try sandbox.store.catalog.feeds()
        #expect(feeds.map(\.name).sorted() == ["later", "parent", "parent/child"])
        #expect(Set(feeds.map(\.position)).count == feeds.count, "\(feeds.map { ($0.name, $0.position) })")
    }

    @Test("list and search show the winning definition, also after the winner is removed or re-read")
    func winnersFollowChanges() async throws {
        let sandbox = try Sandbox(builtin: Self.feedXML(["python3", "only-builtin"]))
        let a = try sandbox.write("a.xml", Self.feedXML(["python3"], title: "A"))
        _ = try await sandbox.store.add(a, name: nil, insecure: false)
        let catalog = sandbox.store.catalog
        #expect(try catalog.search("python3").map(\.feed) == ["a"])
        #expect(try catalog.list().map { "\($0.feed):\($0.productId)" } == ["builtin:only-builtin", "a:python3"])
        _ = try sandbox.write("a.xml", Self.feedXML(["python3", "more"], title: "A"))
        _ = try await sandbox.store.update("a")
        #expect(try catalog.search("python3").map(\.feed) == ["a"])
        #expect(try catalog.list().map(\.productId) == ["more", "only-builtin", "python3"])
        _ = try sandbox.store.remove("a")
        #expect(try catalog.search("python3").map(\.feed) == ["builtin"])
        #expect(try catalog.list().map { "\($0.feed):\($0.productId)" } == ["builtin:only-builtin", "builtin:python3"])
    }

    @Test("an index written in an older format is rebuilt from the cached copies")
    func reindex() async throws {
        let sandbox = try Sandbox()
        _ = try await sandbox.store.add(try sandbox.write("f.xml", Self.feedXML(["a"])), name: nil, insecure: false)
        try sandbox.store.catalog.database.execute("UPDATE settings SET value = '0' WHERE key = 'index_format'")
        try sandbox.store.catalog.database.execute("UPDATE products SET body = x'00'")
        let reopened = try FeedStore(paths: sandbox.store.paths, config: PaddockConfig(), builtinFeedPath: nil)
        #expect(try reopened.catalog.resolve("a").first?.product.title == "a title")
    }
    /// A local feed's products are stored while it is read, and WebPI's feeds define their os
    /// lists after the entries: the lists are resolved when a product is read back. Every real
    /// feed, added through the store, must read back exactly as the reader reads it whole.
    @Test("every real WebPI feed reads back from the catalogue as the reader reads it (os lists resolved)")
    func streamedFeedsReadBack() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.webpiFeeds.path).sorted()
        #expect(files.count >= 8)
        var resolvedLists = 0
        var resolvedInlineLists = 0
        for file in files {
            let sandbox = try Sandbox()
            let path = TestPaths.webpiFeeds.appendingPathComponent(file).path
            let whole = try FeedDocumentReader.read(path: path, label: path)
            let changes = try await sandbox.store.add(path, name: "f", insecure: false)
            #expect(changes.first?.productCount == whole.products.count, "\(file)")
            #expect(changes.first?.warnings == whole.warnings.map { "\(path):\($0.line):\($0.column): \($0.message)" }, "\(file)")
            for product in whole.products {
                let stored = try sandbox.store.catalog.resolve("f:\(product.productId)").first?.product
                #expect(stored == product, "\(file): \(product.productId)")
                resolvedLists += product.installers.filter { $0.osListReference != nil && !$0.operatingSystems.isEmpty }.count
                resolvedInlineLists += product.installers.filter { $0.osListReference == nil && !$0.operatingSystems.isEmpty }.count
            }
        }
        #expect(resolvedLists >= 100, "Microsoft's feed names its os lists by idref, defined after the entries")
        #expect(resolvedInlineLists >= 8, "Microsoft's feed's inline lists name oses (<os idref>) defined after the entries")
    }

    /// Products are stored as they are read: an inline list naming oses defined after the entry
    /// (as Microsoft's feed writes them) keeps the names, and the catalogue fills them in when it
    /// reads the product back; a name the feed never defines is dropped, with the reader's warning.
    @Test("an inline osList naming oses defined later is resolved when read back; an undefined one is dropped with a warning")
    func inlineOSListsResolvedOnRead() async throws {
        let sandbox = try Sandbox()
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <entry><productId>a</productId><installers><installer><id>1</id><osList>
              <os><minimumVersion><osMajorVersion>5</osMajorVersion></minimumVersion></os>
              <os idref="Later1"/>
              <os idref="Nowhere"/>
              <os idref="Later2"/>
            </osList></installer></installers></entry>
            <oses>
              <os id="Later1"><minimumVersion><osMajorVersion>6</osMajorVersion></minimumVersion></os>
              <os id="Later2"><maximumVersion><osMajorVersion>10</osMajorVersion></maximumVersion></os>
            </oses>
            </feed>
            """
        let path = try sandbox.write("f.xml", xml)
        let changes = try await sandbox.store.add(path, name: "f", insecure: false)
        #expect(changes.first?.warnings == ["\(path):6:3: <os idref=\"Nowhere\"> names an os the feed does not define"])
        let installer = try #require(try sandbox.store.catalog.resolve("a").first?.product.installers.first)
        #expect(installer.operatingSystems.map(\.minimumVersion) == ["5.0.0.0", "6.0.0.0", nil])
        #expect(installer.operatingSystems.map(\.maximumVersion) == [nil, nil, "10.0.0.0"])
        #expect(installer.operatingSystems.allSatisfy { $0.reference == nil })
        #expect(try FeedDocumentReader.read(path: path, label: path).products.first?.installers.first == installer)
    }

    /// A local feed's cached copy is a hard link on the same file system (a 400 MB feed is not
    /// copied), so an edit in place shows through it: the stamp taken before the parse is what
    /// tells `feed update` that the file changed, and an excerpt of the edited file is refused.
    @Test("a local feed's cached copy is a link: an edit in place is seen by update, and refused for excerpts until then")
    func cachedLink() async throws {
        let sandbox = try Sandbox()
        let path = try sandbox.write("f.xml", Self.feedXML(["a"]))
        _ = try await sandbox.store.add(path, name: nil, insecure: false)
        let cache = sandbox.store.cacheFile(for: "f").path
        let source = try #require(FileStamp(path: path))
        #expect(FileStamp(path: cache)?.isSameFile(as: source) == true, "same file system: a hard link, not a copy")
        #expect(try await sandbox.store.update("f").map(\.outcome) == [.unchanged])
        let record = try #require(try sandbox.store.catalog.feed(named: "f"))
        #expect(try sandbox.store.cachedFeedFile(for: record).path == cache)

        // Edited in place (same inode, as an editor that keeps hard links writes it).
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(Self.feedXML(["a", "b"]).utf8))
        try handle.close()
        #expect(FileStamp(path: path)?.isSameFile(as: source) == true)
        let refused = #expect(throws: StoreError.self) { try sandbox.store.cachedFeedFile(for: record) }
        #expect(refused?.description == "'\(path)' was edited since feed 'f' was read; run 'paddock feed update f' first")
        #expect(try await sandbox.store.update("f").map(\.outcome) == [.updated])
        #expect(try sandbox.store.catalog.list().map(\.productId) == ["a", "b"])
        #expect(try sandbox.store.cachedFeedFile(for: record).path == cache)

        // Replaced by a new file (an editor that writes a new file and renames it): the link
        // keeps the bytes that were read, and update reads the new file.
        try FileManager.default.removeItem(atPath: path)
        _ = try sandbox.write("f.xml", Self.feedXML(["c"]))
        #expect(try String(contentsOfFile: cache, encoding: .utf8).contains("<productId>b</productId>"))
        #expect(try await sandbox.store.update("f").map(\.outcome) == [.updated])
        #expect(try sandbox.store.catalog.list().map(\.productId) == ["c"])
    }

    @Test("on another file system the cached copy is a copy; a file touched but not edited is unchanged")
    func cachedCopy() async throws {
        let shared = URL(fileURLWithPath: "/dev/shm")
        guard FileManager.default.isWritableFile(atPath: shared.path) else { return }  // No tmpfs here: nothing to compare.
        let sandbox = try Sandbox()
        let path = shared.appendingPathComponent("paddock-feed-\(getpid())-\(UUID().uuidString).xml").path
        try Data(Self.feedXML(["a"]).utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sourceStamp = try #require(FileStamp(path: path))
        _ = try await sandbox.store.add(path, name: "shm", insecure: false)
        let cache = try #require(FileStamp(path: sandbox.store.cacheFile(for: "shm").path))
        try #require(cache.device != sourceStamp.device, "/dev/shm is on the same file system as the test's temporary directory")
        #expect(!cache.isSameFile(as: sourceStamp))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: path)
        #expect(try await sandbox.store.update("shm").map(\.outcome) == [.unchanged], "same bytes")
        try Data(Self.feedXML(["a", "b"]).utf8).write(to: URL(fileURLWithPath: path))
        #expect(try await sandbox.store.update("shm").map(\.outcome) == [.updated])
    }
}

/// A feed server whose main feed changes when bumped; it honours If-None-Match.
final class FeedServerState: @unchecked Sendable {
    private let lock = NSLock()
    private var version = 1

    func bump() {
        lock.lock()
        version += 1
        lock.unlock()
    }

    func respond(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        lock.lock()
        let current = version
        lock.unlock()
        let etag = "\"v\(current)\""
        if request.header("If-None-Match") == etag { return .init(status: 304, headers: ["ETag": etag]) }
        switch request.path {
        case "/feeds/main.xml":
            let products = current == 1 ? ["main1"] : ["main1", "main2"]
            let body = FeedStoreTests.feedXML(products, enclosure: "apps.xml")
            return .init(status: 200, headers: ["ETag": etag], body: Array(body.utf8))
        case "/feeds/apps.xml":
            return .init(status: 200, headers: ["ETag": etag], body: Array(FeedStoreTests.feedXML(["app1"]).utf8))
        default:
            return .init(status: 404)
        }
    }
}
