import Foundation
import Testing
import TestSupport

@testable import PaddockState

#if canImport(Glibc)
    import Glibc
#endif

/// uninstall, upgrade, doctor and the lock, run as the built binary on generated feeds of
/// small archive products, checked file by file against the state database.
@Suite("Installer operations, end to end", .serialized, .offCooperativePool)
struct InstallerOpsTests {
    typealias Product = OpsSandbox.Product

    static let baseFiles = ["bin/base": "base 1\n", "old-only.txt": "only in 1.0\n"]

    static func archive(_ id: String, _ version: String = "1.0", needs: [String] = [], files: [String: String]? = nil) -> Product {
        Product(id: id, version: version, needs: needs, kind: .archive(files: files ?? ["bin/\(id)": "\(id) \(version)\n"]))
    }

    static func count(_ state: StateStore, _ table: String) throws -> Int64 {
        try state.database.query("SELECT count(*) FROM \(table)").first?.first?.integerValue ?? -1
    }

    @Test("uninstall refuses while others need the product (exit 69, naming them); --cascade removes dependents first; files and rows gone")
    func uninstallDependents() throws {
        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([
            Self.archive("base", files: Self.baseFiles), Self.archive("lib", needs: ["base"]), Self.archive("app1", needs: ["lib"]),
            Self.archive("tool2", needs: ["base"]),
        ])
        let install = try sandbox.paddock(["install", "app1", "tool2", "--yes", "--json"])
        #expect(install.status == 0, "\(install.stderr)")
        // --json is JSON lines: download events, then the report on the last line.
        let lines = install.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!lines.isEmpty && lines.allSatisfy { $0 != nil }, "\(install.stdout)")
        #expect(lines.dropLast().contains { $0?["event"] as? String == "finish" })
        #expect(Set(lines.last??["installed"] as? [String] ?? []) == ["base", "lib", "app1", "tool2"])
        let all: [String: [String: String]] = [
            "base": Self.baseFiles, "lib": ["bin/lib": "lib 1.0\n"], "app1": ["bin/app1": "app1 1.0\n"], "tool2": ["bin/tool2": "tool2 1.0\n"],
        ]
        try sandbox.expectConsistent(all, "after install")

        let refused = try sandbox.paddock(["uninstall", "base", "--yes"])
        #expect(refused.status == 69)
        #expect(refused.stderr == "paddock: error: 'base' is needed by lib, tool2; uninstall those first or pass --cascade\n")
        let refusedToo = try sandbox.paddock(["uninstall", "lib", "--yes"])
        #expect(refusedToo.status == 69)
        #expect(refusedToo.stderr.contains("'lib' is needed by app1;"))
        try sandbox.expectConsistent(all, "after the refusals")

        // Every file that was installed, to check one by one afterwards.
        let files = all.keys.flatMap { id in all[id]!.keys.map { sandbox.programs.appendingPathComponent(id).appendingPathComponent($0).path } }
        #expect(files.count == 5 && files.allSatisfy { FileManager.default.fileExists(atPath: $0) })

        let cascade = try sandbox.paddock(["uninstall", "base", "--cascade", "--yes", "--json"])
        #expect(cascade.status == 0, "\(cascade.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(cascade.stdout.utf8)) as? [String: Any]
        let removed = (report?["removed"] as? [[String: Any]])?.compactMap { $0["productId"] as? String }
        // Each product goes after everything that needs it.
        #expect(removed == ["app1", "lib", "tool2", "base"])
        for file in files { #expect(!FileManager.default.fileExists(atPath: file), "\(file) is still there") }
        let state = try sandbox.state()
        #expect(try Self.count(state, "installed") == 0)
        #expect(try Self.count(state, "receipts") == 0)
        #expect(try Self.count(state, "dependencies") == 0)
        #expect(try Self.count(state, "journal") == 0)
        try sandbox.expectConsistent([:], "after --cascade")
        let again = try sandbox.paddock(["uninstall", "base", "--yes"])
        #expect(again.status == 64)
        #expect(again.stderr == "paddock: error: 'base' is not installed by paddock; see 'paddock list --installed'\n")
    }

    @Test("products found on the machine (not installed by paddock) are never removed nor upgraded")
    func foundOnMachine() throws {
        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([Product(id: "shell", version: "1.0", kind: .command(["/bin/true"]), discoveredBy: "/bin/sh")])
        let listed = try sandbox.paddock(["list", "--installed"])
        #expect(listed.stdout.contains("shell") && listed.stdout.contains("found on this machine"))
        let uninstall = try sandbox.paddock(["uninstall", "shell", "--yes"])
        #expect(uninstall.status == 64)
        #expect(uninstall.stderr.contains("'shell' was found on this machine, not installed by paddock, so paddock does not remove it"))
        let upgrade = try sandbox.paddock(["upgrade", "shell", "--yes"])
        #expect(upgrade.status == 64)
        #expect(upgrade.stderr.contains("was found on this machine, not installed by paddock"))
        #expect(FileManager.default.fileExists(atPath: "/bin/sh"))
    }

    @Test("upgrade: a bad hash or a failing step keeps the old version; a good one replaces it in one transaction")
    func upgrade() throws {
        let sandbox = try OpsSandbox()
        let served = sandbox.root.appendingPathComponent("base-2.0.tar.gz")
        let server = try LoopbackHTTPServer { request in
            guard let bytes = try? Data(contentsOf: served) else { return .init(status: 404) }
            return .serving(Array(bytes), for: request)
        }
        defer { server.stop() }
        let user = Self.archive("user", needs: ["base"])
        try sandbox.writeFeed([Self.archive("base", files: Self.baseFiles), user])
        #expect(try sandbox.paddock(["install", "user", "--yes"]).status == 0)
        let v1: [String: [String: String]] = ["base": Self.baseFiles, "user": ["bin/user": "user 1.0\n"]]
        #expect(try sandbox.paddock(["upgrade"]).stdout == "Everything is up to date.\n")

        // 2.0 from the loopback server, but the feed's hash is wrong: refused before anything changes.
        let v2Files = ["bin/base": "base 2\n", "share/new.txt": "new in 2.0\n"]
        try sandbox.writeFeed([
            Product(id: "base", version: "2.0", kind: .archive(files: v2Files, url: "\(server.baseURL)/base-2.0.tar.gz", sha256: String(repeating: "ab", count: 32))),
            user,
        ])
        let bad = try sandbox.paddock(["upgrade", "--yes"])
        #expect(bad.status == 69)
        #expect(bad.stderr.contains("hash mismatch"))
        try sandbox.expectConsistent(v1, "after a bad hash")
        #expect(try sandbox.state().installed("base")?.version == "1.0")

        // 3.0 verifies but is not an archive: it fails inside the transaction, after 1.0 was
        // moved aside; the rollback puts 1.0 back.
        let broken = sandbox.root.appendingPathComponent("broken.tar.gz")
        try Data("this is not a tar archive".utf8).write(to: broken)
        try sandbox.writeFeed([
            Product(id: "base", version: "3.0", kind: .archive(files: [:], url: broken.path, sha256: try OpsSandbox.sha256(broken))), user,
        ])
        let failing = try sandbox.paddock(["upgrade", "base", "--yes"])
        #expect(failing.status == 65, "\(failing.stderr)")
        #expect(failing.stderr.contains("rolling back"))
        try sandbox.expectConsistent(v1, "after a failing step")

        // A good 2.0.
        try sandbox.writeFeed([Product(id: "base", version: "2.0", kind: .archive(files: v2Files, url: "\(server.baseURL)/base-2.0.tar.gz")), user])
        let dry = try sandbox.paddock(["upgrade", "--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("would upgrade base 1.0 → 2.0"))
        try sandbox.expectConsistent(v1, "after --dry-run")
        let good = try sandbox.paddock(["upgrade", "--accept-eula"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.hasSuffix("upgraded base 1.0 → 2.0\n"))
        try sandbox.expectConsistent(["base": v2Files, "user": ["bin/user": "user 1.0\n"]], "after the upgrade")
        let state = try sandbox.state()
        let base = try #require(try state.installed("base"))
        #expect(base.version == "2.0" && !base.requested)
        #expect(try state.dependents(of: "base") == ["user"])
        #expect(try sandbox.paddock(["upgrade"]).stdout == "Everything is up to date.\n")
        #expect(try sandbox.paddock(["doctor"]).status == 0)
    }

    /// apt keeps back a package whose new version would break an installed one; so does paddock.
    @Test("upgrade respects the version limits of what stays installed: the newest version that fits, or kept back with the reason")
    func upgradeLimits() throws {
        let sandbox = try OpsSandbox()
        let user = Self.archive("user", needs: ["base@<2"])
        try sandbox.writeFeed([Self.archive("base"), user])
        #expect(try sandbox.paddock(["install", "user", "--yes"]).status == 0)

        // 2.0 is out, but the installed user needs base < 2: kept back, with the reason, nothing changes.
        try sandbox.writeFeed([Self.archive("base", "2.0"), user])
        let kept = try sandbox.paddock(["upgrade", "--yes"])
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stderr.contains("base 2.0 is out but kept at 1.0: installed user 1.0 needs base < 2"), "\(kept.stderr)")
        #expect(kept.stdout == "Nothing to upgrade: what is out would break what is installed (see above).\n")
        try sandbox.expectConsistent(["base": ["bin/base": "base 1.0\n"], "user": ["bin/user": "user 1.0\n"]], "after keeping base back")

        // 1.5 is out too, in another feed: the newest that fits.
        try sandbox.writeFeed([Self.archive("base", "1.5")], name: "extra")
        let fits = try sandbox.paddock(["upgrade", "--yes"])
        #expect(fits.status == 0, "\(fits.stderr)")
        #expect(fits.stdout.hasSuffix("upgraded base 1.0 → 1.5\n"), "\(fits.stdout)")
        try sandbox.expectConsistent(["base": ["bin/base": "base 1.5\n"], "user": ["bin/user": "user 1.0\n"]], "after base 1.5")

        // A user 2.0 that takes base 2 is out: both move together.
        try sandbox.writeFeed([Self.archive("base", "2.0"), Self.archive("user", "2.0", needs: ["base@>=2"])])
        let both = try sandbox.paddock(["upgrade", "--yes"])
        #expect(both.status == 0, "\(both.stderr)")
        try sandbox.expectConsistent(["base": ["bin/base": "base 2.0\n"], "user": ["bin/user": "user 2.0\n"]], "after both")
    }

    @Test("the lock: --no-wait fails at once while a real paddock holds it; without it the second waits, says so, then recovers and goes on")
    func lock() throws {
        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([Self.archive("a"), Self.archive("b")])
        let paused = sandbox.root.appendingPathComponent("paused")
        let holder = try sandbox.spawn(
            ["install", "a", "--yes"], environment: ["PADDOCK_TEST_PAUSE_AT": "begin", "PADDOCK_TEST_PAUSE_FILE": paused.path], label: "holder")
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
        #expect(OpsSandbox.waitFor(paused))
        let pid = holder.processIdentifier

        let started = Date()
        let refused = try sandbox.paddock(["install", "b", "--yes", "--no-wait"])
        let refusedAfter = Date().timeIntervalSince(started)
        #expect(refused.status == 75)
        #expect(refused.stderr.contains("another paddock (pid \(pid)) is changing the installation"))
        #expect(refusedAfter < 5)
        #expect(try sandbox.paddock(["uninstall", "a", "--yes", "--no-wait"]).status == 64)  // not installed: refused before the lock
        #expect(try sandbox.paddock(["doctor", "--no-wait"]).status == 75)

        let waiting = Date()
        let waiter = try sandbox.spawn(["install", "b", "--yes"], label: "waiter")
        let deadline = Date().addingTimeInterval(30)
        while !sandbox.log("waiter").contains("waiting for another paddock (pid \(pid))") && Date() < deadline { usleep(20_000) }
        #expect(sandbox.log("waiter").contains("waiting for another paddock (pid \(pid)) to finish"))
        usleep(500_000)
        #expect(waiter.isRunning)
        kill(pid, SIGKILL)
        holder.waitUntilExit()
        waiter.waitUntilExit()
        #expect(waiter.terminationStatus == 0, "\(sandbox.log("waiter"))")
        #expect(Date().timeIntervalSince(waiting) >= 0.5)
        #expect(sandbox.log("waiter").contains("rolled back what a killed paddock left unfinished: paddock install a"))
        try sandbox.expectConsistent(["b": ["bin/b": "b 1.0\n"]], "after the waiter")
    }

    @Test("doctor: rolls back, removes a corrupt cached download, stale app pid files and leftover backups; reports missing files")
    func doctor() throws {
        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([Self.archive("a"), Self.archive("b")])
        #expect(try sandbox.paddock(["install", "a", "--yes"]).status == 0)
        let healthy = try sandbox.paddock(["doctor"])
        #expect(healthy.status == 0)
        #expect(healthy.stdout.hasSuffix("paddock is healthy.\n"))

        // A kill right before commit leaves a transaction; a cached file no longer matches its
        // name; a backup of a finished transaction lingers.
        let paused = sandbox.root.appendingPathComponent("paused")
        let killed = try sandbox.spawn(
            ["install", "b", "--yes"], environment: ["PADDOCK_TEST_PAUSE_AT": "commit", "PADDOCK_TEST_PAUSE_FILE": paused.path], label: "killed")
        #expect(OpsSandbox.waitFor(paused))
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()
        let cache = sandbox.home.appendingPathComponent("cache/downloads/sha256")
        let cached = try #require(try FileManager.default.contentsOfDirectory(atPath: cache.path).first)
        chmod(cache.appendingPathComponent(cached).path, 0o644)
        try Data("tampered".utf8).write(to: cache.appendingPathComponent(cached))
        let leftover = sandbox.programs.appendingPathComponent("a.paddock-backup-999")
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        // An app whose supervisor died by kill -9: its pid and status files stay behind.
        let appFolder = sandbox.root.appendingPathComponent("site")
        let appState = sandbox.home.appendingPathComponent("state/apps/site")
        try FileManager.default.createDirectory(at: appFolder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: appState.appendingPathComponent("run"), withIntermediateDirectories: true)
        try sandbox.state().saveApp(AppRecord(name: "site", template: "blank-flask", path: appFolder.path, stateDirectory: appState.path, parameters: [:]))
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let pidFile = appState.appendingPathComponent("run/supervisor.pid")
        let statusFile = appState.appendingPathComponent("run/status.json")
        try Data("\(dead.processIdentifier)\n".utf8).write(to: pidFile)
        try Data(#"{"state":"running","supervisorPid":\#(dead.processIdentifier),"port":8000,"restarts":0,"since":"x"}"#.utf8).write(to: statusFile)

        let repair = try sandbox.paddock(["doctor", "--json"])
        #expect(repair.status == 0, "\(repair.stdout)")
        let report = try JSONSerialization.jsonObject(with: Data(repair.stdout.utf8)) as? [String: Any]
        let checks = Dictionary(uniqueKeysWithValues: ((report?["checks"] as? [[String: Any]]) ?? []).map { ($0["name"] as? String ?? "", $0["status"] as? String ?? "") })
        #expect(checks["transactions"] == "repaired")
        #expect(checks["downloads"] == "repaired")
        #expect(checks["backups"] == "repaired")
        #expect(checks["apps"] == "repaired")
        #expect(!FileManager.default.fileExists(atPath: pidFile.path) && !FileManager.default.fileExists(atPath: statusFile.path))
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        #expect(checks["state database"] == "ok" && checks["schema"] == "ok" && checks["receipts"] == "ok")
        #expect(report?["healthy"] as? Bool == true)
        #expect(!FileManager.default.fileExists(atPath: cache.appendingPathComponent(cached).path))
        try sandbox.expectConsistent(["a": ["bin/a": "a 1.0\n"]], "after doctor")
        #expect(try sandbox.paddock(["doctor"]).stdout.contains("ok        apps: 1 checked"))

        // Files removed behind paddock's back: a problem, with what to run; exit 1.
        try FileManager.default.removeItem(at: sandbox.programs.appendingPathComponent("a"))
        let missing = try sandbox.paddock(["doctor"])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("problem   receipts: 1 of 1 missing"))
        #expect(missing.stdout.contains("run: paddock uninstall a and install it again"))
        let uninstall = try sandbox.paddock(["uninstall", "a", "--yes"])
        #expect(uninstall.status == 0)
        #expect(uninstall.stderr.contains("was already gone"))
        #expect(try sandbox.paddock(["doctor"]).status == 0)
    }
}
