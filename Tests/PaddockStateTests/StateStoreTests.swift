import Foundation
import PaddockSQLite
import Testing
import TestSupport

@testable import PaddockState

@Suite("State database, transactions and lock")
struct StateStoreTests {
    final class Sandbox {
        let root: URL
        let store: StateStore
        init() throws {
            root = try TestPaths.temporaryDirectory("paddock-state")
            // The sandbox's folder stands for paddock's own folders (data, cache, state).
            store = try StateStore(directory: root.appendingPathComponent("state"), ownedRoots: [root])
        }
        deinit { try? FileManager.default.removeItem(at: root) }
        func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    }

    static func product(_ id: String, app: String = "") -> InstalledProduct {
        InstalledProduct(productId: id, app: app, version: "1.0", feed: "f", installerId: "1", kind: "archive", scope: "user", requested: true)
    }

    @Test("commit records products, receipts and dependencies, and drops backups")
    func commit() throws {
        let sandbox = try Sandbox()
        let old = sandbox.path("tool")
        try Data("old".utf8).write(to: URL(fileURLWithPath: old))
        let transaction = try sandbox.store.begin(command: "install tool")
        try transaction.moveAside(old)
        try transaction.willCreate(old)
        try Data("new".utf8).write(to: URL(fileURLWithPath: old))
        transaction.record(Self.product("tool"), receipts: [Receipt(kind: .file, path: old)], needs: ["python3"])
        try transaction.commit()
        #expect(try sandbox.store.installed().map(\.productId) == ["tool"])
        #expect(try sandbox.store.receipts(of: "tool") == [Receipt(kind: .file, path: old)])
        #expect(try sandbox.store.dependents(of: "python3") == ["tool"])
        #expect(try String(contentsOfFile: old, encoding: .utf8) == "new")
        #expect(!FileManager.default.fileExists(atPath: old + ".paddock-backup-\(transaction.id)"))
        #expect(try sandbox.store.unfinishedTransactions().isEmpty)
    }

    @Test("rollback removes what was created, restores what was replaced, undoes packages in reverse")
    func rollback() throws {
        let sandbox = try Sandbox()
        let kept = sandbox.path("kept.txt")
        try Data("before".utf8).write(to: URL(fileURLWithPath: kept))
        let transaction = try sandbox.store.begin(command: "install x")
        let directory = sandbox.path("newdir")
        try transaction.willCreate(directory)
        try FileManager.default.createDirectory(atPath: directory + "/deep", withIntermediateDirectories: true)
        try transaction.moveAside(kept)
        try Data("during".utf8).write(to: URL(fileURLWithPath: kept))
        try transaction.willInstallPackage("libfoo", kind: "apt")
        try transaction.willInstallPackage("Django", kind: "pip", detail: "/v")
        var undone: [String] = []
        try transaction.rollback(packages: PackageUndo(kinds: ["apt", "pip"]) { undone.append("\($0.action.rawValue):\($0.path)") })
        #expect(undone == ["pip:Django", "apt:libfoo"])
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "before")
        #expect(try sandbox.store.installed().isEmpty)
    }

    @Test("a transaction left open by a dead process is found and rolled back by the next one")
    func recovery() throws {
        let sandbox = try Sandbox()
        let created = sandbox.path("half-installed")
        do {
            let transaction = try sandbox.store.begin(command: "install half")
            try transaction.willCreate(created)
            try Data("x".utf8).write(to: URL(fileURLWithPath: created))
            // The process "dies" here: no commit, no rollback.
        }
        let reopened = try StateStore(directory: sandbox.store.directory, ownedRoots: [sandbox.root])
        #expect(try reopened.unfinishedTransactions().map(\.command) == ["install half"])
        #expect(try reopened.recover(packages: PackageUndo(kinds: []) { _ in }) == ["install half"])
        #expect(!FileManager.default.fileExists(atPath: created))
        #expect(try reopened.unfinishedTransactions().isEmpty)
    }

    @Test("the lock: a second holder fails at once with --no-wait, naming the first")
    func lock() throws {
        let sandbox = try Sandbox()
        let lockPath = sandbox.store.lockPath
        // Another process (util-linux flock) holds the lock for a while.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [lockPath, "sleep", "2"]
        try holder.run()
        defer { holder.terminate() }
        var waited = 0
        while waited < 100, (try? StateLock(path: lockPath, wait: false)) != nil {
            usleep(20_000)
            waited += 1
        }
        let error = #expect(throws: StateLock.Failure.self) { try StateLock(path: lockPath, wait: false) }
        #expect(error?.description.hasPrefix("another paddock") == true)
        holder.terminate()
        holder.waitUntilExit()
        let lock = try StateLock(path: lockPath, wait: true)
        _ = lock
    }

    @Test("apps are saved and read back")
    func apps() throws {
        let sandbox = try Sandbox()
        let app = AppRecord(name: "mysite", template: "blank-django", path: "/srv/mysite", stateDirectory: "/s", parameters: ["database": "sqlite"], port: 8000)
        try sandbox.store.saveApp(app)
        #expect(try sandbox.store.app(named: "mysite") == app)
        try sandbox.store.removeApp(named: "mysite")
        #expect(try sandbox.store.apps().isEmpty)
    }

    // MARK: - The journal fails safe

    /// A journal row written straight into the database, as a damaged file or another paddock
    /// would leave it.
    static func forge(_ store: StateStore, transaction: Int64, sequence: Int, action: String, path: String, detail: String? = nil) throws {
        try store.database.query(
            "INSERT INTO journal(txn, seq, action, path, backup) VALUES(?,?,?,?,?)",
            [.integer(transaction), .integer(Int64(sequence)), .text(action), .text(path), detail.map { .text($0) } ?? .null])
    }

    /// What a rollback must refuse, with nothing removed: each row's problem as the error says it.
    static let refusedRows: [(action: String, path: String, detail: String?, problem: String)] = [
        ("remove-everything", "VICTIM", nil, "has the action 'remove-everything', which this paddock does not know"),
        ("Create", "VICTIM", nil, "has the action 'Create', which this paddock does not know"),
        ("", "VICTIM", nil, "has the action '', which this paddock does not know"),
        ("create", "victim", nil, "names the path to remove 'victim' is not an absolute path"),
        ("create", "OUTSIDE", nil, "names the path to remove 'OUTSIDE' lies outside"),
        ("create", "ROOT/state/../../outside", nil, "names the path to remove 'ROOT/state/../../outside' contains '.' or '..'"),
        ("create", "OUTSIDE", "app", "names the app folder 'OUTSIDE', which holds files but no paddock-app.xml"),
        ("create", "OUTSIDE/keep.txt", "in-app:OUTSIDE", "names 'OUTSIDE' as its app's folder, and no app lives there"),
        ("replace", "relative/path", "relative/path.paddock-backup-1", "names the app folder 'relative/path' is not a usable app folder"),
    ]

    @Test("a journal row it does not know or cannot trust stops the rollback, names the row, and removes nothing", arguments: refusedRows)
    func journalFailsSafe(row: (action: String, path: String, detail: String?, problem: String)) throws {
        let sandbox = try Sandbox()
        // A folder outside paddock's roots with a file in it: what a bad row would delete.
        let outside = try TestPaths.temporaryDirectory("paddock-outside")
        defer { try? FileManager.default.removeItem(at: outside) }
        try Data("keep".utf8).write(to: outside.appendingPathComponent("keep.txt"))
        let victim = sandbox.path("victim")
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        // The current folder holds a "victim" too: a relative row must not reach it.
        let substitute = { (text: String) in
            text.replacingOccurrences(of: "VICTIM", with: victim).replacingOccurrences(of: "OUTSIDE", with: outside.path)
                .replacingOccurrences(of: "ROOT", with: sandbox.root.path)
        }
        let transaction = try sandbox.store.begin(command: "install x")
        let created = sandbox.path("created")
        try transaction.willCreate(created)
        try Data("x".utf8).write(to: URL(fileURLWithPath: created))
        try Self.forge(sandbox.store, transaction: transaction.id, sequence: 2, action: row.action, path: substitute(row.path), detail: row.detail.map(substitute))
        var undone: [JournalEntry] = []
        let error = #expect(throws: JournalError.self) { try transaction.rollback(packages: PackageUndo(kinds: ["apt", "pip"]) { undone.append($0) }) }
        #expect(error?.sequence == 2)
        #expect(error?.description.contains(substitute(row.problem)) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.contains("transaction \(transaction.id), row 2") == true)
        // Nothing undone at all: the good row before the bad one is still there too.
        #expect(undone.isEmpty)
        #expect(FileManager.default.fileExists(atPath: victim))
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("keep.txt").path))
        #expect(FileManager.default.fileExists(atPath: created))
        #expect(try sandbox.store.unfinishedTransactions().map(\.id) == [transaction.id])
    }

    @Test("a path outside paddock's folders is refused before it is journaled or touched")
    func refusedBeforeRecording() throws {
        let sandbox = try Sandbox()
        let outside = try TestPaths.temporaryDirectory("paddock-outside")
        defer { try? FileManager.default.removeItem(at: outside) }
        let transaction = try sandbox.store.begin(command: "install x")
        #expect(throws: (any Error).self) { try transaction.willCreate(outside.appendingPathComponent("new").path) }
        #expect(throws: (any Error).self) { try transaction.moveAside(outside.path) }
        #expect(throws: (any Error).self) { try transaction.willCreate(sandbox.root.path + "/../escape") }
        #expect(throws: (any Error).self) { try transaction.willCreate(outside.path + "/x", insideApp: "relative") }
        #expect(throws: (any Error).self) { try transaction.willCreate(sandbox.path("elsewhere"), insideApp: outside.path) }
        #expect(try sandbox.store.journal(of: transaction.id).isEmpty)
        #expect(FileManager.default.fileExists(atPath: outside.path))
    }

    @Test("an app folder outside paddock's folders, and its environment, are rolled back; one registered app's new environment too")
    func appFoldersRollBack() throws {
        let sandbox = try Sandbox()
        let apps = try TestPaths.temporaryDirectory("paddock-apps")
        defer { try? FileManager.default.removeItem(at: apps) }
        // A new app: its folder (empty at first, then holding its manifest) and its venv.
        let newApp = apps.appendingPathComponent("mysite").path
        let transaction = try sandbox.store.begin(command: "install blank-django --app mysite")
        try transaction.willCreateAppFolder(newApp)
        try FileManager.default.createDirectory(atPath: newApp, withIntermediateDirectories: true)
        try transaction.willCreate(newApp + "/.venv", insideApp: newApp)
        try FileManager.default.createDirectory(atPath: newApp + "/.venv/bin", withIntermediateDirectories: true)
        try Data("<app/>".utf8).write(to: URL(fileURLWithPath: newApp + "/paddock-app.xml"))
        try transaction.rollback(packages: PackageUndo(kinds: []) { _ in })
        #expect(!FileManager.default.fileExists(atPath: newApp))
        // A registered app gets an environment it lacked: the rollback removes only that.
        let existing = apps.appendingPathComponent("old").path
        try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: true)
        try Data("code".utf8).write(to: URL(fileURLWithPath: existing + "/app.py"))
        try sandbox.store.saveApp(AppRecord(name: "old", template: "t", path: existing, stateDirectory: sandbox.path("state/apps/old"), parameters: [:], port: 8000))
        let second = try sandbox.store.begin(command: "install psycopg --app old")
        try second.willCreate(existing + "/.venv", insideApp: existing)
        try FileManager.default.createDirectory(atPath: existing + "/.venv", withIntermediateDirectories: true)
        try second.rollback(packages: PackageUndo(kinds: []) { _ in })
        #expect(!FileManager.default.fileExists(atPath: existing + "/.venv"))
        #expect(FileManager.default.fileExists(atPath: existing + "/app.py"))
    }
}
