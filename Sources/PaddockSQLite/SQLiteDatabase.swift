import CSQLite
import Foundation

/// An error from SQLite, with the statement that failed and the database it failed in: paddock
/// keeps more than one database, and the right advice depends on which one failed.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public var message: String
    public var sql: String?
    /// The database file (its `SQLiteDatabase.path`), when the error came from one.
    public var database: String?
    /// What the database is, in words ("the state database"), when its opener said so.
    public var label: String?
    public init(code: Int32, message: String, sql: String?, database: String? = nil, label: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
        self.database = database
        self.label = label
    }

    /// SQLITE_CORRUPT or SQLITE_NOTADB: the file's contents are damaged, not merely unavailable.
    public var isDamage: Bool { code & 0xff == 11 || code & 0xff == 26 }

    /// "the state database '/…/state.sqlite'", or the path alone, or nil for an anonymous one.
    public var subject: String? {
        guard let database else { return label }
        return label.map { "\($0) '\(database)'" } ?? "'\(database)'"
    }

    public var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " (in: \($0.prefix(80)))" } ?? "")
    }
}

/// A value bound to or read from a statement.
public enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A small owning wrapper over the SQLite C API: one connection, prepared statements,
/// transactions. Not shared across threads.
public final class SQLiteDatabase {
    private var handle: OpaquePointer?
    public let path: String
    /// What this database is, in words ("the index database"): carried into every error it throws.
    public let label: String?

    /// Opens (creating if needed) the database at `path`; `":memory:"` for a temporary one.
    /// `pageSize` applies to a database this call creates (SQLite fixes it with the first write).
    public init(path: String, readOnly: Bool = false, pageSize: Int? = nil, label: String? = nil) throws {
        self.path = path
        self.label = label
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let status = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw SQLiteError(code: status, message: message, sql: nil, database: path, label: label)
        }
        // Another paddock may be writing: wait for it rather than failing at once.
        sqlite3_busy_timeout(handle, 10_000)
        if !readOnly {
            if let pageSize { try execute("PRAGMA page_size = \(pageSize)") }
            try execute("PRAGMA journal_mode=WAL")
            try execute("PRAGMA synchronous=NORMAL")
        }
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    private func error(_ status: Int32, _ sql: String?) -> SQLiteError {
        SQLiteError(code: status, message: String(cString: sqlite3_errmsg(handle)), sql: sql, database: path, label: label)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw error(status, sql) }
    }

    public func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status, sql) }
        return SQLiteStatement(statement: statement, database: self, sql: sql)
    }

    /// Runs `body` inside a transaction: committed if it returns, rolled back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The same for a body that awaits (a feed loaded and stored in one transaction). The
    /// connection is the caller's alone meanwhile: nothing else may use it until this returns.
    public func transaction<T>(_ body: () async throws -> T) async throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try await body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Tries to switch the journal mode without waiting for other connections (leaving WAL
    /// needs the database to itself); true when the mode is now `mode`.
    @discardableResult
    public func tryJournalMode(_ mode: String) -> Bool {
        sqlite3_busy_timeout(handle, 0)
        defer { sqlite3_busy_timeout(handle, 10_000) }
        let now = try? query("PRAGMA journal_mode=\(mode)").first?.first?.textValue
        return now?.lowercased() == mode.lowercased()
    }

    /// Runs a statement with arguments and returns every row.
    @discardableResult
    public func query(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try prepare(sql).rows(arguments)
    }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    public var userVersion: Int {
        get throws { Int(try query("PRAGMA user_version").first?.first?.integerValue ?? 0) }
    }

    public func setUserVersion(_ version: Int) throws { try execute("PRAGMA user_version = \(version)") }

    /// Brings the schema up to date: `migrations[i]` takes version i to i+1. Migrations are
    /// only ever appended, so a database made by any earlier release can be brought forward.
    public func migrate(_ migrations: [String]) throws {
        let current = try userVersion
        guard current < migrations.count else { return }
        try transaction {
            for version in current..<migrations.count { try execute(migrations[version]) }
            try setUserVersion(migrations.count)
        }
    }

    func lastError(_ status: Int32, sql: String) -> SQLiteError { error(status, sql) }
}

public final class SQLiteStatement {
    private let statement: OpaquePointer
    private let database: SQLiteDatabase
    private let sql: String

    init(statement: OpaquePointer, database: SQLiteDatabase, sql: String) {
        self.statement = statement
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(statement) }

    /// Advances to the next row; false when done.
    private func step() throws -> Bool {
        let status = sqlite3_step(statement)
        if status == SQLITE_ROW { return true }
        if status == SQLITE_DONE { return false }
        throw database.lastError(status, sql: sql)
    }

    /// Binds, runs to completion, and resets: for inserts in a loop.
    public func run(_ values: [SQLiteValue]) throws {
        try withBindings(values) { while try step() {} }
    }

    /// Binds, runs, and returns every row.
    public func rows(_ values: [SQLiteValue]) throws -> [[SQLiteValue]] {
        try withBindings(values) {
            var rows: [[SQLiteValue]] = []
            while try step() { rows.append(row()) }
            return rows
        }
    }

    /// Runs `body` with `values` bound. Texts and blobs are read by SQLite where they are
    /// (`SQLITE_STATIC`) instead of copied first: `body` runs inside the closures that lend their
    /// bytes, and the statement is reset and unbound before they return (rows are copied out).
    private func withBindings<T>(_ values: [SQLiteValue], from offset: Int = 0, _ body: () throws -> T) throws -> T {
        if offset == 0 {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        guard offset < values.count else {
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            return try body()
        }
        let index = Int32(offset + 1)
        func check(_ status: Int32) throws {
            guard status == SQLITE_OK else { throw database.lastError(status, sql: sql) }
        }
        switch values[offset] {
        case .text(var text):
            return try text.withUTF8 {
                let start = UnsafeRawPointer($0.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
                try check(sqlite3_bind_text(statement, index, start, Int32($0.count), nil))
                return try withBindings(values, from: offset + 1, body)
            }
        case .blob(let bytes):
            return try bytes.withUnsafeBytes {
                try check(sqlite3_bind_blob(statement, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32($0.count), nil))
                return try withBindings(values, from: offset + 1, body)
            }
        case .null:
            try check(sqlite3_bind_null(statement, index))
        case .integer(let number):
            try check(sqlite3_bind_int64(statement, index, number))
        case .real(let number):
            try check(sqlite3_bind_double(statement, index, number))
        }
        return try withBindings(values, from: offset + 1, body)
    }

    private func row() -> [SQLiteValue] {
        (0..<sqlite3_column_count(statement)).map(column)
    }

    private func column(_ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, index)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard count > 0, let pointer = sqlite3_column_blob(statement, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default: return .null
        }
    }
}

extension SQLiteValue {
    public var integerValue: Int64? { if case .integer(let value) = self { return value } else { return nil } }
    public var textValue: String? { if case .text(let value) = self { return value } else { return nil } }
    public var blobValue: [UInt8]? {
        switch self {
        case .blob(let bytes): return bytes
        case .text(let text): return Array(text.utf8)
        default: return nil
        }
    }
    public init(_ text: String?) { self = text.map { .text($0) } ?? .null }
    public init(_ number: Int?) { self = number.map { .integer(Int64($0)) } ?? .null }
}
