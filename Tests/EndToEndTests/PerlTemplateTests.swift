import Foundation
import PaddockApps
import PaddockBasics
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

extension Requirement {
    /// Debian's Perl web stack, which the Perl templates' feed products name (scripts/install-test-deps.sh
    /// installs it): start_server, starman, and the modules the apps load.
    static let perlWebStack = Requirement("the Perl web stack") {
        for program in ["/usr/bin/perl", "/usr/bin/start_server", "/usr/bin/starman"] where !FileManager.default.isExecutableFile(atPath: program) {
            return "\(program) missing; install Debian packages perl libserver-starter-perl starman (scripts/test.sh does)"
        }
        let modules = ["Mojolicious": "libmojolicious-perl", "Mojo::SQLite": "libmojo-sqlite-perl", "Plack": "libplack-perl", "DBD::SQLite": "libdbd-sqlite3-perl"]
        for (module, package) in modules.sorted(by: { $0.key < $1.key }) {
            let result = try? runProcess(URL(fileURLWithPath: "/usr/bin/perl"), ["-M\(module)", "-e", "1"])
            if result?.status != 0 { return "the Perl module \(module) missing; install Debian package \(package) (scripts/test.sh does)" }
        }
        return nil
    }
}

/// The two Perl templates, for real: the built paddock installs each from the built-in feed
/// into a fresh PADDOCK_HOME, runs a command in its environment, launches it under its
/// supervisor (Server::Starter as the engine's process), changes its code and schema and
/// restarts it under a request loop, kills a worker and the engine, stops and uninstalls it.
@Suite("Perl templates end to end", .serialized, .requires(.perlWebStack), .offCooperativePool)
struct PerlTemplateTests {
    /// What differs between the two templates.
    struct Template: Sendable {
        var id: String
        var app: String
        var port: Int
        /// `paddock run APP -- ARGV`, and what it must print.
        var runArguments: [String]
        var runPrints: String
        var page: String
        /// A file whose `page` text the test changes, relative to the app folder.
        var codeFile: String
        /// The migration the test adds: the file (appended to, or created) and its text.
        var migrationFile: String
        var migration: String
        /// The tables the template's own migration makes, and the one the added migration makes.
        var tables: [String]
        var addedTable: String
    }

    static let mojolicious = Template(
        id: "blank-mojolicious", app: "mojosite", port: 18451,
        runArguments: ["perl", "-MMojolicious", "-e", "print Mojolicious->VERSION, ' ', $ENV{MOJO_MODE}, ' ', (length($ENV{SECRET_KEY} // '') >= 50 ? 'secret' : 'none'), qq{\\n}"],
        runPrints: "production secret", page: "Your paddock Mojolicious app is running",
        codeFile: "lib/MyApp/Controller/Example.pm", migrationFile: "migrations/mojosite.sql",
        migration: "-- 2 up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);\n-- 2 down\nDROP TABLE notes;\n",
        tables: ["mojo_migrations", "page_views"], addedTable: "notes")

    static let perl = Template(
        id: "blank-perl", app: "shop", port: 18452,
        runArguments: ["perl", "-MPlack", "-MStarman", "-MDBD::SQLite", "-e", "print qq{$Plack::VERSION $Starman::VERSION }, (length($ENV{SECRET_KEY} // '') >= 50 ? 'secret' : 'none'), qq{\\n}"],
        runPrints: "secret", page: "Your paddock Perl app is running",
        codeFile: "lib/MyApp.pm", migrationFile: "migrations/002-notes.sql",
        migration: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);\n",
        tables: ["page_views", "schema_migrations"], addedTable: "notes")

    @Test("Blank Mojolicious Project: install, run, launch, migration, restart under a request loop, killed worker and engine, stop, uninstall")
    func blankMojolicious() throws { try Self.lifecycle(Self.mojolicious, engineName: "perl-mojolicious") }

    @Test("Blank Perl Project: install, run, launch, migration, restart under a request loop, killed worker and engine, stop, uninstall")
    func blankPerl() throws { try Self.lifecycle(Self.perl, engineName: "perl-starman") }

    @Test("paddock list shows both Perl templates with their summaries, as text and in --json")
    func listed() throws {
        let sandbox = try AppLifecycleTests.Sandbox()
        let result = try sandbox.paddock(["list", "--keyword", "Perl", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let products = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let summaries = Dictionary(
            uniqueKeysWithValues: products.compactMap { product in
                (product["productId"] as? String).map { ($0, product["summary"] as? String ?? "") }
            })
        #expect(summaries["blank-mojolicious"]?.contains("Mojolicious") == true, "\(summaries)")
        #expect(summaries["blank-perl"]?.contains("Starman") == true, "\(summaries)")
        // The text list: each template's line, and its summary on the line below.
        let lines = try sandbox.paddock(["list", "--keyword", "Templates"]).stdout.split(separator: "\n").map(String.init)
        for (id, title) in [("blank-mojolicious", "Blank Mojolicious Project"), ("blank-perl", "Blank Perl Project")] {
            let index = try #require(lines.firstIndex { $0.hasPrefix(id) && $0.contains(title) }, "\(lines)")
            let summary = try #require(summaries[id])
            #expect(index + 1 < lines.count && lines[index + 1].trimmingCharacters(in: .whitespaces) == summary, "\(lines)")
        }
    }

    @Test("a bad app_class is refused with its rule, naming the parameter, and nothing is left behind")
    func badClass() throws {
        let sandbox = try AppLifecycleTests.Sandbox()
        let result = try sandbox.paddock(["install", "blank-perl", "--app", "bad", "--param", "app_class=my-app", "--yes"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("app_class"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("bad").path))
    }

    /// The processes whose parent is `pid`.
    static func children(of pid: Int32) throws -> [Int32] {
        try runProcess(URL(fileURLWithPath: "/usr/bin/pgrep"), ["-P", String(pid)]).stdout.split(separator: "\n").compactMap { Int32($0) }
    }

    static func commandLine(of pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }

    /// Waits until `condition` holds, checking every 200 ms; whether it did within `seconds`.
    static func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if try condition() { return true }
            usleep(200_000)
        } while Date() < deadline
        return false
    }

    static func lifecycle(_ template: Template, engineName: String) throws {
        let sandbox = try AppLifecycleTests.Sandbox()
        let app = template.app
        let port = template.port
        defer { sandbox.stopAll(app) }

        // Install, non-interactively, with a parameter.
        let install = try sandbox.paddock(["install", template.id, "--app", app, "--param", "app_class=MyApp", "--yes"])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        #expect(install.stdout.contains("created app '\(app)'"))
        let appFolder = sandbox.root.appendingPathComponent(app)
        let stateFolder = sandbox.root.appendingPathComponent("home/state/apps/\(app)")
        #expect(FileManager.default.fileExists(atPath: appFolder.appendingPathComponent(template.codeFile).path))

        // The secret is generated into the private environment file, and is nowhere in the tree.
        let envFile = stateFolder.appendingPathComponent("env")
        let secret = try #require(EnvironmentFile.read(envFile)["SECRET_KEY"])
        #expect(secret.count >= 50)
        #expect((try FileManager.default.attributesOfItem(atPath: envFile.path)[.posixPermissions] as? Int) == 0o600)
        let grep = try runProcess(URL(fileURLWithPath: "/bin/grep"), ["-rlF", "--", secret, appFolder.path])
        #expect(grep.stdout.isEmpty, "the secret must not be in the source tree: \(grep.stdout)")

        // The deploy hook applied the template's migration at install.
        let database = stateFolder.appendingPathComponent("data/db.sqlite3")
        let tables = try AppLifecycleTests.sqliteTables(database)
        for table in template.tables { #expect(tables.contains(table), "\(table) in \(tables)") }

        // A command in the app's environment.
        let run = try sandbox.paddock(["run", app, "--"] + template.runArguments)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains(template.runPrints), "\(run.stdout)")

        // Launch: the page, the probe, the host check.
        let launch = try sandbox.paddock(["launch", app, "--detach", "--port", String(port), "--workers", "2"])
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let home = AppLifecycleTests.get(port, "/")
        #expect(home?.status == 200)
        #expect(home?.body.contains(template.page) == true, "\(home?.body ?? "no answer")")
        #expect(home?.body.contains("<h1>\(app)</h1>") == true)
        #expect(AppLifecycleTests.get(port, "/healthz")?.body == "ok\n")
        #expect(AppLifecycleTests.get(port, "/", host: "evil.example")?.status == 400, "ALLOWED_HOSTS is enforced")
        let before = try AppLifecycleTests.status(sandbox, app)
        #expect(before["engine"] as? String == engineName)
        let engine = try #require((before["enginePid"] as? Int).map { Int32($0) })
        #expect(Self.commandLine(of: engine).contains("start_server"), "the supervisor's child is start_server")

        // A code change and a new migration; the restart runs the hook and serves the change,
        // and a request loop all through it sees no refused connection and no 5xx.
        let code = appFolder.appendingPathComponent(template.codeFile)
        let changed = "Changed by the restart test"
        try String(contentsOf: code, encoding: .utf8).replacingOccurrences(of: template.page, with: changed)
            .write(to: code, atomically: true, encoding: .utf8)
        let migration = appFolder.appendingPathComponent(template.migrationFile)
        let existing = (try? String(contentsOf: migration, encoding: .utf8)) ?? ""
        try (existing + template.migration).write(to: migration, atomically: true, encoding: .utf8)
        let loop = RequestLoop(port: port)
        loop.start()
        let started = Date()
        let restart = try sandbox.paddock(["restart", app])
        // The new generation accepts on the same socket at once; the old one is sent QUIT once
        // the new one has been up for start_server's interval (3 s). The loop runs until the old
        // generation is gone, and a second longer.
        let served = Self.eventually(30) { AppLifecycleTests.get(port, "/")?.body.contains(changed) == true }
        let oneGeneration = try Self.eventually(30) { try Self.children(of: engine).count == 1 }
        usleep(1_000_000)
        let counts = loop.stop()
        #expect(oneGeneration, "the old generation stops after the restart: \((try? Self.children(of: engine)) ?? [])")
        print("\(template.id): request loop over \(String(format: "%.1f", Date().timeIntervalSince(started))) s of restart: \(counts)")
        #expect(restart.status == 0, "\(restart.stdout)\n\(restart.stderr)")
        #expect(served, "the changed code is served after the restart")
        #expect(try AppLifecycleTests.sqliteTables(database).contains(template.addedTable), "the restart ran the deploy hook's migration")
        #expect(counts.ok > 20, "the loop made requests: \(counts)")
        #expect(counts.failures == 0, "during the restart: \(counts)")
        // start_server stayed: status names the live process, the same as before the restart.
        let afterRestart = try AppLifecycleTests.status(sandbox, app)
        #expect(afterRestart["enginePid"] as? Int == Int(engine))
        #expect(Spawn.isAlive(engine))

        // Restarts under load: eight clients with no pause while start_server is sent HUP (what
        // the supervisor sends) five times, each once the old generation is gone. Debian's
        // Starman on its own drops about one connection per restart like this (a worker told to
        // stop just after taking a connection; perl-starman's starman.pl mends it).
        let clients = (0..<8).map { _ in RequestLoop(port: port, pause: 0) }
        clients.forEach { $0.start() }
        var generations: [Bool] = []
        for _ in 0..<5 {
            kill(engine, SIGHUP)
            usleep(500_000)
            generations.append(try Self.eventually(30) { try Self.children(of: engine).count == 1 })
        }
        usleep(500_000)
        let loaded = clients.map { $0.stop() }
        let answered = loaded.map(\.ok).reduce(0, +)
        let failed = loaded.map(\.failures).reduce(0, +)
        print("\(template.id): 5 restarts under 8 clients: \(answered) answered, \(failed) failed (\(loaded.filter { $0.failures > 0 }))")
        #expect(generations == Array(repeating: true, count: 5), "each restart ends with one generation")
        #expect(answered > 500, "the clients made requests: \(loaded)")
        #expect(failed == 0, "restarts under load: \(loaded.filter { $0.failures > 0 })")

        // A killed worker is replaced by its master (start_server's child).
        let managers = try Self.children(of: engine)
        #expect(managers.count == 1, "one generation: \(managers)")
        let manager = try #require(managers.first)
        let workers = try Self.children(of: manager)
        #expect(workers.count == 2, "\(workers)")
        let victim = try #require(workers.first)
        kill(victim, SIGKILL)
        let replaced = try Self.eventually(15) {
            let now = try Self.children(of: manager)
            return now.count == 2 && !now.contains(victim)
        }
        #expect(replaced, "the master starts a worker in place of the killed one")
        #expect(AppLifecycleTests.get(port, "/")?.status == 200)

        // kill -9 of the engine's process: the supervisor ends its group and starts it again.
        kill(engine, SIGKILL)
        let restarted = try Self.eventually(30) {
            let status = try AppLifecycleTests.status(sandbox, app)
            guard let pid = status["enginePid"] as? Int, pid != Int(engine) else { return false }
            return Spawn.isAlive(Int32(pid)) && Self.commandLine(of: Int32(pid)).contains("start_server")
        }
        #expect(restarted)
        #expect(AppLifecycleTests.waitFor200(port, seconds: 30))
        #expect((try AppLifecycleTests.status(sandbox, app)["restarts"] as? Int ?? 0) >= 1)

        // Stop frees the port; uninstall removes the app's folder and state.
        let stop = try sandbox.paddock(["stop", app])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(!HTTPProbe.isListening(port: port), "the port is free after stop")
        let uninstall = try sandbox.paddock(["uninstall", template.id, "--app", app, "--yes"])
        #expect(uninstall.status == 0, "\(uninstall.stdout)\n\(uninstall.stderr)")
        #expect(uninstall.stdout.contains("removed app '\(app)'"))
        #expect(!FileManager.default.fileExists(atPath: appFolder.path))
        #expect(!FileManager.default.fileExists(atPath: stateFolder.path))
        #expect(try sandbox.paddock(["status", app]).status != 0)
    }
}
