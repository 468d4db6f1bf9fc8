import Foundation
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
            store = try StateStore(directory: root.appendingPathComponent("state"))
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
        try transaction.willInstallAptPackage("libfoo")
        try transaction.willInstallPipPackage("Django", venv: "/v")
        var undone: [String] = []
        try transaction.rollback { undone.append("\($0.action.rawValue):\($0.path)") }
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
        let reopened = try StateStore(directory: sandbox.store.directory)
        #expect(try reopened.unfinishedTransactions().map(\.command) == ["install half"])
        #expect(try reopened.recover { _ in } == ["install half"])
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
}
