import Foundation
import PaddockApps
import PaddockBasics
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The Blank Rails Project for real: the built paddock installs it from the built-in feed into a
/// fresh PADDOCK_HOME (Debian's Rails 6.1 gems, no Bundler, nothing from RubyGems), runs
/// `bin/rails runner` in its environment, launches Puma in cluster mode under its supervisor,
/// and a phased restart of changed code is requested through for 20 seconds.
@Suite("Blank Rails Project end to end", .serialized, .requires(.debianPackages(rails: true)), .offCooperativePool)
struct RailsTemplateTests {
    @Test("install, rails runner, launch, page and assets, migrations, phased restart of a change under a request loop, a killed worker, stop, uninstall")
    func rails() throws {
        let sandbox = try TemplateSandbox("paddock-rails")
        let port = 18521
        defer { sandbox.stopAll("shop") }
        let install = try sandbox.paddock(["install", "blank-rails", "--app", "shop", "--yes"])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        #expect(install.stdout.contains("created app 'shop'"))
        let appFolder = sandbox.root.appendingPathComponent("shop")
        #expect(FileManager.default.isExecutableFile(atPath: appFolder.appendingPathComponent("bin/rails").path))
        #expect(!FileManager.default.fileExists(atPath: appFolder.appendingPathComponent("Gemfile").path), "Debian's gems, no Bundler")
        #expect(!FileManager.default.fileExists(atPath: appFolder.appendingPathComponent("config/master.key").path))

        // The secret: generated into the private env file, read by Rails as its secret_key_base,
        // and nowhere in the source tree.
        let state = sandbox.home.appendingPathComponent("state/apps/shop")
        let envFile = state.appendingPathComponent("env")
        #expect((try FileManager.default.attributesOfItem(atPath: envFile.path)[.posixPermissions] as? Int) == 0o600)
        let settings = try EnvironmentFile.read(envFile)
        let secret = try #require(settings["SECRET_KEY"])
        #expect(secret.count >= 40)
        let runner = try sandbox.paddock([
            "run", "shop", "--", "bin/rails", "runner",
            "puts Rails.env; puts Rails.application.secret_key_base == ENV['SECRET_KEY']; puts PageVisit.table_name; puts ActiveRecord::Base.connection.migration_context.current_version",
        ])
        #expect(runner.status == 0, "\(runner.stdout)\n\(runner.stderr)")
        #expect(runner.stdout == "production\ntrue\npage_visits\n20261202000000\n", "\(runner.stdout)")
        let grep = try runProcess(URL(fileURLWithPath: "/bin/grep"), ["-rlF", secret, appFolder.path])
        #expect(grep.stdout.isEmpty, "the secret must not be in the source tree: \(grep.stdout)")

        // The deploy hook migrated the SQLite database in the data folder, and precompiled assets.
        let database = state.appendingPathComponent("data/db.sqlite3")
        #expect(try TemplateSandbox.sqliteTables(database).contains("page_visits"))
        #expect(try TemplateSandbox.sqliteTables(database).contains("schema_migrations"))
        #expect(FileManager.default.fileExists(atPath: appFolder.appendingPathComponent("public/assets").path))

        let launch = try sandbox.paddock(["launch", "shop", "--detach", "--port", String(port), "--workers", "2"])
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("http://127.0.0.1:\(port)/"))
        let home = try #require(TemplateSandbox.get(port, "/"))
        #expect(home.status == 200)
        #expect(home.body.contains("Your paddock Rails app is running"), "\(home.body)")
        #expect(home.body.contains("<h1>shop</h1>"))
        // The stylesheet, precompiled and served from public/ (RAILS_SERVE_STATIC_FILES).
        let css = try #require(home.body.range(of: #"/assets/application-[0-9a-f]+\.css"#, options: .regularExpression).map { String(home.body[$0]) })
        #expect(TemplateSandbox.get(port, css)?.status == 200)
        // Host authorization: the printed URL's host passes, another is refused; the probe is not.
        #expect(TemplateSandbox.get(port, "/", host: "localhost")?.status == 200)
        #expect(TemplateSandbox.get(port, "/", host: "evil.example")?.status == 403)
        #expect(TemplateSandbox.get(port, "/healthz", host: "evil.example")?.status == 200)
        #expect(try TemplateSandbox.status(sandbox, "shop")["healthy"] as? Bool != false)

        // A code change and a new migration; restart runs the hook, then Puma's phased restart.
        // A 20-second request loop around it sees no refused connection and no 5xx.
        let view = appFolder.appendingPathComponent("app/views/home/index.html.erb")
        let page = try String(contentsOf: view, encoding: .utf8)
        try page.replacingOccurrences(of: "Your paddock Rails app is running.", with: "Changed by the Rails test.").write(to: view, atomically: true, encoding: .utf8)
        try """
        class CreateNotes < ActiveRecord::Migration[6.1]
          def change
            create_table :notes do |t|
              t.string :text
            end
          end
        end

        """.write(to: appFolder.appendingPathComponent("db/migrate/20261202000001_create_notes.rb"), atomically: true, encoding: .utf8)
        let loop = RequestLoop(port: port)
        let loopStarted = Date()
        loop.start()
        usleep(1_000_000)
        let restart = try sandbox.paddock(["restart", "shop"])
        #expect(restart.status == 0, "\(restart.stdout)\n\(restart.stderr)")
        #expect(TemplateSandbox.waitFor(port, containing: "Changed by the Rails test.", seconds: 60), "the change is served after the restart")
        TemplateSandbox.sleep(untilSecondsAfter: loopStarted, 20)
        let counts = loop.stop()
        print("Blank Rails Project: 20-second request loop through a phased restart: \(counts)")
        #expect(counts.ok > 100, "the loop made requests: \(counts)")
        // On a failure, the app log's error lines say why.
        let errors = counts.failures == 0 ? "" : TemplateSandbox.errorLines(sandbox, "shop")
        #expect(counts.failures == 0, "during the restart: \(counts)\(errors)")
        #expect(try TemplateSandbox.sqliteTables(database).contains("notes"), "the new migration ran")
        #expect(try String(contentsOf: state.appendingPathComponent("logs/deploy.log"), encoding: .utf8).contains("CreateNotes: migrated"))

        // A killed worker: Puma's master starts another; the site answers throughout.
        try TemplateSandbox.killWorkerAndWaitForReplacement(sandbox, "shop", port: port)

        let stop = try sandbox.paddock(["stop", "shop"])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(!HTTPProbe.isListening(port: port), "the port is free after stop")
        #expect(try sandbox.paddock(["status", "shop"]).status == 3)

        // `paddock list` shows the template with its summary.
        let list = try sandbox.paddock(["list", "--keyword", "Templates", "--json"])
        #expect(list.stdout.contains("\"productId\" : \"blank-rails\""))
        #expect(list.stdout.contains("A new Rails 6.1 app on Debian's gems, served by Puma in cluster mode"))
        // As text: the title's line, then the summary on the line below.
        let lines = try sandbox.paddock(["list", "--keyword", "Templates"]).stdout.split(separator: "\n").map(String.init)
        let index = try #require(lines.firstIndex { $0.hasPrefix("blank-rails") && $0.contains("Blank Rails Project") }, "\(lines)")
        #expect(index + 1 < lines.count && lines[index + 1].contains("A new Rails 6.1 app on Debian's gems, served by Puma in cluster mode"), "\(lines)")

        let removed = try sandbox.paddock(["uninstall", "blank-rails", "--app", "shop", "--yes"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: appFolder.path))
        #expect(!FileManager.default.fileExists(atPath: state.path))
        #expect(try sandbox.paddock(["apps", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]")
    }
    /// With database=postgresql (scripts/test.sh starts the server; PADDOCK_TEST_POSTGRES).
    @Test("database=postgresql: ruby-pg joins the install, the migration goes into PostgreSQL, the page reads it", .requires(.postgres))
    func railsOnPostgreSQL() throws {
        let database = "paddock_rails_\(UInt32.random(in: 0...UInt32.max))"
        #expect(try PostgresAppTests.psql("postgres", "CREATE DATABASE \(database)").status == 0)
        defer { _ = try? PostgresAppTests.psql("postgres", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let server = try #require(PostgresAppTests.server)
        let sandbox = try TemplateSandbox("paddock-rails-pg")
        let port = 18523
        defer { sandbox.stopAll("pgshop") }
        let install = try sandbox.paddock([
            "install", "blank-rails", "--app", "pgshop", "--yes",
            "--param", "database=postgresql", "--param", "database_name=\(database)",
            "--param", "database_host=\(server.host ?? "127.0.0.1")", "--param", "database_port=\(server.port ?? 5432)",
            "--param", "database_user=\(server.user ?? "paddock")", "--param", "database_password=\(server.password ?? "")",
        ])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        #expect(try sandbox.paddock(["list", "--installed", "--json"]).stdout.contains("\"ruby-pg\""))
        #expect(!(try sandbox.paddock(["apps", "--json"]).stdout.contains(server.password ?? "\u{0}")), "the password is in the env file only")
        let versions = try PostgresAppTests.psql(database, "SELECT version FROM schema_migrations")
        #expect(versions.stdout.contains("20261202000000"), "\(versions.stdout)\(versions.stderr)")
        #expect(try sandbox.paddock(["launch", "pgshop", "--detach", "--port", String(port), "--workers", "2"]).status == 0)
        let page = TemplateSandbox.get(port, "/")
        #expect(page?.status == 200)
        #expect(page?.body.contains("PostgreSQL:") == true, "\(page?.body ?? "")")
        #expect(try PostgresAppTests.psql(database, "SELECT count FROM page_visits").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        #expect(try sandbox.paddock(["stop", "pgshop"]).status == 0)
    }
}

/// A fresh PADDOCK_HOME with the built-in feed, for the Rails and Node.js template tests.
final class TemplateSandbox {
    let root: URL
    let environment: [String: String]
    var home: URL { root.appendingPathComponent("home") }

    init(_ prefix: String) throws {
        root = try TestPaths.temporaryDirectory(prefix)
        environment = [
            "PADDOCK_HOME": root.appendingPathComponent("home").path,
            "PADDOCK_BUILTIN_FEED": TestPaths.builtinFeed.path,
            "NO_COLOR": "1",
        ]
    }
    deinit { try? FileManager.default.removeItem(at: root) }

    @discardableResult
    func paddock(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(TestPaths.binary, arguments, environment: environment, directory: root)
    }
    func stopAll(_ app: String) { _ = try? paddock(["stop", app]) }

    static func get(_ port: Int, _ path: String, host: String = "127.0.0.1") -> HTTPProbe.Answer? {
        HTTPProbe.get(port: port, path: path, host: host, timeout: 10)
    }

    /// Waits until GET / answers 200 with `text` in its body (a rolling restart ends).
    static func waitFor(_ port: Int, containing text: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let answer = get(port, "/"), answer.status == 200, answer.body.contains(text) { return true }
            usleep(200_000)
        }
        return false
    }

    static func sleep(untilSecondsAfter start: Date, _ seconds: Double) {
        let left = start.addingTimeInterval(seconds).timeIntervalSinceNow
        if left > 0 { usleep(UInt32(left * 1_000_000)) }
    }

    static func status(_ sandbox: TemplateSandbox, _ app: String) throws -> [String: Any] {
        let result = try sandbox.paddock(["status", app, "--json"])
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// The app log's lines that name an error, for a failure's message.
    static func errorLines(_ sandbox: TemplateSandbox, _ app: String) -> String {
        let log = (try? sandbox.paddock(["logs", app, "-n", "400"]).stdout) ?? ""
        return "\n" + log.split(separator: "\n").filter { $0.contains("Error") || $0.contains("ERROR") || $0.contains("FATAL") }.suffix(20).joined(separator: "\n")
    }

    static func sqliteTables(_ database: URL) throws -> [String] {
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), [database.path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;"])
        return result.stdout.split(separator: "\n").map(String.init)
    }

    static func workers(of engine: Int) throws -> [Int32] {
        try runProcess(URL(fileURLWithPath: "/usr/bin/pgrep"), ["-P", String(engine)]).stdout.split(separator: "\n").compactMap { Int32($0) }
    }

    /// SIGKILL to one worker of the app's engine: the engine's master starts another (as many
    /// workers as before, the killed one not among them) and GET / answers 200 again.
    static func killWorkerAndWaitForReplacement(_ sandbox: TemplateSandbox, _ app: String, port: Int) throws {
        let engine = try #require(status(sandbox, app)["enginePid"] as? Int)
        let before = try workers(of: engine)
        try #require(before.count >= 2, "the engine runs its workers: \(before)")
        kill(before[0], SIGKILL)
        let deadline = Date().addingTimeInterval(30)
        var after = try workers(of: engine)
        while (after.contains(before[0]) || after.count < before.count) && Date() < deadline {
            usleep(200_000)
            after = try workers(of: engine)
        }
        #expect(!after.contains(before[0]) && after.count == before.count, "a killed worker is replaced: before \(before), after \(after)")
        #expect(waitFor(port, containing: "<h1>", seconds: 10))
        #expect(try status(sandbox, app)["enginePid"] as? Int == engine, "the engine itself went on")
    }
}

extension Requirement {
    /// The Debian packages the Rails or Node.js template runs on (scripts/install-test-deps.sh
    /// installs them; the templates' feed products would too, but a test must not depend on apt).
    static func debianPackages(rails: Bool) -> Requirement {
        let tools =
            rails
            ? [("/usr/bin/rails", "ruby-rails"), ("/usr/bin/puma", "puma"), ("/usr/bin/sqlite3", "sqlite3")]
            : [("/usr/bin/node", "nodejs"), ("/usr/share/nodejs/express/package.json", "node-express"), ("/usr/bin/sqlite3", "sqlite3")]
        return Requirement(rails ? "Debian's Rails" : "Debian's node-express") {
            for (path, package) in tools where !FileManager.default.fileExists(atPath: path) {
                return "\(path) missing; install Debian package \(package) (scripts/test.sh does)"
            }
            if rails, (try? runProcess(URL(fileURLWithPath: "/usr/bin/ruby"), ["-e", "require 'sqlite3'"]))?.status != 0 {
                return "Ruby's sqlite3 does not load; install Debian package ruby-sqlite3 (scripts/test.sh does)"
            }
            return nil
        }
    }
}
