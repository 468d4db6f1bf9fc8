import FeedModel
import Foundation
import PaddockSQLite

/// A product paddock installed (or an app's piece of one), as the state database has it.
public struct InstalledProduct: Codable, Sendable, Hashable {
    public var productId: String
    /// The app whose environment holds it, or "" for system and user scope.
    public var app: String
    public var version: String?
    public var feed: String?
    public var installerId: String?
    public var kind: String
    public var scope: String
    public var installedAt: String
    /// Asked for by the user, not only pulled in as a dependency.
    public var requested: Bool

    public init(
        productId: String, app: String = "", version: String?, feed: String?, installerId: String?, kind: String,
        scope: String, installedAt: String = StateStore.timestamp(), requested: Bool
    ) {
        self.productId = productId
        self.app = app
        self.version = version
        self.feed = feed
        self.installerId = installerId
        self.kind = kind
        self.scope = scope
        self.installedAt = installedAt
        self.requested = requested
    }
}

/// Something a product put down: a file or folder, an apt or pip package.
public struct Receipt: Codable, Sendable, Hashable {
    /// What a receipt names: a file or folder paddock put down, or a package of an installer
    /// kind (its name: `apt`, `pip`, one defined as data), which that kind removes.
    public struct Kind: RawRepresentable, Codable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let file = Kind(rawValue: "file")
        public static let directory = Kind(rawValue: "directory")
        /// A package of the installer kind `kind`.
        public static func package(_ kind: String) -> Kind { Kind(rawValue: kind) }
        public var isPath: Bool { self == .file || self == .directory }
    }
    public var kind: Kind
    public var path: String
    public var sha256: String?
    public init(kind: Kind, path: String, sha256: String? = nil) {
        self.kind = kind
        self.path = path
        self.sha256 = sha256
    }
}

/// paddock's installed state: one SQLite database with a schema version, written in
/// transactions, next to a lock file that serialises writers across processes.
public final class StateStore {
    let database: SQLiteDatabase
    public let directory: URL
    /// The folders paddock owns (its data, cache and state): a rollback or a commit touches a
    /// path the journal names only when it lies under one of them (or is an app's own folder,
    /// see `InstallTransaction.rollback`).
    public let ownedRoots: [URL]

    /// Opens (creating on first use) `state.sqlite` in `directory`.
    ///
    /// A database without paddock's tables (a missing file, a 0-byte one, one whose tables are
    /// gone) is made afresh only when nothing on disk says paddock installed anything: when
    /// `programs` (where archive products are unpacked), the apps' state folders or the install
    /// logs hold something, the record of it is lost, and reading the new empty database as
    /// "nothing installed" would be a silent lie; `StateDatabaseError.lost` says so instead.
    public init(directory: URL, ownedRoots: [URL] = [], programs: URL? = nil) throws {
        self.directory = directory
        self.ownedRoots = ownedRoots.isEmpty ? [directory] : ownedRoots
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = Self.databasePath(in: directory)
        // Checked before SQLite opens (and would create) a missing or empty file.
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber
        if size == nil || size?.intValue == 0 {
            let found = Self.footprints(in: directory, programs: programs)
            if !found.isEmpty { throw StateDatabaseError.lost(path: path, condition: size == nil ? "is missing" : "is empty (0 bytes)", found: found) }
        }
        database = try SQLiteDatabase(path: path, label: Self.databaseLabel)
        if try database.userVersion == 0 {
            let found = Self.footprints(in: directory, programs: programs)
            if !found.isEmpty { throw StateDatabaseError.lost(path: path, condition: "has none of its tables", found: found) }
        }
        try database.migrate(StateSchema.migrations)
    }

    /// How errors of the state database name it.
    public static let databaseLabel = "the state database"

    public static func databasePath(in directory: URL) -> String { directory.appendingPathComponent("state.sqlite").path }
    public static func lockPath(in directory: URL) -> String { directory.appendingPathComponent("paddock.lock").path }

    public var lockPath: String { Self.lockPath(in: directory) }

    /// What paddock leaves on disk when it installs: archive products' folders under
    /// `programs`, apps' state folders (`apps/APP`) and install logs (`logs/install-N.log`) in
    /// the state folder. Each with what it is, for messages: "program folder /…/programs/a".
    /// Only what paddock makes counts: folders and files, not symbolic links someone put there.
    public static func footprints(in directory: URL, programs: URL?) -> [StateFootprint] {
        func entries(_ folder: URL?, _ kind: StateFootprint.Kind, type: FileAttributeType) -> [StateFootprint] {
            guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
            return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0).path }
                .filter { (try? FileManager.default.attributesOfItem(atPath: $0))?[.type] as? FileAttributeType == type }
                .map { StateFootprint(kind: kind, path: $0) }
        }
        return entries(programs, .program, type: .typeDirectory) + entries(directory.appendingPathComponent("apps"), .app, type: .typeDirectory)
            + entries(directory.appendingPathComponent("logs"), .installLog, type: .typeRegular)
    }

    public static func timestamp() -> String { ISO8601DateFormatter().string(from: Date()) }

    // MARK: - Installed products

    public func installed(app: String? = nil) throws -> [InstalledProduct] {
        var sql = """
            SELECT product_id, app, version, feed, installer_id, kind, scope, installed_at, requested FROM installed
            """
        var arguments: [SQLiteValue] = []
        if let app {
            sql += " WHERE app = ?"
            arguments.append(.text(app))
        }
        sql += " ORDER BY app, product_key"
        return try database.query(sql, arguments).map { row in
            InstalledProduct(
                productId: row[0].textValue ?? "", app: row[1].textValue ?? "", version: row[2].textValue,
                feed: row[3].textValue, installerId: row[4].textValue, kind: row[5].textValue ?? "",
                scope: row[6].textValue ?? "", installedAt: row[7].textValue ?? "", requested: row[8].integerValue == 1)
        }
    }

    public func installed(_ productId: String, app: String = "") throws -> InstalledProduct? {
        try installed().first { $0.productId.lowercased() == productId.lowercased() && ($0.app == app || $0.app.isEmpty) }
    }

    public func receipts(of productId: String, app: String = "") throws -> [Receipt] {
        try database.query(
            "SELECT kind, path, sha256 FROM receipts WHERE product_key = ? AND app = ? ORDER BY rowid",
            [.text(productId.lowercased()), .text(app)]
        ).map { Receipt(kind: Receipt.Kind(rawValue: $0[0].textValue ?? "file"), path: $0[1].textValue ?? "", sha256: $0[2].textValue) }
    }

    /// Installed products that need `productId` (within the same app, or anywhere for system scope).
    public func dependents(of productId: String, app: String = "") throws -> [String] {
        try database.query(
            """
            SELECT DISTINCT i.product_id FROM dependencies d
            JOIN installed i ON i.product_key = d.product_key AND i.app = d.app
            WHERE d.needs_key = ? AND (d.app = ? OR ? = '')
            ORDER BY i.product_id
            """, [.text(productId.lowercased()), .text(app), .text(app)]
        ).compactMap { $0.first?.textValue }
    }

    /// Installed products that need `productId`: in any app when it is a system or user
    /// product (`app` ""), in the same app when it is an app's own.
    public func dependentRecords(of productId: String, app: String = "") throws -> [InstalledProduct] {
        let keys = try database.query(
            """
            SELECT DISTINCT d.product_key, d.app FROM dependencies d
            JOIN installed i ON i.product_key = d.product_key AND i.app = d.app
            WHERE d.needs_key = ? AND (d.app = ? OR ? = '')
            """, [.text(productId.lowercased()), .text(app), .text(app)]
        ).map { ($0[0].textValue ?? "", $0[1].textValue ?? "") }
        let all = try installed()
        return keys.compactMap { key in all.first { $0.productId.lowercased() == key.0 && $0.app == key.1 } }
            .sorted { ($0.app, $0.productId) < ($1.app, $1.productId) }
    }

    /// Every receipt, with the product and app it belongs to (doctor, tests).
    public func allReceipts() throws -> [(productId: String, app: String, receipt: Receipt)] {
        try database.query(
            """
            SELECT i.product_id, r.app, r.kind, r.path, r.sha256 FROM receipts r
            JOIN installed i ON i.product_key = r.product_key AND i.app = r.app ORDER BY r.rowid
            """
        ).map {
            (
                $0[0].textValue ?? "", $0[1].textValue ?? "",
                Receipt(kind: Receipt.Kind(rawValue: $0[2].textValue ?? "file"), path: $0[3].textValue ?? "", sha256: $0[4].textValue)
            )
        }
    }

    /// Forgets a product (its files are the caller's to remove first).
    public func forget(_ productId: String, app: String = "") throws {
        try database.transaction {
            let key = SQLiteValue.text(productId.lowercased())
            try database.query("DELETE FROM receipts WHERE product_key = ? AND app = ?", [key, .text(app)])
            try database.query("DELETE FROM dependencies WHERE product_key = ? AND app = ?", [key, .text(app)])
            try database.query("DELETE FROM installed WHERE product_key = ? AND app = ?", [key, .text(app)])
        }
    }

    // MARK: - Transactions

    /// Starts an install transaction; its journal is on disk before any side effect.
    public func begin(command: String) throws -> InstallTransaction {
        let rows = try database.query(
            "INSERT INTO transactions(command, pid, started_at, state) VALUES(?, ?, ?, 'open') RETURNING id",
            [.text(command), .integer(Int64(getpid())), .text(Self.timestamp())])
        guard let id = rows.first?.first?.integerValue else { throw SQLiteError(code: 1, message: "no transaction id", sql: nil, database: database.path, label: Self.databaseLabel) }
        return InstallTransaction(id: id, store: self)
    }

    /// Transactions left open by a paddock that died (kill -9, power cut), oldest first.
    public func unfinishedTransactions() throws -> [(id: Int64, command: String, pid: Int32)] {
        try database.query("SELECT id, command, pid FROM transactions WHERE state = 'open' ORDER BY id").map {
            ($0[0].integerValue ?? 0, $0[1].textValue ?? "", Int32($0[2].integerValue ?? 0))
        }
    }

    /// Rolls back every unfinished transaction: undoes its journal in reverse order. Call with
    /// the lock held, so no live paddock owns them.
    public func recover(packages: any PackageUndoing) throws -> [String] {
        var recovered: [String] = []
        for transaction in try unfinishedTransactions() {
            try InstallTransaction(id: transaction.id, store: self).rollback(packages: packages)
            recovered.append(transaction.command)
        }
        return recovered
    }

    /// The journal of a transaction, in order. A row whose action this paddock does not know
    /// (a newer paddock's, or a damaged row) is an error naming it: reading it as anything
    /// else could make a rollback delete what its path names.
    func journal(of transaction: Int64) throws -> [JournalEntry] {
        try database.query("SELECT seq, action, path, backup FROM journal WHERE txn = ? ORDER BY seq", [.integer(transaction)]).map {
            let sequence = Int($0[0].integerValue ?? 0)
            let actionText = $0[1].textValue ?? ""
            guard let action = JournalEntry.Action(rawValue: actionText) else {
                throw JournalError(
                    transaction: transaction, sequence: sequence,
                    problem: "has the action '\(actionText.escapingControlCharacters)', which this paddock does not know")
            }
            return JournalEntry(sequence: sequence, action: action, path: $0[2].textValue ?? "", detail: $0[3].textValue)
        }
    }

    /// Ids of transactions still open (their backups are not garbage).
    public func openTransactionIds() throws -> Set<Int64> {
        Set(try unfinishedTransactions().map(\.id))
    }

    // MARK: - Health (paddock doctor)

    /// The schema version written in the database, and the one this paddock knows.
    public var schemaVersion: Int { get throws { try database.userVersion } }
    public static var knownSchemaVersion: Int { StateSchema.migrations.count }

    /// `PRAGMA integrity_check`: ["ok"] when the file is sound, otherwise SQLite's findings.
    public func integrityCheck() throws -> [String] {
        try database.query("PRAGMA integrity_check").compactMap { $0.first?.textValue }
    }

    // MARK: - Apps

    public func apps() throws -> [AppRecord] {
        try database.query(
            "SELECT name, template, path, state_dir, parameters, created_at, deployed_hash, deployed_at, port FROM apps ORDER BY name"
        ).map(AppRecord.init(row:))
    }

    public func app(named name: String) throws -> AppRecord? { try apps().first { $0.name == name } }

    public func saveApp(_ app: AppRecord) throws {
        try database.query(
            """
            INSERT OR REPLACE INTO apps(name, template, path, state_dir, parameters, created_at, deployed_hash, deployed_at, port)
            VALUES(?,?,?,?,?,?,?,?,?)
            """,
            [
                .text(app.name), .text(app.template), .text(app.path), .text(app.stateDirectory),
                .text(String(decoding: try JSONEncoder().encode(app.parameters), as: UTF8.self)), .text(app.createdAt),
                SQLiteValue(app.deployedHash), SQLiteValue(app.deployedAt), SQLiteValue(app.port),
            ])
    }

    public func removeApp(named name: String) throws {
        try database.query("DELETE FROM apps WHERE name = ?", [.text(name)])
    }
}

/// An app made from a template: where its source and its state live, its parameters, and
/// the fingerprint of the files at its last successful deploy.
public struct AppRecord: Codable, Sendable, Hashable {
    public var name: String
    public var template: String
    public var path: String
    public var stateDirectory: String
    public var parameters: [String: String]
    public var createdAt: String
    public var deployedHash: String?
    public var deployedAt: String?
    public var port: Int?

    public init(
        name: String, template: String, path: String, stateDirectory: String, parameters: [String: String],
        createdAt: String = StateStore.timestamp(), deployedHash: String? = nil, deployedAt: String? = nil, port: Int? = nil
    ) {
        self.name = name
        self.template = template
        self.path = path
        self.stateDirectory = stateDirectory
        self.parameters = parameters
        self.createdAt = createdAt
        self.deployedHash = deployedHash
        self.deployedAt = deployedAt
        self.port = port
    }

    init(row: [SQLiteValue]) {
        let parameters = (row[4].textValue?.data(using: .utf8)).flatMap { try? JSONDecoder().decode([String: String].self, from: $0) }
        self.init(
            name: row[0].textValue ?? "", template: row[1].textValue ?? "", path: row[2].textValue ?? "",
            stateDirectory: row[3].textValue ?? "", parameters: parameters ?? [:], createdAt: row[5].textValue ?? "",
            deployedHash: row[6].textValue, deployedAt: row[7].textValue, port: row[8].integerValue.map { Int($0) })
    }
}
