import FeedModel
import PaddockXML
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The feeds the user added, kept in `feeds.json` beside the index: names, sources, kinds,
/// parents, precedence, pinned keys and rollback baselines, HTTP validators, file stamps.
///
/// The index (`catalog.sqlite`) is a cache of the feeds' cached copies and can be rebuilt from
/// them; what the user said when adding a feed cannot. So it lives in a file of its own that no
/// repair of the index removes, rewritten (atomically, while the index's write lock is held, so
/// writers take turns) by every change to the feeds, and copied out of an index made before it
/// existed the first time paddock opens it. A JSON file rather than a third database: it is
/// small, written rarely, and a person can read it when something has gone wrong.
struct FeedRegistrations {
    struct Entry: Codable, Hashable {
        var feed: FeedRecord
        /// The local feed file's stamp when it was read (`FileStamp`), nil for other feeds.
        var stamp: String?
    }

    private struct File: Codable {
        var about: String
        var format: Int
        var feeds: [Entry]
    }

    static let format = 1
    static let about =
        "The feeds added to paddock. The index (catalog.sqlite) is rebuilt from these and the cached copies in feeds/ when it is damaged; written by paddock."

    let url: URL

    /// The entries, or nil when there is no file yet (a catalogue made before paddock kept one).
    func load() throws -> [Entry]? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        do {
            let file = try JSONDecoder().decode(File.self, from: data)
            guard file.format <= Self.format else {
                throw StoreError.registrationsUnreadable(path: url.path, reason: "it is of format \(file.format), written by a newer paddock")
            }
            return file.feeds
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.registrationsUnreadable(path: url.path, reason: "it is not what paddock wrote (\(error))")
        }
    }

    /// Replaces the file: written under another name, flushed, then renamed over it, so a crash
    /// leaves either the old list or the new one.
    func save(_ entries: [Entry]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(File(about: Self.about, format: Self.format, feeds: entries))
        let temporary = url.path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure(url.path, "cannot create \(temporary)") }
        var written = 0
        let ok = data.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                written += count
            }
            return fsync(descriptor) == 0
        }
        var failure = ok ? 0 : (errno == 0 ? EIO : errno)
        close(descriptor)
        if failure == 0 && rename(temporary, url.path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw Self.failure(url.path, String(cString: strerror(failure)))
        }
        let folder = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }

    private static func failure(_ path: String, _ reason: String) -> StoreError {
        StoreError.registrationsUnwritable(path: path, reason: reason)
    }
}

/// A feed brought back into a rebuilt index from `feeds.json` (`FeedStore.restoredFeeds`).
public struct RestoredFeed: Sendable, Hashable {
    public var name: String
    public var productCount: Int
    /// Why its products could not be read back (its cached copy is missing or does not parse);
    /// the feed stays registered, and `paddock feed update NAME` reads it again.
    public var problem: String?
}

extension FeedStore {
    /// What the index says about the user's feeds (the built-in one is read from its file).
    func currentRegistrations() throws -> [FeedRegistrations.Entry] {
        try catalog.feeds().filter { $0.kind != .builtin }.map {
            FeedRegistrations.Entry(feed: $0, stamp: try catalog.stamp(ofFeed: $0.name))
        }
    }

    /// Writes `feeds.json` from the index: call inside the transaction that changed the feeds,
    /// as its last step, so that writers (who hold the index's write lock) take turns.
    func saveRegistrations() throws {
        try registrations.save(try currentRegistrations())
    }

    /// Keeps `feeds.json` true to the index when they differ: a catalogue made before the file
    /// existed (its registrations are copied out), or a paddock that died between the two.
    func syncRegistrations() throws {
        if try (try? registrations.load()) == currentRegistrations() { return }
        // Compared again with the write lock held: a writer that had written the file and not
        // yet committed has finished by then, and the two agree.
        try catalog.database.transaction {
            let current = try currentRegistrations()
            if (try? registrations.load()) != current { try registrations.save(current) }
        }
    }

    /// A new, empty index beside a `feeds.json` that lists feeds (the index was damaged and
    /// removed, by `paddock doctor` or by hand): every feed is registered again as it was, and
    /// its products read back from its cached copy.
    func restoreRegistrationsIfNeeded() throws -> [RestoredFeed] {
        guard try catalog.feeds().allSatisfy({ $0.kind == .builtin }), let entries = try registrations.load(), !entries.isEmpty else {
            return []
        }
        let names = Set(entries.map(\.feed.name))
        // Parents before their children (a child's row refers to its parent's), each by precedence.
        let ordered = entries.sorted { ($0.feed.parent == nil ? 0 : 1, $0.feed.position) < ($1.feed.parent == nil ? 0 : 1, $1.feed.position) }
        var restored: [RestoredFeed] = []
        try catalog.database.transaction {
            // Another paddock may have restored them meanwhile (it held the write lock first).
            guard try catalog.feeds().allSatisfy({ $0.kind == .builtin }) else { return }
            for var entry in ordered {
                if let parent = entry.feed.parent, !names.contains(parent) { entry.feed.parent = nil }
                let cache = cacheFile(for: entry.feed.name)
                var feed = Feed()
                var problem: String?
                if FileManager.default.fileExists(atPath: cache.path) {
                    do {
                        feed = try FeedDocumentReader.read(path: cache.path, label: entry.feed.source)
                    } catch {
                        problem = "its cached copy \(cache.path) does not parse (\(error)); run 'paddock feed update \(entry.feed.name)'"
                    }
                } else {
                    problem = "its cached copy \(cache.path) is missing; run 'paddock feed update \(entry.feed.name)'"
                }
                if problem != nil {
                    // Read in full by the next update: nothing kept says it is unchanged.
                    entry.stamp = nil
                    entry.feed.etag = nil
                    entry.feed.lastModified = nil
                }
                entry.feed.productCount = feed.products.count
                entry.feed.warningCount = feed.warnings.count
                if problem == nil { entry.feed.title = feed.title }
                try catalog.store(feed, as: entry.feed, stamp: entry.stamp)
                restored.append(RestoredFeed(name: entry.feed.name, productCount: feed.products.count, problem: problem))
            }
            try catalog.markIndexCurrent()
            try saveRegistrations()
        }
        return restored
    }
}
