import PaddockSQLite
import FeedModel
import PaddockXML
import PaddockSigning
import Foundation
import PaddockBasics
import Synchronization

/// What happened to one feed in an add or update.
public struct FeedChange: Sendable, Codable, Hashable {
    public enum Outcome: String, Sendable, Codable { case added, updated, unchanged }
    public var name: String
    public var outcome: Outcome
    public var productCount: Int
    public var warnings: [String]
}

/// The user's feeds: added by path or URL, cached so that everything works offline, indexed
/// in the catalogue. Every change is all-or-nothing: a feed that does not parse changes nothing.
public final class FeedStore {
    public let paths: PaddockPaths
    public let config: PaddockConfig
    public let catalog: Catalog
    let transport: any HTTPTransport
    private let builtinFeedPath: String?

    public static let builtinName = "builtin"

    public init(
        paths: PaddockPaths, config: PaddockConfig, transport: any HTTPTransport = URLSessionTransport(),
        builtinFeedPath: String?
    ) throws {
        self.paths = paths
        self.config = config
        self.transport = transport
        self.builtinFeedPath = config.builtinFeedPath ?? builtinFeedPath
        try paths.createDirectories()
        self.registrations = FeedRegistrations(url: paths.feedRegistrations)
        self.catalog = try Catalog(
            database: SQLiteDatabase(path: paths.catalogDatabase.path, pageSize: Self.catalogPageSize, label: Self.indexLabel))
        self.restoredFeeds = try restoreRegistrationsIfNeeded()
        if try catalog.needsReindex { try reindexFromCache() }
        try syncBuiltinFeed()
        // Best effort here (a read-only data folder still reads); every change to the feeds
        // writes the file, and fails when it cannot.
        try? syncRegistrations()
    }

    /// How errors of the index database name it.
    public static let indexLabel = "the index database"

    /// `feeds.json`: the feeds added, which a rebuild of the index cannot lose.
    let registrations: FeedRegistrations

    /// The feeds this open brought back into a new index from `feeds.json` (empty unless the
    /// index had been removed, as `paddock doctor` does with a damaged one).
    public private(set) var restoredFeeds: [RestoredFeed] = []

    // MARK: - The built-in feed

    /// Indexes the built-in feed when it changed on disk (a stat, not a parse, on every run),
    /// and drops it when the config disables it.
    private func syncBuiltinFeed() throws {
        guard config.builtinFeedEnabled, let path = builtinFeedPath,
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        else {
            if try catalog.feed(named: Self.builtinName) != nil {
                try catalog.database.transaction { try catalog.removeFeed(named: Self.builtinName) }
            }
            return
        }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let stamp = "\(path)|\(size)|\(modified)"
        guard try catalog.stamp(ofFeed: Self.builtinName) != stamp else { return }
        let feed = try parse(path: path, label: path)
        let now = Self.timestamp()
        let record = FeedRecord(
            name: Self.builtinName, source: path, kind: .builtin, parent: nil, position: 0, addedAt: now,
            refreshedAt: now, etag: nil, lastModified: nil, contentSHA256: nil, title: feed.title,
            productCount: feed.products.count, warningCount: feed.warnings.count)
        try catalog.database.transaction { try catalog.store(feed, as: record, stamp: stamp) }
    }

    /// Rebuilds every feed's rows from its cached copy (after an upgrade of paddock changed the
    /// index format), keeping names, sources, precedence and HTTP validators.
    private func reindexFromCache() throws {
        try catalog.database.transaction {
            for record in try catalog.feeds() {
                if record.kind == .builtin {
                    try catalog.removeFeed(named: record.name)  // Re-read from its file below.
                    continue
                }
                let feed = try parse(path: cacheFile(for: record.name).path, label: record.source)
                try catalog.store(feed, as: record, stamp: try catalog.stamp(ofFeed: record.name))
            }
            try catalog.markIndexCurrent()
        }
    }

    // MARK: - Adding, updating, removing

    /// Adds a feed and the child feeds it links with `rel="enclosure"`. With a key, every feed of
    /// the tree must carry a detached minisign signature by that key (`FEED.sig`), now and on
    /// every update.
    public func add(_ sourceText: String, name: String?, insecure: Bool, key: TrustedKey? = nil) async throws -> [FeedChange] {
        let source = try FeedSource.parse(sourceText, insecure: insecure)
        let feedName = name ?? source.suggestedName
        try FeedName.validate(feedName)
        if try feedName == Self.builtinName || catalog.feed(named: feedName) != nil {
            throw StoreError.feedExists(feedName)
        }
        let scratch = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        return try await writing(large: source.isLarge) {
            let loaded = try await loadTree(source, name: feedName, insecure: insecure, previous: [:], key: key, scratch: scratch)
            let position = try catalog.nextPosition()
            let changes = try commit(loaded, basePosition: position, outcome: .added)
            Self.discardInBackground(consume loaded)
            return changes
        }
    }

    /// Runs `body` in one write transaction: a local feed's products are stored while it is
    /// parsed (`ProductStream`), so the transaction spans the loading as well as the commit.
    /// Committed if `body` returns, rolled back if it throws.
    ///
    /// A large load is written with a rollback journal: pages added past the end of the file
    /// are not journaled, so they are written once, where WAL writes every page twice (to the
    /// log, then at the checkpoint). Only when no other connection has the catalogue open
    /// (leaving WAL needs it alone); WAL comes back after the commit. Crash safety and the
    /// all-or-nothing commit are the rollback journal's.
    private func writing<T>(large: Bool, _ body: () async throws -> T) async throws -> T {
        let rollbackJournal = large && catalog.database.tryJournalMode("DELETE")
        defer { if rollbackJournal { catalog.database.tryJournalMode("WAL") } }
        return try await catalog.database.transaction {
            let result = try await body()
            try saveRegistrations()
            return result
        }
    }

    /// Re-reads feeds from their sources: remote ones with If-None-Match / If-Modified-Since.
    public func update(_ name: String?) async throws -> [FeedChange] {
        let all = try catalog.feeds()
        let roots: [FeedRecord]
        if let name {
            guard let record = all.first(where: { $0.name == name }) else {
                throw StoreError.feedNotFound(name, known: all.map(\.name))
            }
            roots = [record.parent.flatMap { parent in all.first { $0.name == parent } } ?? record]
        } else {
            roots = all.filter { $0.parent == nil && $0.kind != .builtin }
        }
        var changes: [FeedChange] = []
        let scratch = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        for root in roots where root.kind != .builtin {
            let family = all.filter { $0.name == root.name || $0.parent == root.name }
            var previous: [String: FeedRecord] = [:]
            for record in family { previous[record.name] = record }
            let source = try FeedSource.parse(root.source, insecure: true)
            let key = try root.signature.map(TrustedKey.init(stored:))
            changes += try await writing(large: source.isLarge) {
                let loaded = try await loadTree(source, name: root.name, insecure: true, previous: previous, key: key, scratch: scratch)
                if loaded.allSatisfy({ $0.unchanged }) && Set(loaded.map(\.name)) == Set(family.map(\.name)) {
                    for record in family {
                        try catalog.database.query(
                            "UPDATE feeds SET refreshed_at = ? WHERE name = ?", [.text(Self.timestamp()), .text(record.name)])
                    }
                    return loaded.map {
                        FeedChange(name: $0.name, outcome: .unchanged, productCount: previous[$0.name]?.productCount ?? 0, warnings: $0.notices)
                    }
                }
                let changes = try commit(loaded, basePosition: root.position, outcome: .updated, replacing: family)
                Self.discardInBackground(consume loaded)
                return changes
            }
        }
        return changes
    }

    public func remove(_ name: String) throws -> [String] {
        if name == Self.builtinName { throw StoreError.builtinNotRemovable }
        let all = try catalog.feeds()
        guard all.contains(where: { $0.name == name }) else {
            throw StoreError.feedNotFound(name, known: all.map(\.name))
        }
        let removed = all.filter { $0.name == name || $0.parent == name }.map(\.name)
        try catalog.database.transaction {
            try catalog.removeFeed(named: name)
            try saveRegistrations()
        }
        for feed in removed { try? FileManager.default.removeItem(at: cacheFile(for: feed)) }
        return removed
    }

    // MARK: - Loading

    /// Frees parsed feeds on another thread: a large feed's model is hundreds of MB in millions
    /// of small allocations, and the caller (a command about to print and exit) need not wait.
    static func discardInBackground(_ loaded: consuming [LoadedFeed]) {
        let box = DiscardBox(loaded)
        DispatchQueue.global(qos: .utility).async { box.empty() }
    }

    /// One feed of a tree, read and parsed but not yet stored.
    struct LoadedFeed: Sendable {
        var name: String
        var parent: String?
        var source: FeedSource
        var feed: Feed?
        /// What goes into the cache: the source file (linked or copied, never read into memory)
        /// as it was when the parse began, a body, or a fetched body on disk (moved).
        var contents: Contents?
        enum Contents: Sendable {
            case file(String, FileStamp)
            case data(Data)
            case downloaded(URL)
        }
        var etag: String?
        var lastModified: String?
        /// For a signed feed: the key and what the verified signature said.
        var signature: FeedSignature?
        /// How many products went into the catalogue while the feed was read (`ProductStream`);
        /// nil when all of them are in `feed.products`.
        var streamedCount: Int?
        /// Said with the feed's change: a signed copy about to expire.
        var notices: [String] = []
        var unchanged: Bool { feed == nil }
    }

    private func loadTree(
        _ source: FeedSource, name: String, insecure: Bool, previous: [String: FeedRecord], key: TrustedKey?, scratch: URL
    ) async throws -> [LoadedFeed] {
        var result: [LoadedFeed] = []
        // Each child with what its signed parent listed for it: (listed digest, the parent lists any).
        var queue: [(FeedSource, String, String?, (String?, Bool))] = [(source, name, nil, (nil, false))]
        var seen: Set<FeedSource> = []
        while !queue.isEmpty {
            let (current, currentName, parent, snapshot) = queue.removeFirst()
            guard seen.insert(current).inserted else { continue }  // A feed linking itself, or a loop.
            var loaded = try await load(current, name: currentName, previous: previous[currentName], key: key, scratch: scratch)
            loaded.parent = parent
            if key != nil, let parent, snapshot.1 {
                try checkSnapshot(loaded, listed: snapshot.0, parent: parent)
            }
            // An unchanged parent still needs its children: read them from the cached copy.
            let feed = try loaded.feed ?? parse(path: cacheFile(for: currentName).path, label: current.description)
            let digests = feed.childFeedDigests ?? [:]
            for child in feed.childFeeds {
                let childSource = try FeedSource.parse(child, insecure: insecure, relativeTo: current)
                queue.append((childSource, "\(name)/\(childSource.suggestedName)", currentName, (digests[child], !digests.isEmpty)))
            }
            result.append(loaded)
        }
        return result
    }

    /// TUF's snapshot rule: a signed parent that lists its children's digests was published with
    /// exactly those copies; a child with other bytes (each validly signed, but from another
    /// publication) or left off the list is refused.
    private func checkSnapshot(_ loaded: LoadedFeed, listed: String?, parent: String) throws {
        let actual: String?
        switch loaded.contents {
        case .data(let data): actual = Digest.sha256Hex(data)
        case .downloaded(let file): actual = Digest.sha256Hex(file: file.path)
        case .file(let path, _): actual = Digest.sha256Hex(file: path)
        case nil: actual = Digest.sha256Hex(file: cacheFile(for: loaded.name).path)  // Unchanged: the kept copy.
        }
        guard let actual else { throw StoreError.sourceMissing(loaded.source.description) }
        guard let listed, listed == actual else {
            throw StoreError.snapshotMismatch(child: loaded.name, parent: parent, listed: listed, actual: actual)
        }
    }

    private func load(_ source: FeedSource, name: String, previous: FeedRecord?, key: TrustedKey?, scratch: URL) async throws -> LoadedFeed {
        // A kept signature that has expired or is about to is fetched again even when the feed
        // is unchanged: the publisher may have re-signed the same bytes.
        let kept = previous?.signature?.effectiveExpiry
        let revalidate = key != nil && kept.map { $0 - SignedFeedClock.now < SignedFeedClock.warningWindow } == true
        var loaded = try await fetch(source, name: name, previous: previous, key: key, scratch: scratch, revalidate: revalidate)
        if key != nil, var signature = loaded.signature ?? previous?.signature {
            // Checked on every read, an unchanged copy too: a copy served unchanged past its
            // expiry is TUF's freeze attack. Kept signatures from before paddock kept the expiry
            // get it from their trusted comment.
            signature.expiresAt = signature.effectiveExpiry
            if let notice = try SignedFeedClock.check(signature, feed: name, now: SignedFeedClock.now) { loaded.notices.append(notice) }
            loaded.signature = signature
        }
        if let previous, let feed = loaded.feed {
            try checkNotOlder(feed, signature: loaded.signature, than: previous)
        }
        loaded.signature = loaded.signature ?? previous?.signature
        return loaded
    }

    private func fetch(
        _ source: FeedSource, name: String, previous: FeedRecord?, key: TrustedKey?, scratch: URL, revalidate: Bool = false
    ) async throws -> LoadedFeed {
        switch source {
        case .file(let path):
            guard FileManager.default.isReadableFile(atPath: path) else { throw StoreError.sourceMissing(path) }
            if let previous, !revalidate, try isUnchanged(path, since: previous) {
                return LoadedFeed(name: name, source: source, feed: nil)
            }
            if let key {
                // Verified bytes are the bytes parsed and cached: the file is read once.
                guard let data = FileManager.default.contents(atPath: path) else { throw StoreError.sourceMissing(path) }
                let bytes = [UInt8](data)
                let signature = try await verify(bytes, of: source, with: key)
                return LoadedFeed(
                    name: name, source: source, feed: try parse(bytes: bytes, label: path), contents: .data(data), signature: signature)
            }
            // Parsed straight from the file: the reader streams it, nothing holds the whole text,
            // and its products go into the catalogue as they are read.
            // The stamp taken first is checked again once the cached copy is made (`commit`).
            guard let before = FileStamp(path: path) else { throw StoreError.sourceMissing(path) }
            let stream = try catalog.beginStream(feed: name, source: source.description, kind: .file)
            defer { stream.cancel() }
            let feed = try parse(path: path, label: path, emit: stream.send)
            let streamed = try stream.finish()
            return LoadedFeed(
                name: name, source: source, feed: feed, contents: .file(path, before), streamedCount: streamed)
        case .url(let url):
            var headers: [String: String] = [:]
            if let previous, !revalidate {
                if let etag = previous.etag { headers["If-None-Match"] = etag }
                if let modified = previous.lastModified { headers["If-Modified-Since"] = modified }
            }
            // Streamed to a file of the scratch folder, never held whole, and stopped at the
            // download-* limits of config.toml; the file becomes the cached copy (moved).
            let file = scratch.appendingPathComponent(UUID().uuidString + ".xml")
            let response = try await fetchBounded(url, headers: headers, limits: feedLimits, to: file)
            if response.status == 304, previous != nil {
                return LoadedFeed(name: name, source: source, feed: nil, etag: previous?.etag, lastModified: previous?.lastModified)
            }
            guard (200..<300).contains(response.status) else {
                throw StoreError.fetchFailed(url: url.absoluteString, reason: "the server answered HTTP \(response.status)")
            }
            let body = response.bodyFile ?? file
            let feed: Feed
            var signature: FeedSignature?
            if let key {
                // Verified bytes are the bytes parsed: read once, at most download-max-feed-size.
                guard let data = FileManager.default.contents(atPath: body.path) else {
                    throw StoreError.fetchFailed(url: url.absoluteString, reason: "its downloaded copy '\(body.path)' cannot be read")
                }
                let bytes = [UInt8](data)
                signature = try await verify(bytes, of: source, with: key)
                feed = try parse(bytes: bytes, label: url.absoluteString)
            } else {
                feed = try parse(path: body.path, label: url.absoluteString)
            }
            return LoadedFeed(
                name: name, source: source, feed: feed, contents: .downloaded(body),
                etag: response.header("ETag"), lastModified: response.header("Last-Modified"), signature: signature)
        }
    }

    /// Whether a local feed is as it was when last read: by its stamp when it has not changed
    /// (a stat, not a read); else, when the cached copy is a file of its own, by content (the
    /// file touched but not edited); a cached copy that is a link to the file changed with it.
    private func isUnchanged(_ path: String, since previous: FeedRecord) throws -> Bool {
        let cache = cacheFile(for: previous.name).path
        guard let current = FileStamp(path: path) else { return false }
        if let stored = try storedFileStamp(of: previous.name), stored == current { return true }
        if let cached = FileStamp(path: cache), cached.isSameFile(as: current) { return false }
        return Self.sameContents(path, cache)
    }

    /// The stamp of a local feed's file as it was when read (nil for other feeds).
    private func storedFileStamp(of feedName: String) throws -> FileStamp? {
        try catalog.stamp(ofFeed: feedName).flatMap { FileStamp(stamp: $0) }
    }

    /// Whether two files hold the same bytes: sizes first, then 1 MB at a time.
    static func sameContents(_ a: String, _ b: String) -> Bool {
        let manager = FileManager.default
        guard let sizeA = (try? manager.attributesOfItem(atPath: a))?[.size] as? NSNumber,
            let sizeB = (try? manager.attributesOfItem(atPath: b))?[.size] as? NSNumber, sizeA == sizeB,
            let handleA = FileHandle(forReadingAtPath: a), let handleB = FileHandle(forReadingAtPath: b)
        else { return false }
        defer {
            try? handleA.close()
            try? handleB.close()
        }
        while true {
            let chunkA = (try? handleA.read(upToCount: 1 << 20)) ?? Data()
            let chunkB = (try? handleB.read(upToCount: 1 << 20)) ?? Data()
            if chunkA != chunkB { return false }
            if chunkA.isEmpty { return true }
        }
    }

    // MARK: - Bounded fetches

    /// The limits of config.toml for a feed's body.
    var feedLimits: FetchLimits {
        FetchLimits(
            maxBytes: config.downloadMaxFeedSize, minSpeed: config.downloadMinSpeed, stallSeconds: config.downloadStallSeconds,
            deadline: config.downloadDeadline)
    }

    /// A minisign signature is under 1 KB; nothing larger than this is read.
    static let maxSignatureSize: Int64 = 64 << 10

    var signatureLimits: FetchLimits {
        var limits = feedLimits
        limits.maxBytes = Self.maxSignatureSize
        return limits
    }

    /// A GET through the transport, its failures as `StoreError.fetchFailed` naming the URL, the
    /// limit and the setting of config.toml that changes it.
    func fetchBounded(_ url: URL, headers: [String: String], limits: FetchLimits, to file: URL?) async throws -> HTTPResponse {
        do {
            return try await transport.get(url, headers: headers, limits: limits, to: file)
        } catch let limit as FetchLimitExceeded {
            throw StoreError.fetchFailed(url: url.absoluteString, reason: Self.describe(limit, signature: limits.maxBytes == Self.maxSignatureSize && file == nil))
        } catch {
            throw StoreError.fetchFailed(url: url.absoluteString, reason: Self.describe(error))
        }
    }

    static func describe(_ limit: FetchLimitExceeded, signature: Bool) -> String {
        switch limit {
        case .tooLarge(let bytes) where signature:
            return "more than \(LimitWords.bytes(bytes)), and a minisign signature is under 1 KB"
        case .tooLarge(let bytes):
            return "more than \(LimitWords.bytes(bytes)) (download-max-feed-size in config.toml)"
        case .noAnswer(let seconds):
            return "no answer within \(LimitWords.seconds(seconds))"
        case .stalled(let seconds):
            return "no data for \(LimitWords.seconds(seconds)) (download-stall-seconds in config.toml)"
        case .tooSlow(let minSpeed, let seconds):
            return "slower than \(LimitWords.bytes(minSpeed))/s for \(LimitWords.seconds(seconds)) (download-min-speed, download-stall-seconds in config.toml)"
        case .deadline(let seconds):
            return "not finished within \(LimitWords.seconds(seconds)) (download-deadline in config.toml)"
        case .redirectRefused(let location):
            return "the server redirects to '\(location.escapingControlCharacters)', which is not an http(s) address; paddock does not follow it"
        }
    }

    /// A folder of its own for one add or update's fetched bodies, beside the cached copies (so
    /// they are moved, not copied, into place); removed when it ends.
    private func makeScratchFolder() throws -> URL {
        let folder = paths.feedCache.appendingPathComponent(".fetch-\(getpid())-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if (error as? URLError)?.code == .httpTooManyRedirects || (nsError.domain == NSURLErrorDomain && nsError.code == NSURLErrorHTTPTooManyRedirects) {
            // Foundation on Linux loops on a Location it will not follow (file://) instead of
            // asking the delegate; nothing local is read either way.
            return "the server redirects too many times, or to an address that is not http(s) (such as file://), which paddock does not follow"
        }
        return nsError.localizedDescription.isEmpty ? "\(error)" : nsError.localizedDescription
    }

    private func parse(path: String, label: String, emit: ((Product) throws -> Void)? = nil) throws -> Feed {
        do { return try FeedDocumentReader.read(path: path, label: label, emit: emit) } catch let error as XMLSyntaxError {
            throw StoreError.malformedFeed(error)
        }
    }

    private func parse(bytes: [UInt8], label: String) throws -> Feed {
        do { return try FeedDocumentReader.read(bytes: bytes, label: label) } catch let error as XMLSyntaxError {
            throw StoreError.malformedFeed(error)
        }
    }

    // MARK: - Storing

    public func cacheFile(for feedName: String) -> URL {
        paths.feedCache.appendingPathComponent(feedName.replacingOccurrences(of: "/", with: "~") + ".xml")
    }

    /// The cached copy of a feed, for reading its XML again (an offline bundle's excerpt): refused
    /// when it is a link to a local file edited since it was read, whose entries the catalogue
    /// no longer describes.
    public func cachedFeedFile(for record: FeedRecord) throws -> URL {
        let cache = cacheFile(for: record.name)
        if let stored = try storedFileStamp(of: record.name),
            let current = FileStamp(path: cache.path), current.isSameFile(as: stored), current != stored
        {
            throw StoreError.feedFileEdited(feed: record.name, path: record.source)
        }
        return cache
    }

    /// Writes cached copies (to temporary names first) and the index, in the caller's transaction
    /// (`writing`); on any failure the temporaries are removed and the catalogue is as it was.
    private func commit(
        _ loaded: [LoadedFeed], basePosition: Int, outcome: FeedChange.Outcome, replacing family: [FeedRecord] = []
    ) throws -> [FeedChange] {
        var staged: [(temporary: URL, final: URL)] = []
        defer { for file in staged { try? FileManager.default.removeItem(at: file.temporary) } }
        var copies: [(contents: LoadedFeed.Contents, temporary: URL)] = []
        for feed in loaded {
            guard let contents = feed.contents else { continue }
            let final = cacheFile(for: feed.name)
            let temporary = final.appendingPathExtension("tmp-\(getpid())")
            try? FileManager.default.removeItem(at: temporary)
            copies.append((contents, temporary))
            staged.append((temporary, final))
        }
        // The cached copies are written on another thread while this one writes the index;
        // they take their final names only once both are done.
        let copier = CacheCopier(copies)
        defer { copier.wait() }  // Before the temporaries are removed (defers run last first).
        let now = Self.timestamp()
        var changes: [FeedChange] = []
        do {
            let keep = Set(loaded.map(\.name))
            for old in family where !keep.contains(old.name) { try catalog.removeFeed(named: old.name) }
            // New feeds take fresh positions: on an add, just above every other feed (children just
            // above their parent, so a later-added feed still wins); on an update, a newly linked
            // child goes above every position in use, so it can never share one with another feed.
            var nextPosition = max(basePosition, try catalog.nextPosition())
            for item in loaded {
                let old = family.first { $0.name == item.name }
                let feed = try item.feed ?? parse(path: cacheFile(for: item.name).path, label: item.source.description)
                // Children sit just above their parent, so a parent's later siblings still win.
                let record = FeedRecord(
                    name: item.name, source: item.source.description, kind: item.source.isFile ? .file : .url,
                    parent: item.parent, position: old?.position ?? nextPosition, addedAt: old?.addedAt ?? now,
                    refreshedAt: now, etag: item.etag, lastModified: item.lastModified, contentSHA256: nil,
                    title: feed.title, productCount: (item.streamedCount ?? 0) + feed.products.count,
                    warningCount: feed.warnings.count,
                    signature: item.signature ?? old?.signature, updated: feed.updated?.text)
                if old == nil { nextPosition += 1 }
                let stamp: String?
                switch item.contents {
                case .file(_, let before): stamp = before.description
                case .data, .downloaded: stamp = nil
                case nil: stamp = try catalog.stamp(ofFeed: item.name)  // Unchanged: as it was.
                }
                try catalog.store(feed, as: record, stamp: stamp, streamed: item.streamedCount != nil)
                changes.append(
                    FeedChange(
                        name: item.name, outcome: item.unchanged ? .unchanged : outcome, productCount: record.productCount,
                        warnings: item.notices + feed.warnings.map { "\(item.source.description):\($0.line):\($0.column): \($0.message)" }))
            }
            if let failure = copier.wait() { throw failure }
            for file in staged {
                _ = try? FileManager.default.removeItem(at: file.final)
                try FileManager.default.moveItem(at: file.temporary, to: file.final)
            }
        }
        return changes
    }

    /// The catalogue's page size. A product row (its columns and encoded body) is about 2 KB, so
    /// SQLite's default 4 KB pages hold one row each and waste the rest; 16 KB pages hold seven.
    /// Measured on 100,000 products: a database of 267 MB, not 375, and a load a second faster
    /// (fewer pages written). Catalogues created before keep their 4 KB pages.
    static let catalogPageSize = 16384

    /// From what size a local feed is loaded with a rollback journal (see `writing`): about
    /// 20,000 entries of a WebPI feed.
    static let bulkLoadBytes: Int64 = 64 << 20

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}

extension FeedSource {
    var isFile: Bool { if case .file = self { return true } else { return false } }

    /// A local file of `FeedStore.bulkLoadBytes` or more.
    var isLarge: Bool {
        guard case .file(let path) = self, let stamp = FileStamp(path: path) else { return false }
        return stamp.size >= FeedStore.bulkLoadBytes
    }
}

/// Writes cached feed copies on a thread of its own (see `FeedStore.commit`). Not a channel:
/// one piece of work and its outcome, so a semaphore to wait for the thread and a Mutex for
/// the outcome.
private final class CacheCopier: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let state = Mutex<(waited: Bool, failure: (any Error)?)>((false, nil))

    init(_ copies: [(contents: FeedStore.LoadedFeed.Contents, temporary: URL)]) {
        let thread = Thread { [self] in
            defer { done.signal() }
            do {
                for (contents, temporary) in copies {
                    switch contents {
                    case .file(let path, let before):
                        // A hard link where the file system allows it: no copy of a feed that may be
                        // hundreds of MB. Either way the file must still be the one parsed.
                        if !FileStamp.link(path, to: temporary.path) {
                            try FileManager.default.copyItem(atPath: path, toPath: temporary.path)
                        }
                        guard FileStamp(path: path) == before else { throw StoreError.changedWhileReading(path) }
                    case .data(let data): try data.write(to: temporary)
                    case .downloaded(let file): try FileManager.default.moveItem(at: file, to: temporary)
                    }
                }
            } catch {
                state.withLock { $0.failure = error }
            }
        }
        thread.start()
    }

    /// Waits for the copies (once; later calls return at once) and returns the first error.
    @discardableResult
    func wait() -> (any Error)? {
        let alreadyWaited = state.withLock { state -> Bool in
            defer { state.waited = true }
            return state.waited
        }
        if !alreadyWaited { done.wait() }
        return state.withLock { $0.failure }
    }
}

/// Holds parsed feeds until `empty` frees them on the thread that calls it. Not a channel: a
/// box handed to one other thread; the Mutex is what makes handing it over safe (Sendable)
/// without an unchecked promise, and is never contended.
private final class DiscardBox: Sendable {
    private let contents: Mutex<[FeedStore.LoadedFeed]>
    init(_ contents: consuming [FeedStore.LoadedFeed]) { self.contents = Mutex(contents) }
    func empty() { contents.withLock { $0 = [] } }
}
