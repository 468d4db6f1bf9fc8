import Foundation
import Testing
import TestSupport

/// Issue 14 item 3, with the built binary: each database names itself when it fails; a damaged
/// or emptied state database is reported with what can be recovered, never read as "nothing
/// installed"; doctor's rebuild of a damaged index keeps every feed the user added.
@Suite("Damaged databases, end to end", .serialized, .offCooperativePool)
struct DatabaseRepairTests {
    static let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })

    /// Replaces a database with `contents`, its WAL and shared-memory files removed.
    static func clobber(_ path: String, with contents: Data) throws {
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try contents.write(to: URL(fileURLWithPath: path))
    }

    static func installLogs(_ sandbox: OpsSandbox) throws -> [String] {
        let logs = sandbox.home.appendingPathComponent("state/logs")
        return try FileManager.default.contentsOfDirectory(atPath: logs.path).sorted().map { logs.appendingPathComponent($0).path }
    }

    @Test("a damaged state.sqlite: a command says the state database is damaged (exit 74); doctor reports it with what can be recovered (exit 1)")
    func damagedState() throws {
        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([InstallerOpsTests.archive("a")])
        #expect(try sandbox.paddock(["install", "a", "--yes"]).status == 0)
        let database = sandbox.home.appendingPathComponent("state/state.sqlite").path
        try Self.clobber(database, with: Self.garbage)

        let installed = try sandbox.paddock(["apps"])
        #expect(installed.status == 74)
        #expect(
            installed.stderr
                == "paddock: error: the state database '\(database)' is damaged (SQLite error 26: file is not a database). Run 'paddock doctor' to see what can be recovered, and keep a copy of the file: it is paddock's only record of what is installed\n"
        )
        #expect(!installed.stderr.contains("catalog"))

        let doctor = try sandbox.paddock(["doctor"])
        #expect(doctor.status == 1, "\(doctor.stderr)")
        #expect(doctor.stderr == "")
        let lines = doctor.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let expected =
            [
                "problem   state database: \(database) is damaged (SQLite error 26: file is not a database): paddock cannot tell what it installed. Back it up first (cp \(database) \(database).damaged), then restore an earlier copy of it; do not delete it. What can be recovered is listed below",
                "          - program folder \(sandbox.programs.path)/a",
            ] + (try Self.installLogs(sandbox)).map { "          - install log \($0)" } + [
                "          - the records and the journal in \(database) cannot be read",
                "ok        index database: integrity_check ok",
                "ok        built-in feed: turned off",
            ]
        #expect(Array(lines.prefix(expected.count)) == expected)
        #expect(lines.suffix(2) == ["paddock has problems; see above for what to run.", ""])
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == Self.garbage, "doctor leaves the damaged file as it was")

        let json = try sandbox.paddock(["doctor", "--json"])
        #expect(json.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["healthy"] as? Bool == false)
        let checks = (report["checks"] as? [[String: Any]] ?? []).map { "\($0["name"] ?? ""):\($0["status"] ?? "")" }
        #expect(checks == ["state database:problem", "index database:ok", "built-in feed:ok", "downloads:ok"])
    }

    @Test("a state.sqlite damaged past its first page: a failing query names the state database; doctor lists what it can still read")
    func partlyDamagedState() throws {
        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([InstallerOpsTests.archive("a")])
        #expect(try sandbox.paddock(["install", "a", "--yes"]).status == 0)
        let database = sandbox.home.appendingPathComponent("state/state.sqlite").path
        // Pages of 4096 bytes, the tables' root pages in the order StateSchema creates them:
        // 2 installed, 3 its key, 4 receipts. Only the receipts' page is overwritten.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: database))
        #expect(bytes.count >= 5 * 4096)
        bytes.replaceSubrange(3 * 4096..<4 * 4096, with: Self.garbage.prefix(4096))
        try Self.clobber(database, with: bytes)

        let uninstall = try sandbox.paddock(["uninstall", "a", "--yes"])
        #expect(uninstall.status == 74)
        #expect(
            uninstall.stderr.hasPrefix("paddock: error: the state database '\(database)' is damaged (SQLite error 11: "), "\(uninstall.stderr)")
        let doctor = try sandbox.paddock(["doctor"])
        #expect(doctor.status == 1, "\(doctor.stderr)")
        #expect(doctor.stderr == "")
        #expect(doctor.stdout.contains("\nproblem   state database: "), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("\n          - program folder \(sandbox.programs.path)/a\n"))
        #expect(doctor.stdout.contains("\n          - recorded as installed: a 1.0\n"), "\(doctor.stdout)")
        #expect(doctor.stdout.hasSuffix("paddock has problems; see above for what to run.\n"))
    }

    @Test("a 0-byte state.sqlite after an install: not 'nothing installed'; doctor names the program folder it found; a fresh home stays quiet")
    func emptiedState() throws {
        let fresh = try OpsSandbox()
        #expect(try fresh.paddock(["apps"]).status == 0)
        #expect(try fresh.paddock(["doctor"]).status == 0)

        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([InstallerOpsTests.archive("a")])
        #expect(try sandbox.paddock(["install", "a", "--yes"]).status == 0)
        let database = sandbox.home.appendingPathComponent("state/state.sqlite").path
        try Self.clobber(database, with: Data())
        // Archive installs leave the logs folder empty; a command installer's output goes there.
        let logs = try Self.installLogs(sandbox)
        let found = ["program folder \(sandbox.programs.path)/a"] + logs.map { "install log \($0)" }

        let doctor = try sandbox.paddock(["doctor"])
        #expect(doctor.status == 1)
        let lines = doctor.stdout.split(separator: "\n").map(String.init)
        let expected =
            [
                "problem   state database: \(database) is empty (0 bytes), but paddock's folders show that it installed things: what is installed is no longer recorded. Restore state.sqlite from a backup; to start afresh instead, move what is listed below aside"
            ] + found.map { "          - \($0)" } + ["ok        index database: integrity_check ok"]
        #expect(Array(lines.prefix(expected.count)) == expected)
        #expect(lines.last == "paddock has problems; see above for what to run.")

        for command in [["apps"], ["install", "a", "--yes"], ["uninstall", "a", "--yes"]] {
            let refused = try sandbox.paddock(command)
            #expect(refused.status == 74, "\(command)")
            #expect(
                refused.stderr
                    == "paddock: error: the state database '\(database)' is empty (0 bytes), but paddock's folders show that it installed things (\(found.joined(separator: ", "))): paddock no longer knows what is installed, so it changes nothing. Run 'paddock doctor' to see what it found; restore state.sqlite from a backup, or, to start afresh, move what it names aside\n",
                "\(command)")
        }
        #expect(try FileManager.default.attributesOfItem(atPath: database)[.size] as? Int == 0, "nothing made over it")
        #expect(FileManager.default.fileExists(atPath: sandbox.programs.appendingPathComponent("a/bin/a").path))

        // Starting afresh on purpose: what it named moved aside, paddock works again.
        let aside = sandbox.root.appendingPathComponent("aside")
        try FileManager.default.createDirectory(at: aside, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: sandbox.programs.appendingPathComponent("a"), to: aside.appendingPathComponent("a"))
        for log in logs { try FileManager.default.moveItem(atPath: log, toPath: aside.appendingPathComponent((log as NSString).lastPathComponent).path) }
        #expect(try sandbox.paddock(["install", "a", "--yes"]).status == 0)
        #expect(try sandbox.paddock(["doctor"]).status == 0)
    }

    @Test("a damaged catalog.sqlite with two feeds, one signed: doctor rebuilds it; same names, sources, the key still pinned")
    func damagedIndex() throws {
        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([InstallerOpsTests.archive("a")])
        func signedFeed(_ version: String, updated: String) -> String {
            """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>signed</title><updated>\(updated)</updated>
            <entry><productId>s</productId><title>S</title><version>\(version)</version></entry></feed>

            """
        }
        let signed = sandbox.root.appendingPathComponent("signed.xml").path
        try Data(signedFeed("1.0", updated: "2025-01-01T00:00:00Z").utf8).write(to: URL(fileURLWithPath: signed))
        #expect(try sandbox.paddock(["feed", "keygen", "zoo"]).status == 0)
        #expect(try sandbox.paddock(["feed", "sign", signed, "--secret-key", "zoo.key"]).status == 0)
        let add = try sandbox.paddock(["feed", "add", signed, "--key", "zoo.pub"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try sandbox.paddock(["install", "a", "--yes"]).status == 0)
        let listed = try sandbox.paddock(["feed", "list"])
        let listedJSON = try sandbox.paddock(["feed", "list", "--json"])
        #expect(listed.stdout.contains("signed by key "))

        let index = sandbox.home.appendingPathComponent("data/catalog.sqlite").path
        try Self.clobber(index, with: Self.garbage)
        let broken = try sandbox.paddock(["feed", "list"])
        #expect(broken.status == 74)
        #expect(
            broken.stderr
                == "paddock: error: the index database '\(index)' is damaged (SQLite error 26: file is not a database); run 'paddock doctor' to rebuild it from the feeds' cached copies\n"
        )

        let doctor = try sandbox.paddock(["doctor"])
        #expect(doctor.status == 0, "\(doctor.stdout)")
        #expect(
            doctor.stdout.contains(
                "\nrepaired  index database: was damaged and is rebuilt from the feeds' cached copies: 2 feeds restored (ops, signed)\n          - SQLite error 26: file is not a database (in: PRAGMA integrity_check)\n"
            ))
        #expect(doctor.stdout.contains("ok        state database: integrity_check ok\n"), "the state database is not blamed")
        #expect(doctor.stdout.hasSuffix("paddock is healthy.\n"))

        let after = try sandbox.paddock(["feed", "list"])
        #expect(after.status == 0)
        #expect(after.stdout == listed.stdout)
        let before = try JSONSerialization.jsonObject(with: Data(listedJSON.stdout.utf8)) as? [[String: Any]]
        let restored = try JSONSerialization.jsonObject(with: Data(try sandbox.paddock(["feed", "list", "--json"]).stdout.utf8)) as? [[String: Any]]
        #expect(restored.map { NSArray(array: $0) } == before.map { NSArray(array: $0) }, "every field of every feed, the key and baselines too")
        #expect(try sandbox.paddock(["show", "s"]).status == 0)
        #expect(try sandbox.paddock(["uninstall", "a", "--yes"]).status == 0, "the state database was never touched")

        // The key is still pinned: a newer copy signed by another key is refused, the old one kept.
        try Data(signedFeed("2.0", updated: "2026-01-01T00:00:00Z").utf8).write(to: URL(fileURLWithPath: signed))
        #expect(try sandbox.paddock(["feed", "keygen", "intruder"]).status == 0)
        #expect(try sandbox.paddock(["feed", "sign", signed, "--secret-key", "intruder.key"]).status == 0)
        let refused = try sandbox.paddock(["feed", "update", "signed"])
        #expect(refused.status == 65)
        #expect(refused.stderr.hasPrefix("paddock: error: '\(signed).sig' does not verify '\(signed)': "), "\(refused.stderr)")
        #expect(try sandbox.paddock(["show", "s", "--json"]).stdout.contains("\"1.0\""))
        // Signed by the pinned key, it is accepted.
        #expect(try sandbox.paddock(["feed", "sign", signed, "--secret-key", "zoo.key"]).status == 0)
        let accepted = try sandbox.paddock(["feed", "update", "signed"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
    }

    @Test("a catalog.sqlite whose products cannot be read: show and a dry-run install say the index is damaged (exit 74), never that no feed defines the product")
    func damagedProductsInIndex() throws {
        let home = try TestPaths.temporaryDirectory("paddock-damaged-index")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["PADDOCK_HOME": home.path, "PADDOCK_BUILTIN_FEED": TestPaths.builtinFeed.path, "NO_COLOR": "1"]
        func paddock(_ arguments: [String]) throws -> ProcessResult {
            try runProcess(TestPaths.binary, arguments, environment: environment)
        }
        #expect(try paddock(["show", "django"]).status == 0, "the built-in feed is loaded")
        let index = home.appendingPathComponent("data/catalog.sqlite").path
        // The products table's root page (page 4: after the header page and the feeds table and
        // its key) is overwritten; the schema and the feeds table stay readable, so the index
        // opens and only the product lookups fail, as with a disk that lost one block.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: index))
        let field = Int(bytes[16]) << 8 | Int(bytes[17])
        let pageSize = field == 1 ? 65536 : field
        #expect(bytes.count >= 5 * pageSize)
        bytes.replaceSubrange(3 * pageSize..<4 * pageSize, with: Data((0..<pageSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }))
        try Self.clobber(index, with: bytes)
        #expect(try paddock(["feed", "list"]).status == 0, "the index opens: its feeds are still read")

        let message =
            "paddock: error: the index database '\(index)' is damaged (SQLite error 11: database disk image is malformed); run 'paddock doctor' to rebuild it from the feeds' cached copies\n"
        for command in [["show", "django"], ["install", "blank-django", "--app", "x", "--dry-run"]] {
            let result = try paddock(command)
            #expect(result.status == 74, "\(command): \(result.stderr)")
            #expect(result.stderr == message, "\(command)")
            #expect(!result.stderr.contains("no loaded feed defines"), "\(command)")
        }
    }
}
