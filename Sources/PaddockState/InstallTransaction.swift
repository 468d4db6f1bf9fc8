import Foundation
import PaddockSQLite

/// One step of a transaction, written to the journal before the step is taken.
public struct JournalEntry: Sendable, Hashable {
    public enum Action: String, Sendable {
        /// A file or folder that did not exist: undo removes it.
        case create
        /// An existing path moved aside to `detail`: undo puts it back.
        case replace
        /// A Debian package installed: undo removes it.
        case apt
        /// A Python package installed into the venv at `detail`: undo uninstalls it.
        case pip
    }
    public var sequence: Int
    public var action: Action
    public var path: String
    public var detail: String?
}

/// An install as a transaction: every side effect is journaled first (write-ahead), so that
/// if a step fails, or the process is killed at any moment, the next paddock undoes exactly
/// what was done; and what was installed before is never touched.
public final class InstallTransaction {
    public let id: Int64
    private let store: StateStore
    private var sequence = 0
    private var staged: [(InstalledProduct, [Receipt], [String])] = []
    private var stagedApps: [AppRecord] = []
    private var removals: [(productId: String, app: String)] = []
    private var appRemovals: [String] = []
    private var finished = false

    init(id: Int64, store: StateStore) {
        self.id = id
        self.store = store
        sequence = (try? store.journal(of: id).map(\.sequence).max()).flatMap { $0 } ?? 0
    }

    private func append(_ action: JournalEntry.Action, _ path: String, _ detail: String? = nil) throws {
        sequence += 1
        try store.database.query(
            "INSERT INTO journal(txn, seq, action, path, backup) VALUES(?,?,?,?,?)",
            [.integer(id), .integer(Int64(sequence)), .text(action.rawValue), .text(path), SQLiteValue(detail)])
    }

    /// Call before creating `path` (which must not exist yet).
    public func willCreate(_ path: String) throws { try append(.create, path) }

    /// Moves an existing `path` aside (journaled), so that it can be restored on rollback and
    /// dropped on commit. Returns false when there was nothing at `path`.
    @discardableResult
    public func moveAside(_ path: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let backup = path + ".paddock-backup-\(id)"
        try append(.replace, path, backup)
        try FileManager.default.moveItem(atPath: path, toPath: backup)
        return true
    }

    public func willInstallAptPackage(_ name: String) throws { try append(.apt, name) }
    public func willInstallPipPackage(_ name: String, venv: String) throws { try append(.pip, name, venv) }

    /// What the transaction installed; written only at commit.
    public func record(_ product: InstalledProduct, receipts: [Receipt], needs: [String]) {
        staged.append((product, receipts, needs))
    }

    /// An app made by this transaction; written only at commit, with its products.
    public func record(app: AppRecord) { stagedApps.append(app) }

    /// A product to forget at commit (uninstall, or the old version of an upgrade); its files
    /// are the caller's to move aside first, with `moveAside`, so that a rollback restores them.
    public func recordRemoval(_ productId: String, app: String = "") { removals.append((productId, app)) }

    /// An app to forget at commit (its folders moved aside first).
    public func recordRemoval(app name: String) { appRemovals.append(name) }

    /// Records everything and closes the journal in one database transaction, then drops
    /// the backups of replaced paths.
    public func commit() throws {
        let entries = try store.journal(of: id)
        try store.database.transaction {
            for removal in removals {
                let key = SQLiteValue.text(removal.productId.lowercased())
                let app = SQLiteValue.text(removal.app)
                try store.database.query("DELETE FROM receipts WHERE product_key = ? AND app = ?", [key, app])
                try store.database.query("DELETE FROM dependencies WHERE product_key = ? AND app = ?", [key, app])
                try store.database.query("DELETE FROM installed WHERE product_key = ? AND app = ?", [key, app])
            }
            for name in appRemovals { try store.removeApp(named: name) }
            for (product, receipts, needs) in staged {
                let key = SQLiteValue.text(product.productId.lowercased())
                let app = SQLiteValue.text(product.app)
                try store.database.query("DELETE FROM receipts WHERE product_key = ? AND app = ?", [key, app])
                try store.database.query("DELETE FROM dependencies WHERE product_key = ? AND app = ?", [key, app])
                try store.database.query(
                    """
                    INSERT OR REPLACE INTO installed(product_key, app, product_id, version, feed, installer_id, kind, scope,
                                                     installed_at, requested)
                    VALUES(?,?,?,?,?,?,?,?,?,?)
                    """,
                    [
                        key, app, .text(product.productId), SQLiteValue(product.version), SQLiteValue(product.feed),
                        SQLiteValue(product.installerId), .text(product.kind), .text(product.scope), .text(product.installedAt),
                        .integer(product.requested ? 1 : 0),
                    ])
                for receipt in receipts {
                    try store.database.query(
                        "INSERT INTO receipts(product_key, app, kind, path, sha256) VALUES(?,?,?,?,?)",
                        [key, app, .text(receipt.kind.rawValue), .text(receipt.path), SQLiteValue(receipt.sha256)])
                }
                for need in Set(needs) {
                    try store.database.query(
                        "INSERT OR IGNORE INTO dependencies(product_key, app, needs_key) VALUES(?,?,?)",
                        [key, app, .text(need.lowercased())])
                }
            }
            for app in stagedApps { try store.saveApp(app) }
            try store.database.query("UPDATE transactions SET state = 'committed' WHERE id = ?", [.integer(id)])
            try store.database.query("DELETE FROM journal WHERE txn = ?", [.integer(id)])
        }
        finished = true
        for entry in entries where entry.action == .replace {
            if let backup = entry.detail { try? FileManager.default.removeItem(atPath: backup) }
        }
    }

    /// Undoes the journal in reverse order. Package undo needs a process, so the caller
    /// supplies it; file undo is done here.
    public func rollback(undoPackage: (JournalEntry) throws -> Void) throws {
        for entry in try store.journal(of: id).reversed() {
            switch entry.action {
            case .create:
                if FileManager.default.fileExists(atPath: entry.path) || (try? FileManager.default.destinationOfSymbolicLink(atPath: entry.path)) != nil {
                    try FileManager.default.removeItem(atPath: entry.path)
                }
            case .replace:
                guard let backup = entry.detail, FileManager.default.fileExists(atPath: backup) else { continue }
                if FileManager.default.fileExists(atPath: entry.path) { try FileManager.default.removeItem(atPath: entry.path) }
                try FileManager.default.moveItem(atPath: backup, toPath: entry.path)
            case .apt, .pip:
                try undoPackage(entry)
            }
        }
        try store.database.transaction {
            try store.database.query("UPDATE transactions SET state = 'rolled_back' WHERE id = ?", [.integer(id)])
            try store.database.query("DELETE FROM journal WHERE txn = ?", [.integer(id)])
        }
        finished = true
    }

    public var isFinished: Bool { finished }
}
