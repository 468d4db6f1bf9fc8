import FeedModel
import Foundation
import PaddockBasics
import PaddockSQLite

/// One step of a transaction, written to the journal before the step is taken.
public struct JournalEntry: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// A file or folder that did not exist: undo removes it.
        case create
        /// An existing path moved aside to `detail`: undo puts it back.
        case replace
        /// A package put in place by an installer kind (`apt`, `pip`, one defined as data):
        /// `path` is the package, `detail` what the kind needs to find it again (an app's
        /// environment). Undo is the kind's own (`PackageUndoing`); a kind this paddock does
        /// not know stops the rollback before anything is undone.
        case package(kind: String)
        /// A child process (the deploy hook, a command installer) started in a group of its
        /// own: `path` is its pid (the group's id), `detail` its start time in clock ticks.
        /// A rollback first ends what is left of the group, so that no child races the undo.
        case process

        /// The action as the journal's `action` column holds it: a package row holds its kind's
        /// name (so rows written as `apt` and `pip` before kinds were open read the same).
        public var rawValue: String {
            switch self {
            case .create: "create"
            case .replace: "replace"
            case .process: "process"
            case .package(let kind): kind
            }
        }

        /// Nil for text that is no action's and no kind's name (a damaged row).
        public init?(rawValue: String) {
            switch rawValue {
            case "create": self = .create
            case "replace": self = .replace
            case "process": self = .process
            default:
                guard LinuxInstall.Kind(rawValue: rawValue) != nil else { return nil }
                self = .package(kind: rawValue)
            }
        }
    }
    public var sequence: Int
    public var action: Action
    public var path: String
    public var detail: String?
}

/// A journal row paddock will not act on: an action it does not know, or a path outside the
/// folders it owns. The rollback stops there, having deleted nothing the row names.
public struct JournalError: Error, Sendable, Hashable, CustomStringConvertible {
    public var transaction: Int64
    public var sequence: Int
    public var problem: String

    public var description: String {
        "the journal of transaction \(transaction), row \(sequence), \(problem); paddock will not undo it: check that path by hand, then run 'paddock doctor'"
    }
}

/// An install as a transaction: every side effect is journaled first (write-ahead), so that
/// if a step fails, or the process is killed at any moment, the next paddock undoes exactly
/// what was done; and what was installed before is never touched.
/// Unchecked Sendable: a transaction is used by one thread at a time (its runners call
/// `recordChild` from the thread that waits for the child); its state is the journal in SQLite.
public final class InstallTransaction: @unchecked Sendable {
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

    /// Marks a journal row for an app's own source folder, which may lie anywhere the user chose.
    static let appFolderDetail = "app"

    /// Call before creating `path` (which must not exist yet), a path under the folders paddock
    /// owns; anywhere else is refused before anything is created.
    public func willCreate(_ path: String) throws {
        try PathConfinement.check(path, under: store.ownedRoots, what: "the path to create")
        try append(.create, path)
    }

    /// Marks a journal row for a path inside an app's folder: "in-app:" and the folder.
    static let insideAppPrefix = "in-app:"

    /// Call before creating `path` inside the app folder `appFolder` (its environment, say).
    /// A rollback removes it only if that folder is an app paddock knows (registered, or made
    /// by this same transaction).
    public func willCreate(_ path: String, insideApp appFolder: String) throws {
        try Self.checkAppFolder(appFolder)
        try PathConfinement.check(path, under: [URL(fileURLWithPath: appFolder)], what: "the path to create in the app")
        try append(.create, path, Self.insideAppPrefix + appFolder)
    }

    /// Call before creating an app's source folder, which lies where the user chose (the
    /// current folder, or `--path`). A rollback removes it only while it is empty or holds the
    /// app's manifest, so a damaged row cannot name some other folder for removal.
    public func willCreateAppFolder(_ path: String) throws {
        try Self.checkAppFolder(path)
        try append(.create, path, Self.appFolderDetail)
    }

    /// Moves an existing `path` aside (journaled), so that it can be restored on rollback and
    /// dropped on commit. Returns false when there was nothing at `path`. The path must lie
    /// under the folders paddock owns, or be an app's own folder (`appFolder`).
    @discardableResult
    public func moveAside(_ path: String, appFolder: Bool = false) throws -> Bool {
        if appFolder { try Self.checkAppFolder(path) } else { try PathConfinement.check(path, under: store.ownedRoots, what: "the path to replace") }
        guard FileManager.default.fileExists(atPath: path) || isSymbolicLink(path) else { return false }
        let backup = backupPath(of: path)
        try append(.replace, path, backup)
        try FileManager.default.moveItem(atPath: path, toPath: backup)
        return true
    }

    /// Where `moveAside` puts `path`: derived, never read from the journal, so that a damaged
    /// row cannot name another file to restore or drop.
    private func backupPath(of path: String) -> String { path + ".paddock-backup-\(id)" }

    /// An app folder is absolute and normalised, as paddock records paths, and not `/` itself.
    /// (Whether a row's folder really is an app's is checked at rollback: empty, or holding its
    /// manifest.)
    static func checkAppFolder(_ path: String) throws(PathConfinement.Escape) {
        guard PathConfinement.problem(withRecorded: path) == nil, path.contains(where: { $0 != "/" }) else {
            throw PathConfinement.Escape(what: "the app folder", path: path, root: "an absolute folder of its own", reason: "is not a usable app folder")
        }
    }

    private func isSymbolicLink(_ path: String) -> Bool { (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil }

    /// Call as soon as a child of this transaction runs in a process group of its own.
    public func recordChild(_ pid: pid_t) throws {
        // A child that is already gone needs no ending; 0 stands for "any start time".
        try append(.process, String(pid), String(ProcessGroup.startTime(of: pid) ?? 0))
    }

    /// Journals a package an installer kind is about to put in place; `detail` is what the
    /// kind's undo needs besides the name (an app's environment folder).
    public func willInstallPackage(_ name: String, kind: String, detail: String? = nil) throws {
        try append(.package(kind: kind), name, detail)
    }

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
            try? FileManager.default.removeItem(atPath: backupPath(of: entry.path))
        }
    }

    /// Undoes the journal in reverse order. Package undo is the installer kinds' (they run
    /// apt, pip...), supplied by the caller; file undo is done here.
    public func rollback(packages: any PackageUndoing) throws {
        // Every row is read and checked before the first is undone: one bad row stops the
        // rollback with nothing done, not half-way.
        let entries = try store.journal(of: id).reversed()
        let appFolders = Set(entries.filter { $0.action == .create && $0.detail == Self.appFolderDetail }.map(\.path))
            .union(try store.apps().map(\.path))
        // What this transaction itself created (an app's .venv inside its new folder) is removed
        // before the folder: the folder's check counts it as gone.
        let created = Set(entries.filter { $0.action == .create }.map(\.path))
        for entry in entries { try check(entry, appFolders: appFolders, created: created, packages: packages) }
        // What a killed paddock's children left running ends first: pip writing into a venv
        // being removed, or a deploy hook holding the app's database, would race the undo.
        for entry in entries where entry.action == .process {
            if let leader = pid_t(entry.path), let started = entry.detail.flatMap(UInt64.init) {
                ProcessGroup.kill(leader: leader, startTime: started)
            }
        }
        for entry in entries {
            switch entry.action {
            case .process:
                continue
            case .create:
                if FileManager.default.fileExists(atPath: entry.path) || isSymbolicLink(entry.path) {
                    try FileManager.default.removeItem(atPath: entry.path)
                }
            case .replace:
                let backup = backupPath(of: entry.path)
                guard FileManager.default.fileExists(atPath: backup) || isSymbolicLink(backup) else { continue }
                if FileManager.default.fileExists(atPath: entry.path) || isSymbolicLink(entry.path) {
                    try FileManager.default.removeItem(atPath: entry.path)
                }
                try FileManager.default.moveItem(atPath: backup, toPath: entry.path)
            case .package:
                try packages.undo(entry)
            }
        }
        try store.database.transaction {
            try store.database.query("UPDATE transactions SET state = 'rolled_back' WHERE id = ?", [.integer(id)])
            try store.database.query("DELETE FROM journal WHERE txn = ?", [.integer(id)])
        }
        finished = true
    }

    public var isFinished: Bool { finished }

    /// Whether paddock may undo `entry`: a file row names a path under the folders it owns,
    /// or an app folder that is still empty or holds the app's manifest.
    private func check(_ entry: JournalEntry, appFolders: Set<String>, created: Set<String> = [], packages: any PackageUndoing) throws {
        func refuse(_ problem: String) -> JournalError { JournalError(transaction: id, sequence: entry.sequence, problem: problem) }
        switch entry.action {
        case .create where entry.detail?.hasPrefix(Self.insideAppPrefix) == true:
            let folder = String(entry.detail!.dropFirst(Self.insideAppPrefix.count))
            guard appFolders.contains(folder) else {
                throw refuse("names '\(folder.escapingControlCharacters)' as its app's folder, and no app lives there")
            }
            do { try PathConfinement.check(entry.path, under: [URL(fileURLWithPath: folder)], what: "the path to remove") } catch { throw refuse("names \(error)") }
        case .create where entry.detail == Self.appFolderDetail:
            do { try Self.checkAppFolder(entry.path) } catch { throw refuse("names \(error)") }
            let contents = ((try? FileManager.default.contentsOfDirectory(atPath: entry.path)) ?? [])
                .filter { !created.contains(entry.path + "/" + $0) }
            if !contents.isEmpty && !contents.contains("paddock-app.xml") {
                throw refuse("names the app folder '\(entry.path.escapingControlCharacters)', which holds files but no paddock-app.xml")
            }
        case .create:
            do { try PathConfinement.check(entry.path, under: store.ownedRoots, what: "the path to remove") } catch { throw refuse("names \(error)") }
        case .replace:
            // Only the app folder may lie outside paddock's own folders; its backup beside it is
            // named by paddock, so the row cannot point the restore anywhere else.
            do { try Self.checkAppFolder(entry.path) } catch { throw refuse("names \(error)") }
        case .process:
            guard let leader = pid_t(entry.path), leader > 1, entry.detail.flatMap(UInt64.init) != nil else {
                throw refuse(
                    "names the process group '\(entry.path.escapingControlCharacters)' with start time '\((entry.detail ?? "").escapingControlCharacters)', which is not a process paddock started")
            }
        case .package(let kind):
            guard packages.knows(kind: kind) else {
                throw refuse("has the action '\(kind.escapingControlCharacters)', which this paddock does not know")
            }
        }
    }
}

/// Undoes the package rows of a journal: the installer kinds, which know how (apt-get remove,
/// pip uninstall, a data-defined kind's own command).
public protocol PackageUndoing {
    /// Whether a row of this kind can be undone here; a row of another kind stops the rollback.
    func knows(kind: String) -> Bool
    func undo(_ entry: JournalEntry) throws
}

/// Package undo as a closure, for the kinds named (tests, and callers with one kind).
public struct PackageUndo: PackageUndoing {
    public var kinds: Set<String>
    public var body: (JournalEntry) throws -> Void

    public init(kinds: Set<String>, _ body: @escaping (JournalEntry) throws -> Void) {
        self.kinds = kinds
        self.body = body
    }

    public func knows(kind: String) -> Bool { kinds.contains(kind) }
    public func undo(_ entry: JournalEntry) throws { try body(entry) }
}

extension JournalError: PaddockError {
    public var exitStatus: ExitStatus { .dataError }
}
