import PaddockBasics
import PaddockSQLite
import FeedModel
import Foundation

/// A feed as registered in the catalogue.
public struct FeedRecord: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable { case file, url, builtin }
    public var name: String
    public var source: String
    public var kind: Kind
    public var parent: String?
    /// Precedence: a higher position wins when two feeds define the same product.
    public var position: Int
    public var addedAt: String
    public var refreshedAt: String
    public var etag: String?
    public var lastModified: String?
    public var contentSHA256: String?
    public var title: String?
    public var productCount: Int
    public var warningCount: Int
    /// For a feed added with `--key`: the key, and what the accepted copy's signature said.
    public var signature: FeedSignature? = nil
    /// The feed's own `<updated>` text, as the accepted copy had it (the rollback rule).
    public var updated: String? = nil
}

/// One product as the catalogue holds it: which feed it came from, and the product.
public struct CatalogProduct: Sendable, Hashable {
    public var feed: String
    public var position: Int
    public var product: Product
}

/// A short row for listings and search results.
public struct ProductSummary: Codable, Sendable, Hashable {
    public var productId: String
    public var feed: String
    public var title: String?
    public var version: String?
    public var summary: String?
    public var keywords: [String]
    public var isApplication: Bool
    public var hasLinuxInstaller: Bool
}

/// The index kept with the store: list, search and show answer from it without re-reading
/// any feed.
public final class Catalog {
    let database: SQLiteDatabase
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()
    private let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    public init(database: SQLiteDatabase) throws {
        self.database = database
        try database.migrate(CatalogSchema.migrations)
        // A large page cache for loading big feeds (pages are allocated as used).
        try database.execute("PRAGMA cache_size = -65536")
        // Debian builds SQLite to zero every byte it frees; the catalogue holds only what feeds
        // publish, and the zeroing costs a large feed's load (and every update that replaces it).
        try database.execute("PRAGMA secure_delete = OFF")
    }

    /// True when the rows were written by a paddock whose product model had another shape.
    public var needsReindex: Bool {
        get throws {
            let stored = try database.query("SELECT value FROM settings WHERE key = 'index_format'").first?.first?.textValue
            return stored != String(CatalogSchema.indexFormat)
        }
    }

    func markIndexCurrent() throws {
        try database.query(
            "INSERT OR REPLACE INTO settings(key, value) VALUES('index_format', ?)", [.text(String(CatalogSchema.indexFormat))])
    }

    // MARK: - Feeds

    public func feeds() throws -> [FeedRecord] {
        try database.query(
            """
            SELECT name, source, kind, parent, position, added_at, refreshed_at, etag, last_modified,
                   content_sha256, title, product_count, warning_count, meta
            FROM feeds ORDER BY position
            """
        ).map { row in
            let meta = row[13].blobValue.flatMap { try? decoder.decode(FeedMeta.self, from: Data($0)) }
            return FeedRecord(
                name: row[0].textValue ?? "", source: row[1].textValue ?? "",
                kind: FeedRecord.Kind(rawValue: row[2].textValue ?? "") ?? .file, parent: row[3].textValue,
                position: Int(row[4].integerValue ?? 0), addedAt: row[5].textValue ?? "",
                refreshedAt: row[6].textValue ?? "", etag: row[7].textValue, lastModified: row[8].textValue,
                contentSHA256: row[9].textValue, title: row[10].textValue,
                productCount: Int(row[11].integerValue ?? 0), warningCount: Int(row[12].integerValue ?? 0),
                signature: meta?.signature, updated: meta?.updated)
        }
    }

    public func feed(named name: String) throws -> FeedRecord? { try feeds().first { $0.name == name } }

    public func stamp(ofFeed name: String) throws -> String? {
        try database.query("SELECT stamp FROM feeds WHERE name = ?", [.text(name)]).first?.first?.textValue
    }

    func nextPosition() throws -> Int {
        Int(try database.query("SELECT COALESCE(MAX(position), 0) + 1 FROM feeds").first?.first?.integerValue ?? 1)
    }

    /// Starts storing a feed's products as they are read (see `ProductStream`), in the caller's
    /// transaction: what the catalogue held for the feed goes, and a placeholder row stands for
    /// the feed until `store(_:as:stamp:streamed:)` writes the real one.
    func beginStream(feed name: String, source: String, kind: FeedRecord.Kind) throws -> ProductStream {
        try removeContents(ofFeed: name)
        try database.query(
            """
            INSERT OR IGNORE INTO feeds(name, source, kind, position, added_at, refreshed_at, product_count, warning_count)
            VALUES(?, ?, ?, 0, '', '', 0, 0)
            """, [.text(name), .text(source), .text(kind.rawValue)])
        return ProductStream(
            insert: try database.prepare(Self.insertProductSQL), index: try database.prepare(Self.indexProductSQL),
            database: database, feed: name)
    }

    /// The rowid the next product will get: rows stored from then on are those from it up.
    private func nextRowID() throws -> Int64 {
        try database.query("SELECT COALESCE(MAX(rowid), 0) + 1 FROM products").first?.first?.integerValue ?? 1
    }

    static let insertProductSQL = """
        INSERT INTO products(feed, product_key, product_id, title, version, summary, keywords,
                             is_application, search_exclude, has_linux, body, winner)
        VALUES(?,?,?,?,?,?,?,?,?,?,?,1)
        """

    /// A product's row in the full-text index: its rowid, then `productRow`'s id, title, summary and keywords.
    static let indexProductSQL = """
        INSERT INTO product_search(rowid, product_id, title, summary, keywords) VALUES(?,?,?,?,?)
        """

    /// A product's row in `products` (all but the winner flag).
    static func productRow(_ product: Product, feed: SQLiteValue, key: String? = nil) -> [SQLiteValue] {
        [
            feed, .text(key ?? product.productId.lowercased()), .text(product.productId), SQLiteValue(product.title),
            SQLiteValue(product.version), SQLiteValue(product.summary), .text(product.keywords.joined(separator: " ")),
            .integer(product.isApplication ? 1 : 0), .integer(product.searchExclude ? 1 : 0),
            .integer(product.hasLinuxInstaller ? 1 : 0), .blob(ProductCodec.encode(product)),
        ]
    }

    /// Replaces everything known of `record.name` with `feed`, in the caller's transaction. With
    /// `streamed`, the feed's products went in (and were indexed for search) while it was read
    /// (`beginStream`); those in `feed.products`, if any, are added to them.
    func store(_ feed: Feed, as record: FeedRecord, stamp: String?, streamed: Bool = false) throws {
        if !streamed { try removeContents(ofFeed: record.name) }
        // The rows this call inserts are from here on (streamed ones are below).
        let firstRowID = try nextRowID()
        try database.query(
            """
            INSERT INTO feeds(name, source, kind, parent, position, added_at, refreshed_at, etag, last_modified,
                              content_sha256, stamp, title, product_count, warning_count, meta)
            VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(name) DO UPDATE SET source = excluded.source, kind = excluded.kind, parent = excluded.parent,
                position = excluded.position, added_at = excluded.added_at, refreshed_at = excluded.refreshed_at,
                etag = excluded.etag, last_modified = excluded.last_modified, content_sha256 = excluded.content_sha256,
                stamp = excluded.stamp, title = excluded.title, product_count = excluded.product_count,
                warning_count = excluded.warning_count, meta = excluded.meta
            """,
            [
                .text(record.name), .text(record.source), .text(record.kind.rawValue), SQLiteValue(record.parent),
                .integer(Int64(record.position)), .text(record.addedAt), .text(record.refreshedAt),
                SQLiteValue(record.etag), SQLiteValue(record.lastModified), SQLiteValue(record.contentSHA256),
                SQLiteValue(stamp), SQLiteValue(feed.title), .integer(Int64(record.productCount)),
                .integer(Int64(feed.warnings.count)), meta(record),
            ])
        let insertProduct = try database.prepare(Self.insertProductSQL)
        let feedName = SQLiteValue.text(record.name)
        // In key order, so the primary key and the indexes on product_key grow at their ends
        // instead of touching random pages (a large feed's index is far bigger than the cache).
        let keys = feed.products.map { $0.productId.lowercased() }
        let order = keys.indices.sorted(by: { keys[$0] < keys[$1] })
        // The rows' values (the encoded body above all) are made on a second thread, a few
        // chunks ahead of this one, which only binds and inserts.
        let products = feed.products
        let rows = AheadOfTime(count: order.count) { position -> [SQLiteValue] in
            let index = order[position]
            return Self.productRow(products[index], feed: feedName, key: keys[index])
        }
        defer { rows.stop() }
        while let chunk = rows.next() {
            for row in chunk { try insertProduct.run(row) }
        }
        // The full-text index reads the rows just written (external content: the text is stored
        // once), in rowid order: in the order of the key index they would be read back page by
        // page from all over the table. (`+feed` keeps SQLite from choosing the key index.)
        try database.query(
            """
            INSERT INTO product_search(rowid, product_id, title, summary, keywords)
            SELECT rowid, product_id, title, summary, keywords FROM products WHERE rowid >= ? AND +feed = ?
            """, [.integer(firstRowID), feedName])
        try refreshWinners()
        let insertKeyword = try database.prepare("INSERT OR REPLACE INTO keywords(feed, id, title) VALUES(?,?,?)")
        for keyword in feed.keywords {
            try insertKeyword.run([feedName, .text(keyword.id), .text(keyword.title)])
        }
        let insertSet = try database.prepare("INSERT INTO named_sets(feed, name, body) VALUES(?,?,?)")
        for (name, expression) in feed.namedDependencies.sorted(by: { $0.key < $1.key }) {
            try insertSet.run([feedName, .text(name), .blob(Array(try encoder.encode(expression)))])
        }
        // A name that is both a list and an os means the list, as the feed reader resolves it.
        var lists = feed.namedOperatingSystems.mapValues { [$0] }
        lists.merge(feed.namedOSLists) { _, list in list }
        let insertList = try database.prepare("INSERT INTO os_lists(feed, name, body) VALUES(?,?,?)")
        for (name, list) in lists.sorted(by: { $0.key < $1.key }) {
            try insertList.run([feedName, .text(name), .blob(Array(try encoder.encode(list)))])
        }
        let insertOS = try database.prepare("INSERT INTO oses(feed, name, body) VALUES(?,?,?)")
        for (name, os) in feed.namedOperatingSystems.sorted(by: { $0.key < $1.key }) {
            try insertOS.run([feedName, .text(name), .blob(Array(try encoder.encode(os)))])
        }
        osListCache.removeAll()
        osCache.removeAll()
    }

    /// Named os lists and oses read back, by feed and name (a product read refers to a few).
    private var osListCache: [String: [OperatingSystemSpec]?] = [:]
    private var osCache: [String: OperatingSystemSpec?] = [:]

    /// Fills in the installers whose `osList idref`, or whose inline list's `<os idref>`s, were
    /// left for the reader (see `beginStream`).
    private func resolveOSLists(_ product: inout Product, feed: String) throws {
        for index in product.installers.indices {
            product.installers[index].operatingSystems = try product.installers[index].operatingSystems.resolvingReferences {
                try named($0, in: "oses", feed: feed, cache: &osCache)
            }
            let installer = product.installers[index]
            guard let reference = installer.osListReference, installer.operatingSystems.isEmpty else { continue }
            if let list = try named(reference, in: "os_lists", feed: feed, cache: &osListCache) {
                product.installers[index].operatingSystems = list
            }
        }
    }

    /// A feed's named piece kept as JSON in `table` (`os_lists`, `oses`): read once per feed and name.
    private func named<T: Decodable>(_ name: String, in table: String, feed: String, cache: inout [String: T?]) throws -> T? {
        let key = feed + "\n" + name
        if let cached = cache[key] { return cached }
        let body = try database.query("SELECT body FROM \(table) WHERE feed = ? AND name = ?", [.text(feed), .text(name)])
            .first?.first?.blobValue
        let value = try body.map { try decoder.decode(T.self, from: Data($0)) }
        cache[key] = .some(value)
        return value
    }

    private func meta(_ record: FeedRecord) throws -> SQLiteValue {
        guard record.signature != nil || record.updated != nil else { return .null }
        return .blob(Array(try encoder.encode(FeedMeta(signature: record.signature, updated: record.updated))))
    }

    /// Keeps `winner` true on exactly one definition of each product id: the one from the
    /// highest-position feed. Rows are inserted as winners; this settles the ids defined by more
    /// than one feed, and the ids whose winner was removed. Both sets are found in one pass over
    /// the key index (it holds the flag), without touching the rows of ids only one feed defines.
    func refreshWinners() throws {
        try database.query(
            """
            UPDATE products SET winner = (rowid = (
                SELECT p2.rowid FROM products p2 JOIN feeds f2 ON f2.name = p2.feed
                WHERE p2.product_key = products.product_key ORDER BY f2.position DESC, p2.feed LIMIT 1))
            WHERE product_key IN (
                SELECT product_key FROM products GROUP BY product_key HAVING COUNT(*) > 1 OR MAX(winner) = 0)
            """)
    }

    func removeContents(ofFeed name: String) throws {
        // An external-content index forgets a row through 'delete' with the text it indexed.
        try database.query(
            """
            INSERT INTO product_search(product_search, rowid, product_id, title, summary, keywords)
            SELECT 'delete', rowid, product_id, title, summary, keywords FROM products WHERE feed = ?
            """, [.text(name)])
        try database.query("DELETE FROM products WHERE feed = ?", [.text(name)])
        try database.query("DELETE FROM keywords WHERE feed = ?", [.text(name)])
        try database.query("DELETE FROM named_sets WHERE feed = ?", [.text(name)])
        try database.query("DELETE FROM os_lists WHERE feed = ?", [.text(name)])
        try database.query("DELETE FROM oses WHERE feed = ?", [.text(name)])
        osListCache.removeAll()
        osCache.removeAll()
    }

    func removeFeed(named name: String) throws {
        for child in try feeds().filter({ $0.parent == name }) { try removeFeed(named: child.name) }
        try removeContents(ofFeed: name)
        try database.query("DELETE FROM feeds WHERE name = ?", [.text(name)])
        try refreshWinners()
    }

    // MARK: - Products

    /// Every definition of a product id (case-insensitive), the winning one first.
    public func products(withId id: String) throws -> [CatalogProduct] {
        let rows = try database.query(
            """
            SELECT products.feed, feeds.position, products.body FROM products JOIN feeds ON feeds.name = products.feed
            WHERE products.product_key = ? ORDER BY feeds.position DESC
            """, [.text(id.lowercased())])
        return try rows.map { row in
            let feed = row[0].textValue ?? ""
            var product = try ProductCodec.decode(row[2].blobValue ?? [])
            try resolveOSLists(&product, feed: feed)
            return CatalogProduct(feed: feed, position: Int(row[1].integerValue ?? 0), product: product)
        }
    }

    /// `FEED:PRODUCT` picks one feed's definition; a plain id picks the winner.
    public func resolve(_ reference: String) throws -> [CatalogProduct] {
        if let colon = reference.firstIndex(of: ":") {
            let feed = String(reference[..<colon])
            let id = String(reference[reference.index(after: colon)...])
            return try products(withId: id).filter { $0.feed == feed }
        }
        let byId = try products(withId: reference)
        if !byId.isEmpty { return byId }
        // WebPICmd's /Application: accepts a title as well as an id.
        let byTitle = try database.query(
            "SELECT product_id FROM products WHERE lower(title) = ? LIMIT 1", [.text(reference.lowercased())])
        if let id = byTitle.first?.first?.textValue { return try products(withId: id) }
        return []
    }

    public func namedSet(_ name: String, feed: String) throws -> DependencyExpression? {
        let rows = try database.query(
            "SELECT body FROM named_sets WHERE feed = ? AND name = ?", [.text(feed), .text(name)])
        guard let body = rows.first?.first?.blobValue else { return nil }
        return try decoder.decode(DependencyExpression.self, from: Data(body))
    }

    /// Named sets of any feed, the highest-precedence feed first (for cross-feed idrefs).
    public func namedSetAnywhere(_ name: String) throws -> (feed: String, expression: DependencyExpression)? {
        let rows = try database.query(
            """
            SELECT named_sets.feed, named_sets.body FROM named_sets JOIN feeds ON feeds.name = named_sets.feed
            WHERE named_sets.name = ? ORDER BY feeds.position DESC LIMIT 1
            """, [.text(name)])
        guard let row = rows.first, let body = row[1].blobValue else { return nil }
        return (row[0].textValue ?? "", try decoder.decode(DependencyExpression.self, from: Data(body)))
    }

    private static let summaryColumns =
        "p.product_id, p.feed, p.title, p.version, p.summary, p.keywords, p.is_application, p.has_linux"

    private func summary(_ row: [SQLiteValue]) -> ProductSummary {
        ProductSummary(
            productId: row[0].textValue ?? "", feed: row[1].textValue ?? "", title: row[2].textValue,
            version: row[3].textValue, summary: row[4].textValue,
            keywords: (row[5].textValue ?? "").split(separator: " ").map(String.init),
            isApplication: row[6].integerValue == 1, hasLinuxInstaller: row[7].integerValue == 1)
    }

    /// The winning definition of every product, optionally with a keyword, by id.
    public func list(keyword: String? = nil, includeExcluded: Bool = false) throws -> [ProductSummary] {
        var sql = """
            SELECT \(Self.summaryColumns) FROM products p WHERE p.winner = 1
            """
        var arguments: [SQLiteValue] = []
        if !includeExcluded { sql += " AND p.search_exclude = 0" }
        if let keyword {
            sql += " AND (' ' || lower(p.keywords) || ' ') LIKE ?"
            arguments.append(.text("% \(keyword.lowercased()) %"))
        }
        sql += " ORDER BY p.product_key"
        return try database.query(sql, arguments).map(summary)
    }

    /// Full-text search over ids, titles, summaries and keywords; best matches first.
    public func search(_ text: String, limit: Int = 50) throws -> [ProductSummary] {
        let terms = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        guard !terms.isEmpty else { return [] }
        // Each word is quoted (no FTS syntax from the user) and matched as a prefix.
        let match = terms.map { "\"\($0.replacingOccurrences(of: "\"", with: ""))\"*" }.joined(separator: " ")
        let rows = try database.query(
            """
            SELECT \(Self.summaryColumns) FROM product_search s JOIN products p ON p.rowid = s.rowid
            WHERE product_search MATCH ? AND p.winner = 1 AND p.search_exclude = 0
            ORDER BY s.rank LIMIT ?
            """, [.text(match), .integer(Int64(limit))])
        return rows.map(summary)
    }

    /// Ids close to `id` by edit distance, for "did you mean".
    public func suggestions(for id: String, limit: Int = 3) throws -> [String] {
        let ids = try database.query("SELECT DISTINCT product_id FROM products").compactMap { $0.first?.textValue }
        return DidYouMean.suggestions(for: id, among: ids, limit: limit)
    }

    /// Keyword ids defined by more than one feed, with the feed that wins.
    public func keywords() throws -> [(id: String, title: String, feed: String)] {
        try database.query(
            """
            SELECT k.id, k.title, k.feed FROM keywords k JOIN feeds f ON f.name = k.feed ORDER BY k.id, f.position DESC
            """
        ).map { ($0[0].textValue ?? "", $0[1].textValue ?? "", $0[2].textValue ?? "") }
    }
}

/// Makes `count` values on a thread of its own, in order, in chunks, at most `lookahead` chunks
/// ahead of the consumer (memory stays bounded), while the consumer takes them with `next`.
final class AheadOfTime<Value: Sendable>: Sendable {
    private let channel: BoundedChannel<[Value], Never>
    private let done = DispatchSemaphore(value: 0)

    init(count: Int, chunkSize: Int = 512, lookahead: Int = 8, make: @escaping @Sendable (Int) -> Value) {
        let channel = BoundedChannel<[Value], Never>(capacity: lookahead)
        self.channel = channel
        let done = done
        let thread = Thread {
            defer { done.signal() }
            for start in stride(from: 0, to: count, by: chunkSize) {
                guard channel.send((start..<min(count, start + chunkSize)).map(make)) else { return }
            }
            channel.finish()
        }
        thread.start()
    }

    /// The next chunk of values, in order, waiting for it if needed; nil after the last.
    func next() -> [Value]? { channel.receive() }

    /// Stops making values (if not done) and waits for the thread to end. Once only.
    func stop() {
        channel.cancel()
        done.wait()
    }
}
