import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The exit-code table of docs/cli.md, walked: each documented code is produced by the built
/// binary from real input, and each kind of failure gives its one code whatever the command
/// (an unknown product is 64 from `show`, `plan`, `install` and `why` alike). A code added to
/// the table without a case here fails the walk.
@Suite("Exit codes: the table in docs/cli.md, walked end to end", .serialized)
struct ExitCodeTests {
    /// The codes the table lists, read from docs/cli.md.
    static func documentedCodes() throws -> Set<Int32> {
        let text = try String(contentsOf: TestPaths.repository.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        let section = try #require(text.range(of: "## Exit codes"))
        var codes: Set<Int32> = []
        for line in text[section.upperBound...].split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
            if let first = cells.first, let code = Int32(first) { codes.insert(code) }
        }
        return codes
    }

    /// A template (an archive with an app manifest; its engine is never started here).
    static let manifest = """
        <app xmlns="urn:paddock:app:1">
          <engine name="python-gunicorn"><setting name="wsgi_app" value="toy:app"/></engine>
        </app>
        """

    /// Writes a second feed by hand: the template, and a product whose dependency no feed defines.
    func writeAppsFeed(_ sandbox: OpsSandbox) throws {
        let template = try sandbox.makeArchive("toy-template", version: "1.0", files: ["paddock-app.xml": Self.manifest, "project/README.md": "toy\n"])
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1">
            <title>apps</title>
            <entry><productId>toy-template</productId><version>1.0</version>
              <installers><installer><id>1</id>
                <installerFile><installerURL>\(template.path)</installerURL><pd:sha256>\(template.sha256)</pd:sha256></installerFile>
                <pd:install kind="archive" scope="app" strip="1"/>
              </installer></installers></entry>
            <entry><productId>needs-ghost</productId><version>1.0</version>
              <dependency><productId>ghost</productId></dependency>
              <installers><installer><id>1</id><pd:install kind="command"><pd:arg>true</pd:arg></pd:install></installer></installers></entry>
            </feed>
            """
        let file = sandbox.root.appendingPathComponent("apps.xml")
        try Data(xml.utf8).write(to: file)
        #expect(try sandbox.paddock(["feed", "add", file.path, "--name", "apps"]).status == 0)
    }

    @Test("every code of the table comes from real input, and one kind of failure is one code whatever the command")
    func walk() throws {
        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([InstallerOpsTests.archive("tool"), OpsSandbox.Product(id: "debpkg", version: "1.0", kind: .apt(["paddock-no-such-package"]))])
        try writeAppsFeed(sandbox)
        var produced: Set<Int32> = []
        func expectStatus(_ code: Int32, _ arguments: [String], stderr: String? = nil, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation)
            throws
        {
            let result = try sandbox.paddock(arguments, environment: environment)
            #expect(result.status == code, "paddock \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
            if let stderr { #expect(result.stderr.contains(stderr), "\(result.stderr)", sourceLocation: sourceLocation) }
            if result.status != 0 && result.status != 3 && result.status != 1 {
                // Every failure is one line on stderr, "paddock: error: …".
                #expect(result.stderr.hasPrefix("paddock: error: "), "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
            }
            if result.status == code { produced.insert(code) }
        }

        try expectStatus(0, ["list"])
        try expectStatus(0, ["install", "toy-template", "--app", "toy", "--yes"])
        // 1: a question answered "no" (why: nothing requested needs it).
        try expectStatus(1, ["why", "tool", "--for", "toy-template"])
        // 3: as LSB's status, whether the answer is text or JSON.
        try expectStatus(3, ["status", "toy"])
        try expectStatus(3, ["status", "toy", "--json"])
        // 64: the command was used wrongly, whichever command.
        try expectStatus(64, ["instal", "tool"], stderr: "'instal' is not a paddock command; did you mean 'install'?")
        for command in [["show", "tol"], ["plan", "tol"], ["install", "tol", "--yes"], ["download", "tol", "--to", "bundle"]] {
            try expectStatus(64, command, stderr: "no product 'tol' in any feed; did you mean 'tool'?")
        }
        for command in [["status", "nosuch"], ["status", "nosuch", "--json"], ["logs", "nosuch", "--json"], ["stop", "nosuch"], ["config", "nosuch"]] {
            try expectStatus(64, command, stderr: "no app named 'nosuch'")
        }
        try expectStatus(64, ["install", "toy-template", "--app", "toy", "--yes"], stderr: "an app named 'toy' already exists")
        try expectStatus(64, ["install", "toy-template", "--app", "other", "--param", "nosuch=1", "--yes"], stderr: "has no parameter 'nosuch'")
        // 65: damaged input.
        let malformed = sandbox.root.appendingPathComponent("malformed.xml")
        try Data("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<entry>\n</feed>\n".utf8).write(to: malformed)
        try expectStatus(65, ["feed", "add", malformed.path], stderr: "\(malformed.path):3:")
        // 66: a file named that is not there.
        try expectStatus(66, ["install", "toy-template", "--app", "other", "--answers", "/nonexistent/answers.txt", "--yes"], stderr: "/nonexistent/answers.txt")
        // 69: what is needed is not there: a request that cannot be met, a port in use.
        try expectStatus(69, ["plan", "needs-ghost"], stderr: "ghost")
        // A port something listens on (the SQL Server test's listener, which takes and closes).
        let busy = try SQLServerAppTests.ConnectionRecorder()
        defer { busy.stop() }
        try expectStatus(69, ["launch", "toy", "--port", String(busy.port)], stderr: "port \(busy.port) on 127.0.0.1 is in use")
        // 73: the app's folder exists and is not empty.
        let occupied = sandbox.root.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: occupied.appendingPathComponent("keep.txt"))
        try expectStatus(73, ["install", "toy-template", "--app", "occupied", "--path", occupied.path, "--yes"], stderr: "already exists and is not empty")
        // 75: another paddock holds the lock, and --no-wait.
        let paused = sandbox.root.appendingPathComponent("paused")
        let holder = try sandbox.spawn(
            ["install", "tool", "--yes"], environment: ["PADDOCK_TEST_PAUSE_AT": "begin", "PADDOCK_TEST_PAUSE_FILE": paused.path], label: "holder")
        #expect(OpsSandbox.waitFor(paused))
        try expectStatus(75, ["doctor", "--no-wait"], stderr: "another paddock")
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        // 77: Debian packages without root: run as nobody (the sandbox opened to it).
        if getuid() == 0 {
            _ = try runProcess(URL(fileURLWithPath: "/bin/chmod"), ["-R", "a+rwX", sandbox.root.path])
            let asNobody = try runProcess(
                URL(fileURLWithPath: "/usr/bin/setpriv"), ["--reuid=65534", "--regid=65534", "--clear-groups", TestPaths.binary.path, "install", "debpkg", "--yes"],
                environment: sandbox.environment, directory: sandbox.root)
            #expect(asNobody.status == 77, "\(asNobody.stderr)")
            #expect(asNobody.stderr.contains("apt-get"), "\(asNobody.stderr)")
            if asNobody.status == 77 { produced.insert(77) }
        } else {
            try expectStatus(77, ["install", "debpkg", "--yes"], stderr: "apt-get")
        }
        // 78: paddock's own settings.
        let config = sandbox.home.appendingPathComponent("config/config.toml")
        try FileManager.default.createDirectory(at: config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("builtin-feed = maybe\n".utf8).write(to: config)
        try expectStatus(78, ["list"], stderr: "\(config.path):1:")
        try FileManager.default.removeItem(at: config)
        // 74: the state database damaged (last: it stops every command that reads it).
        let database = sandbox.home.appendingPathComponent("state/state.sqlite")
        try Data(repeating: 0x5A, count: 8192).write(to: database)
        try expectStatus(74, ["apps"], stderr: "the state database")

        // 70 is paddock's own bug: no input reaches it (the point of the rest of the suite).
        let documented = try Self.documentedCodes()
        #expect(documented.contains(70))
        #expect(produced == documented.subtracting([70]), "documented \(documented.sorted()), produced \(produced.sorted())")
    }
}
