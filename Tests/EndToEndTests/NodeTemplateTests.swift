import Foundation
import PaddockApps
import PaddockBasics
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The Blank Node.js Project for real: the built paddock installs it from the built-in feed into
/// a fresh PADDOCK_HOME (Express from Debian's node-express, no npm), runs `node -e` in its
/// environment, launches the cluster primary and its workers under its supervisor, and a
/// rolling restart of changed code is requested through for 20 seconds. Whichever nodejs is on
/// PATH runs it: Debian's, or one from elsewhere that does not search /usr/share/nodejs.
@Suite("Blank Node.js Project end to end", .serialized, .requires(.debianPackages(rails: false)), .offCooperativePool)
struct NodeTemplateTests {
    @Test("install, node -e, launch, page, migrations, rolling restart of a change under a request loop, a killed worker, stop, uninstall")
    func node() throws {
        let sandbox = try TemplateSandbox("paddock-node")
        let port = 18522
        defer { sandbox.stopAll("web") }
        let install = try sandbox.paddock(["install", "blank-node", "--app", "web", "--yes"])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        #expect(install.stdout.contains("created app 'web'"))
        let appFolder = sandbox.root.appendingPathComponent("web")
        #expect(!FileManager.default.fileExists(atPath: appFolder.appendingPathComponent("node_modules").path), "Debian's modules, no npm")
        let state = sandbox.home.appendingPathComponent("state/apps/web")
        let database = state.appendingPathComponent("data/db.sqlite3")
        #expect(try TemplateSandbox.sqliteTables(database) == ["notes", "schema_migrations"], "the deploy hook applied the first migration")

        // The app's environment finds Debian's express whichever nodejs this is.
        let script =
            "console.error('node ' + process.version + ', NODE_PATH=' + process.env.NODE_PATH); console.log(require('express/package.json').version); console.log(require('./db').appliedMigrations().join(','))"
        let run = try sandbox.paddock(["run", "web", "--", "node", "-e", script])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        print("Blank Node.js Project: paddock run web -- node -e: \(run.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        #expect(run.stdout.hasPrefix("4."), "\(run.stdout)")
        #expect(run.stdout.hasSuffix("\n0001_create_notes.sql\n"), "\(run.stdout)")

        let launch = try sandbox.paddock(["launch", "web", "--detach", "--port", String(port), "--workers", "2"])
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("http://127.0.0.1:\(port)/"))
        let home = try #require(TemplateSandbox.get(port, "/"))
        #expect(home.status == 200)
        #expect(home.body.contains("Your paddock Node.js app is running"), "\(home.body)")
        #expect(home.body.contains("<h1>web</h1>") && home.body.contains("1 migration(s) applied"))
        #expect(TemplateSandbox.get(port, "/static/style.css")?.status == 200)
        #expect(TemplateSandbox.get(port, "/", host: "evil.example")?.status == 400, "ALLOWED_HOSTS is enforced")
        #expect(TemplateSandbox.get(port, "/healthz", host: "evil.example")?.status == 200)

        // A code change and a new migration; restart runs migrate.js, then the primary's
        // rolling restart. A 20-second request loop around it sees no refusal and no 5xx.
        let app = appFolder.appendingPathComponent("app.js")
        let source = try String(contentsOf: app, encoding: .utf8)
        try source.replacingOccurrences(of: "Your paddock Node.js app is running.", with: "Changed by the Node test.").write(to: app, atomically: true, encoding: .utf8)
        try "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
            .write(to: appFolder.appendingPathComponent("migrations/0002_create_tags.sql"), atomically: true, encoding: .utf8)
        let loop = RequestLoop(port: port)
        let loopStarted = Date()
        loop.start()
        usleep(1_000_000)
        let restart = try sandbox.paddock(["restart", "web"])
        #expect(restart.status == 0, "\(restart.stdout)\n\(restart.stderr)")
        #expect(TemplateSandbox.waitFor(port, containing: "Changed by the Node test.", seconds: 30), "the change is served after the restart")
        TemplateSandbox.sleep(untilSecondsAfter: loopStarted, 20)
        let counts = loop.stop()
        print("Blank Node.js Project: 20-second request loop through a rolling restart: \(counts)")
        #expect(counts.ok > 100, "the loop made requests: \(counts)")
        // On a failure, the app log's error lines say why.
        let errors = counts.failures == 0 ? "" : TemplateSandbox.errorLines(sandbox, "web")
        #expect(counts.failures == 0, "during the restart: \(counts)\(errors)")
        #expect(try TemplateSandbox.sqliteTables(database).contains("tags"), "the new migration ran")
        #expect(TemplateSandbox.get(port, "/")?.body.contains("2 migration(s) applied") == true)

        // A broken migration stops the restart; the running version keeps serving.
        try "CREATE TABLE broken (;\n".write(to: appFolder.appendingPathComponent("migrations/0003_broken.sql"), atomically: true, encoding: .utf8)
        let refused = try sandbox.paddock(["restart", "web"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("migration 0003_broken.sql failed"), "\(refused.stderr)")
        #expect(TemplateSandbox.get(port, "/")?.body.contains("Changed by the Node test.") == true)
        try FileManager.default.removeItem(at: appFolder.appendingPathComponent("migrations/0003_broken.sql"))

        // A killed worker: the primary starts another; the site answers throughout.
        try TemplateSandbox.killWorkerAndWaitForReplacement(sandbox, "web", port: port)

        let stop = try sandbox.paddock(["stop", "web"])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(!HTTPProbe.isListening(port: port), "the port is free after stop")
        #expect(try sandbox.paddock(["status", "web"]).status == 3)

        let list = try sandbox.paddock(["list", "--keyword", "Templates", "--json"])
        #expect(list.stdout.contains("\"productId\" : \"blank-node\""))
        #expect(list.stdout.contains("A new Express 4 app (CommonJS) on Debian's node-express"))
        // As text: the title's line, then the summary on the line below.
        let lines = try sandbox.paddock(["list", "--keyword", "Templates"]).stdout.split(separator: "\n").map(String.init)
        let index = try #require(lines.firstIndex { $0.hasPrefix("blank-node") && $0.contains("Blank Node.js Project") }, "\(lines)")
        #expect(index + 1 < lines.count && lines[index + 1].contains("A new Express 4 app (CommonJS) on Debian's node-express"), "\(lines)")

        let removed = try sandbox.paddock(["uninstall", "blank-node", "--app", "web", "--yes"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: appFolder.path))
        #expect(!FileManager.default.fileExists(atPath: state.path))
        #expect(try sandbox.paddock(["apps", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]")
    }
}
