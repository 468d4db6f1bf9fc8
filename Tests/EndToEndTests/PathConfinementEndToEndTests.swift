import Foundation
import PaddockSQLite
import Testing
import TestSupport

@testable import PaddockState

/// A feed, a damaged state database or journal cannot make the real `paddock` create, replace
/// or remove anything outside its own folders: a victim folder beside PADDOCK_HOME, with a file
/// in it, survives every attempt.
@Suite("Paths from feeds and records stay inside paddock's folders, end to end", .serialized, .offCooperativePool)
struct PathConfinementEndToEndTests {
    /// A victim folder beside PADDOCK_HOME, with a file in it.
    static func makeVictim(_ sandbox: OpsSandbox) throws -> URL {
        let victim = sandbox.root.appendingPathComponent("victim")
        try FileManager.default.createDirectory(at: victim, withIntermediateDirectories: true)
        try Data("precious\n".utf8).write(to: victim.appendingPathComponent("precious.txt"))
        return victim
    }

    static func expectIntact(_ victim: URL, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            (try? String(contentsOf: victim.appendingPathComponent("precious.txt"), encoding: .utf8)) == "precious\n",
            "\(label): the victim folder was touched", sourceLocation: sourceLocation)
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: victim.deletingLastPathComponent().path)) ?? [])
            .filter { $0.hasPrefix("victim.") }
        #expect(leftovers.isEmpty, "\(label): \(leftovers)", sourceLocation: sourceLocation)
    }

    @Test("destination=\"../../victim\" in a feed: the installer is refused when the feed is read, and install touches nothing")
    func destinationFromFeed() throws {
        let sandbox = try OpsSandbox()
        let victim = try Self.makeVictim(sandbox)
        // programs/ is home/data/programs: ../../ from there is the sandbox, where the victim is.
        try sandbox.writeFeed([
            .init(id: "evil", version: "1.0", kind: .archive(files: ["bin/evil": "evil\n"]), destination: "../../../victim")
        ])
        let feeds = try sandbox.paddock(["feed", "list", "--json"])
        #expect(feeds.stdout.contains("\"warningCount\" : 1"), "\(feeds.stdout)")
        let install = try sandbox.paddock(["install", "evil", "--yes"])
        #expect(install.status != 0)
        #expect(install.stderr.contains("evil"), "\(install.stderr)")
        Self.expectIntact(victim, "install")
        #expect(try sandbox.state().installed().isEmpty)
    }

    @Test("a folder inside programs/ that is a link out: install refuses before unpacking (exit 65), naming the path and the link")
    func linkOutOfPrograms() throws {
        let sandbox = try OpsSandbox()
        let victim = try Self.makeVictim(sandbox)
        try sandbox.writeFeed([.init(id: "tool", version: "1.0", kind: .archive(files: ["bin/tool": "tool\n"]), destination: "shared/tool")])
        try FileManager.default.createDirectory(at: sandbox.programs, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: sandbox.programs.appendingPathComponent("shared").path, withDestinationPath: victim.path)
        let install = try sandbox.paddock(["install", "tool", "--yes"])
        #expect(install.status == 65, "\(install.stderr)")
        #expect(
            install.stderr.contains(
                "paddock: error: refused: the folder tool unpacks into (its pd:install destination or product id) 'shared/tool' leads outside through a symbolic link"),
            "\(install.stderr)")
        #expect(!FileManager.default.fileExists(atPath: victim.appendingPathComponent("tool").path))
        Self.expectIntact(victim, "install through a link")
        let state = try sandbox.state()
        #expect(try state.installed().isEmpty)
        #expect(try state.unfinishedTransactions().isEmpty)
    }

    @Test("a receipt in the state database changed to name a folder outside: uninstall refuses (exit 65) and removes nothing")
    func damagedReceipt() throws {
        let sandbox = try OpsSandbox()
        let victim = try Self.makeVictim(sandbox)
        try sandbox.writeFeed([.init(id: "tool", version: "1.0", kind: .archive(files: ["bin/tool": "tool\n"]))])
        let install = try sandbox.paddock(["install", "tool", "--yes"])
        #expect(install.status == 0, "\(install.stderr)")
        try sandbox.state().database.query("UPDATE receipts SET path = ?", [.text(victim.path)])
        let uninstall = try sandbox.paddock(["uninstall", "tool", "--yes"])
        #expect(uninstall.status == 65, "\(uninstall.stderr)")
        #expect(uninstall.stderr.contains("refused: the path to replace '\(victim.path)' lies outside"), "\(uninstall.stderr)")
        Self.expectIntact(victim, "uninstall")
        #expect(try sandbox.state().installed().map(\.productId) == ["tool"])
        #expect(FileManager.default.fileExists(atPath: sandbox.programs.appendingPathComponent("tool/bin/tool").path))
    }

    @Test("a journal left by a dead paddock with an unknown action or a path outside: recovery stops, names the row, deletes nothing")
    func damagedJournal() throws {
        for (action, path) in [("erase", "VICTIM"), ("create", "VICTIM"), ("create", "victim")] {
            let sandbox = try OpsSandbox()
            let victim = try Self.makeVictim(sandbox)
            try sandbox.writeFeed([.init(id: "tool", version: "1.0", kind: .archive(files: ["bin/tool": "tool\n"]))])
            let state = try sandbox.state()
            // As a killed paddock leaves it: an open transaction of a process that is gone.
            let id = try #require(
                state.database.query(
                    "INSERT INTO transactions(command, pid, started_at, state) VALUES('install tool', 999999, '2026-01-01T00:00:00Z', 'open') RETURNING id"
                ).first?.first?.integerValue)
            try state.database.query(
                "INSERT INTO journal(txn, seq, action, path, backup) VALUES(?, 1, ?, ?, NULL)",
                [.integer(id), .text(action), .text(path.replacingOccurrences(of: "VICTIM", with: victim.path))])
            // `victim` relative: run from the sandbox, where a folder of that name exists.
            let next = try sandbox.paddock(["install", "tool", "--yes"])
            #expect(next.status == 65, "\(action) \(path): \(next.stderr)")
            #expect(next.stderr.contains("the journal of transaction \(id), row 1,"), "\(next.stderr)")
            #expect(next.stderr.contains("paddock will not undo it"), "\(next.stderr)")
            Self.expectIntact(victim, "\(action) \(path)")
            #expect(try state.unfinishedTransactions().map(\.id) == [id])
        }
    }

    /// The symptom a bare Debian showed: a step that fails (there, making the venv without
    /// python3-venv) ended in "internal error … please report it". Now the command and its
    /// last line, exit 1, nothing recorded.
    @Test("a failing install step (apt-get on a package that does not exist) is one line naming the command and its output, exit 1, never an internal error")
    func failingStepIsNotInternal() throws {
        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([
            .init(id: "tool", version: "1.0", needs: ["ghost"], kind: .archive(files: ["bin/tool": "tool\n"])),
            .init(id: "ghost", version: "1.0", kind: .apt(["paddock-no-such-package"])),
        ])
        let install = try sandbox.paddock(["install", "tool", "--yes"])
        #expect(install.status == (getuid() == 0 ? 1 : 77), "\(install.stderr)")
        #expect(!install.stderr.contains("internal error"), "\(install.stderr)")
        if getuid() == 0 {
            let errors = install.stderr.split(separator: "\n").filter { $0.hasPrefix("paddock: error:") }
            #expect(errors.count == 1, "\(install.stderr)")
            #expect(
                errors.first?.hasPrefix(
                    "paddock: error: 'apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 paddock-no-such-package' exited with status 100: E: Unable to locate package paddock-no-such-package; what the command had changed is undone"
                ) == true, "\(install.stderr)")
        }
        #expect(try sandbox.state().installed().isEmpty)
        #expect(try sandbox.state().unfinishedTransactions().isEmpty)
    }

    @Test(
        "a feed from a server naming a file of this machine (file://, an absolute path) is refused before anything is read (exit 65)",
        arguments: ["file:///etc/hostname", "/etc/hostname", "FILE:/etc/hostname"])
    func remoteFeedNamesLocalFile(location: String) throws {
        let sandbox = try OpsSandbox()
        let feed = """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1"><title>remote</title>
            <entry><productId>leak</productId><version>1.0</version><installers><installer><id>1</id>
            <installerFile><installerURL>\(location)</installerURL><pd:sha256>\(String(repeating: "ab", count: 32))</pd:sha256></installerFile>
            <pd:install kind="archive" scope="user"/></installer></installers></entry></feed>
            """
        let server = try LoopbackHTTPServer { request in .serving(Array(feed.utf8), for: request) }
        defer { server.stop() }
        #expect(try sandbox.paddock(["feed", "add", "\(server.baseURL)/feed.xml", "--name", "remote", "--insecure"]).status == 0)
        let install = try sandbox.paddock(["install", "leak", "--yes"])
        #expect(install.status == 65, "\(install.stderr)")
        #expect(
            install.stderr
                == "paddock: error: the remote feed 'remote' (\(server.baseURL)/feed.xml) names a file on this machine, '\(location)'; a feed from a server may only name http(s) downloads\n")
        #expect(try sandbox.state().installed().isEmpty)
        let cached = ((try? FileManager.default.contentsOfDirectory(atPath: sandbox.home.appendingPathComponent("cache/downloads").path)) ?? [])
        #expect(cached.isEmpty, "\(cached)")
    }

    @Test("titles and summaries with C1 controls and bidi overrides are shown escaped by list, search and show")
    func feedTextOnTheTerminal() throws {
        let sandbox = try OpsSandbox()
        // XML 1.0 allows C1 controls and bidi overrides as characters (not C0 ones such as ESC).
        let feed = """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <entry><productId>tool</productId><version>1.0</version><title>Safe &#x9B;2J&#x202E;txt.exe</title>
            <summary>sum&#x85;mary &#x2066;x</summary></entry></feed>
            """
        let file = sandbox.root.appendingPathComponent("text.xml")
        try Data(feed.utf8).write(to: file)
        #expect(try sandbox.paddock(["feed", "add", file.path]).status == 0)
        let shownTitle = "Safe \\u{9b}2J\\u{202e}txt.exe"
        for command in [["list"], ["search", "tool"], ["show", "tool"]] {
            let result = try sandbox.paddock(command)
            #expect(result.status == 0)
            #expect(result.stdout.contains(shownTitle), "\(command): \(result.stdout)")
            #expect(!result.stdout.unicodeScalars.contains { $0.value == 0x9B || $0.value == 0x202E || $0.value == 0x85 || $0.value == 0x2066 }, "\(command)")
        }
        #expect(try sandbox.paddock(["show", "tool"]).stdout.contains("summary:   sum\\u{85}mary \\u{2066}x"))
    }

    @Test("feed add of a URL that redirects to a local file is refused, saying so, and reads nothing")
    func feedRedirectToFile() throws {
        let sandbox = try OpsSandbox()
        let server = try LoopbackHTTPServer { _ in .init(status: 301, headers: ["Location": "file:///etc/hostname"]) }
        defer { server.stop() }
        let add = try sandbox.paddock(["feed", "add", "\(server.baseURL)/feed.xml", "--insecure"])
        #expect(add.status == 69, "\(add.stderr)")
        #expect(add.stderr.contains("the server redirects too many times, or to an address that is not http(s) (such as file://), which paddock does not follow"), "\(add.stderr)")
        #expect(!add.stderr.contains("404"))
        let feeds = try sandbox.paddock(["feed", "list", "--json"])
        #expect(!feeds.stdout.contains("redirect") && !feeds.stdout.contains("127.0.0.1"), "\(feeds.stdout)")
    }

    @Test("an archive that is refused is named by its product and its source, not by its file in the download cache")
    func archiveRefusalNamesProduct() throws {
        let sandbox = try OpsSandbox()
        let junk = sandbox.root.appendingPathComponent("junk.tar.gz")
        try Data("this is not an archive\n".utf8).write(to: junk)
        try sandbox.writeFeed([.init(id: "tool", version: "1.0", kind: .archive(files: [:], url: junk.path, sha256: try OpsSandbox.sha256(junk)))])
        let install = try sandbox.paddock(["install", "tool", "--yes"])
        #expect(install.status == 65)
        let errors = install.stderr.split(separator: "\n").filter { $0.hasPrefix("paddock: error:") }
        #expect(errors.count == 1, "\(install.stderr)")
        #expect(errors.first?.hasPrefix("paddock: error: the archive of tool (\(junk.path)) is refused: archive '") == true, "\(install.stderr)")
        #expect(errors.first?.hasSuffix("nothing was extracted") == true, "\(install.stderr)")
    }
}

/// A machine that misbehaves under paddock: a full disk is said as such, never "internal error".
@Suite("A full disk, end to end", .serialized, .offCooperativePool)
struct FullDiskTests {
    @Test("install onto a full disk: one line saying the disk is full, exit 74, nothing recorded, nothing left half-done")
    func fullDisk() throws {
        let sandbox = try OpsSandbox()
        let small = sandbox.root.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        // A 2 MB file system of its own for PADDOCK_HOME (root only, as CI runs).
        let mount = try runProcess(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=2m", "tmpfs", small.path])
        guard mount.status == 0 else {
            Issue.record("cannot mount a 2 MB tmpfs for the full-disk test (needs root): \(mount.stderr)")
            return
        }
        defer { _ = try? runProcess(URL(fileURLWithPath: "/bin/umount"), ["-l", small.path]) }
        sandbox.environment["PADDOCK_HOME"] = small.appendingPathComponent("home").path
        // 4 MB that do not compress, in an archive beside the feed (outside the small disk).
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<(4 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let archive = sandbox.root.appendingPathComponent("big-1.0.tar.gz")
        let source = sandbox.root.appendingPathComponent("bigsrc/big/bin")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try Data(bytes).write(to: source.appendingPathComponent("big"))
        #expect(try runProcess(URL(fileURLWithPath: "/bin/tar"), ["czf", archive.path, "-C", sandbox.root.appendingPathComponent("bigsrc").path, "big"]).status == 0)
        try sandbox.writeFeed([.init(id: "big", version: "1.0", kind: .archive(files: [:], url: archive.path, sha256: try OpsSandbox.sha256(archive)))])
        let install = try sandbox.paddock(["install", "big", "--yes"])
        #expect(install.status == 74, "\(install.stderr)")
        #expect(!install.stderr.contains("internal error"), "\(install.stderr)")
        let errors = install.stderr.split(separator: "\n").filter { $0.hasPrefix("paddock: error:") }
        #expect(errors.count == 1 && errors[0].contains("the disk is full"), "\(install.stderr)")
        #expect(try StateStore(directory: small.appendingPathComponent("home/state")).installed().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: small.appendingPathComponent("home/data/programs/big").path))
    }
}
