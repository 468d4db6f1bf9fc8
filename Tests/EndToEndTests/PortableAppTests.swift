import Foundation
import PaddockApps
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 16, item 4: the app paddock scaffolds is portable. It carries every pinned package with
/// its hash, a pyproject.toml, is a git repository with one clean first commit, and reads the
/// names hosts use: a copy of its folder, with a virtual environment of its own and only
/// SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS and DEBUG set (no PADDOCK_*), serves GET / with 200
/// from gunicorn started by hand after `migrate`.
@Suite("Portable apps", .serialized, .requires(.pypi), .offCooperativePool)
struct PortableAppTests {
    static let git = URL(fileURLWithPath: "/usr/bin/git")
    static let env = URL(fileURLWithPath: "/usr/bin/env")

    /// `name==version` and every sha256 the built-in feed pins for these products.
    static func feedPins(_ products: [String]) throws -> [(pin: String, hashes: [String])] {
        let feed = try String(contentsOf: TestPaths.builtinFeed, encoding: .utf8)
        var pins: [(String, [String])] = []
        for product in products {
            let start = try #require(feed.range(of: "<productId>\(product)</productId>"))
            let end = feed.range(of: "</entry>", range: start.upperBound..<feed.endIndex)!.lowerBound
            let entry = String(feed[start.upperBound..<end])
            let package = try NSRegularExpression(pattern: #"<pd:package name="([^"]+)" version="([^"]+)"\s+sha256="([^"]+)""#)
            for match in package.matches(in: entry, range: NSRange(entry.startIndex..., in: entry)) {
                let part = { (index: Int) in String(entry[Range(match.range(at: index), in: entry)!]) }
                pins.append(("\(part(1))==\(part(2))", part(3).split(separator: " ").map(String.init)))
            }
        }
        return pins
    }

    /// The requirements file holds each pin (any extra in brackets allowed) with all its hashes.
    static func expectPinned(_ requirements: String, _ products: [String]) throws {
        let pins = try feedPins(products)
        #expect(pins.count >= products.count)
        let lines = requirements.replacingOccurrences(of: "\\\n", with: " ")
        for (pin, hashes) in pins {
            let name = pin.split(separator: "=")[0]
            let line = lines.split(separator: "\n").first { $0.hasPrefix(pin) || ($0.hasPrefix(name + "[") && $0.contains("]==")) }
            #expect(line != nil, "requirements lack \(pin)")
            for hash in hashes { #expect(line?.contains("--hash=sha256:\(hash)") == true, "\(pin): no --hash=sha256:\(hash)") }
        }
    }

    /// git in the app's folder: one commit, nothing uncommitted, the environment and secrets ignored.
    static func expectOneCleanCommit(_ app: URL, committed: [String]) throws {
        let log = try runProcess(git, ["log", "--oneline"], directory: app)
        #expect(log.status == 0, "\(log.stderr)")
        #expect(log.stdout.split(separator: "\n").count == 1, "\(log.stdout)")
        let status = try runProcess(git, ["status", "--porcelain", "--ignored=no"], directory: app)
        #expect(status.status == 0 && status.stdout.isEmpty, "not clean: \(status.stdout)\(status.stderr)")
        let files = try runProcess(git, ["ls-files"], directory: app).stdout.split(separator: "\n").map(String.init)
        for file in committed { #expect(files.contains(file), "\(file) is not committed: \(files)") }
        #expect(!files.contains { $0.hasPrefix(".venv/") || $0.hasPrefix("data/") || $0.hasSuffix(".sqlite3") })
        for ignored in [".venv", ".venv/bin/python", ".env", ".env.production", "data/db.sqlite3", "local.sqlite3"] {
            #expect(try runProcess(git, ["check-ignore", "-q", "--no-index", ignored], directory: app).status == 0, "\(ignored) is not ignored")
        }
        #expect(try runProcess(git, ["check-ignore", "-q", "--no-index", ".env.example"], directory: app).status == 1)
    }

    /// The app's folder copied without its environment (or cloned), a new venv from its hashed
    /// requirements, `migrate`, then gunicorn by hand with only `variables` in its environment.
    static func serveByHand(
        copyOf app: URL, into copy: URL, clone: Bool, requirements: String, migrate: [String], wsgi: String, variables: [String: String],
        expectPage: String
    ) throws {
        if clone {
            let cloned = try runProcess(git, ["clone", "--quiet", app.path, copy.path])
            #expect(cloned.status == 0, "\(cloned.stderr)")
        } else {
            let copied = try runProcess(URL(fileURLWithPath: "/bin/cp"), ["-a", app.path, copy.path])
            #expect(copied.status == 0, "\(copied.stderr)")
            try FileManager.default.removeItem(at: copy.appendingPathComponent(".venv"))
            try? FileManager.default.removeItem(at: copy.appendingPathComponent("staticfiles"))
        }
        let venv = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-m", "venv", copy.appendingPathComponent(".venv").path])
        #expect(venv.status == 0, "\(venv.stderr)")
        let pip = try runProcess(
            copy.appendingPathComponent(".venv/bin/pip"),
            ["install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", requirements], directory: copy)
        try #require(pip.status == 0, "\(pip.stdout)\n\(pip.stderr)")
        // Exactly these variables: env -i, so nothing of paddock's (or the test's) leaks in.
        let home = copy.deletingLastPathComponent().appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        var only = variables
        only["PATH"] = "/usr/bin:/bin"
        only["HOME"] = home.path
        let assignments = ["-i"] + only.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let python = copy.appendingPathComponent(".venv/bin/python").path
        let migrated = try runProcess(env, assignments + [python] + migrate, directory: copy)
        #expect(migrated.status == 0, "\(migrated.stdout)\n\(migrated.stderr)")
        let port = try #require(HTTPProbe.freePort(from: 18650))
        // The test runner's threads block most signals and a child inherits the mask: unblock
        // them (python's pthread_sigmask) before exec, or gunicorn never sees the SIGTERM.
        let gunicorn = try StreamingProcess(
            URL(fileURLWithPath: "/usr/bin/python3"),
            ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])", env.path]
                + assignments + [copy.appendingPathComponent(".venv/bin/gunicorn").path, wsgi, "--bind", "127.0.0.1:\(port)", "--workers", "1"],
            directory: copy)
        defer { gunicorn.stop() }
        var home200: HTTPProbe.Answer?
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && gunicorn.process.isRunning {
            if let answer = HTTPProbe.get(port: port, path: "/", host: "127.0.0.1", timeout: 5) {
                home200 = answer
                break
            }
            usleep(200_000)
        }
        #expect(home200?.status == 200, "gunicorn running: \(gunicorn.process.isRunning); \(home200?.body.prefix(500) ?? "no answer")")
        #expect(home200?.body.contains(expectPage) == true)
        #expect(HTTPProbe.get(port: port, path: "/", host: "evil.example", timeout: 5)?.status == 400, "ALLOWED_HOSTS is read")
    }

    /// The app's environment file as `NAME=value` lines (values unquoted, as the engine gets
    /// them): the file itself is in sh syntax (`NAME='value'`).
    static func environmentFile(_ sandbox: AppLifecycleTests.Sandbox, _ app: String) throws -> String {
        let file = sandbox.root.appendingPathComponent("home/state/apps/\(app)/env")
        #expect(FileManager.default.fileExists(atPath: file.path))
        return EnvironmentFile.read(file).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
    }

    @Test("Django on SQLite: pins with hashes, pyproject, one clean commit; a clone serves GET / by hand with only the host names set")
    func djangoSQLite() throws {
        let sandbox = try AppLifecycleTests.Sandbox()
        let install = try sandbox.paddock(["install", "blank-django", "--app", "mysite", "--yes"])
        try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let app = sandbox.root.appendingPathComponent("mysite")
        try Self.expectPinned(try String(contentsOf: app.appendingPathComponent("requirements.txt"), encoding: .utf8), ["django", "gunicorn", "whitenoise"])
        try Self.expectPinned(try String(contentsOf: app.appendingPathComponent("requirements-postgresql.txt"), encoding: .utf8), ["psycopg"])
        try Self.expectPinned(try String(contentsOf: app.appendingPathComponent("requirements-mysql.txt"), encoding: .utf8), ["pymysql"])
        try Self.expectPinned(try String(contentsOf: app.appendingPathComponent("requirements-mssql.txt"), encoding: .utf8), ["mssql-django"])
        let pyproject = try String(contentsOf: app.appendingPathComponent("pyproject.toml"), encoding: .utf8)
        #expect(pyproject.contains("name = \"mysite\"") && pyproject.contains("\"Django==5.2.19\""))
        try Self.expectOneCleanCommit(
            app, committed: [".gitignore", "pyproject.toml", "requirements.txt", "manage.py", "mysite/settings.py", "deploy.py", "paddock-app.xml"])
        // paddock writes the names hosts use (and keeps the PADDOCK_* ones).
        let settings = try Self.environmentFile(sandbox, "mysite")
        for line in ["DEBUG=0", "ALLOWED_HOSTS=127.0.0.1,localhost", "DATABASE_URL=sqlite:////"] {
            #expect(settings.split(separator: "\n").contains { $0.hasPrefix(line) }, "no \(line) in the environment file")
        }
        #expect(settings.split(separator: "\n").contains { $0.hasPrefix("SECRET_KEY=") && $0.count > 50 })

        let work = try TestPaths.temporaryDirectory("paddock-portable")
        defer { try? FileManager.default.removeItem(at: work) }
        try Self.serveByHand(
            copyOf: app, into: work.appendingPathComponent("copy"), clone: true, requirements: "requirements.txt",
            migrate: ["manage.py", "migrate", "--noinput"], wsgi: "mysite.wsgi:application",
            variables: [
                "SECRET_KEY": "portable-\(UUID().uuidString)-\(UUID().uuidString)", "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DATABASE_URL": "sqlite:///\(work.path)/elsewhere.sqlite3",
            ],
            expectPage: "Your paddock Django app is running")
        #expect(try AppLifecycleTests.sqliteTables(work.appendingPathComponent("elsewhere.sqlite3")).contains("auth_user"))
    }

    @Test("Django on PostgreSQL: a copy of the folder serves GET / by hand with DATABASE_URL=postgres://…", .requires(.postgres))
    func djangoPostgres() throws {
        let server = try #require(PostgresAppTests.server)
        let database = "paddock_portable_\(UInt32.random(in: 0...UInt32.max))"
        #expect(try PostgresAppTests.psql("postgres", "CREATE DATABASE \(database)").status == 0)
        defer { _ = try? PostgresAppTests.psql("postgres", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let sandbox = try AppLifecycleTests.Sandbox()
        let install = try sandbox.paddock(["install", "blank-django", "--app", "pgsite", "--yes"])
        try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let app = sandbox.root.appendingPathComponent("pgsite")
        try Self.expectOneCleanCommit(app, committed: [".gitignore", "pyproject.toml", "requirements-postgresql.txt", "pgsite/settings.py"])
        var url = server
        url.scheme = "postgres"
        url.path = "/\(database)"
        let work = try TestPaths.temporaryDirectory("paddock-portable")
        defer { try? FileManager.default.removeItem(at: work) }
        try Self.serveByHand(
            copyOf: app, into: work.appendingPathComponent("copy"), clone: false, requirements: "requirements-postgresql.txt",
            migrate: ["manage.py", "migrate", "--noinput"], wsgi: "pgsite.wsgi:application",
            variables: [
                "SECRET_KEY": "portable-\(UUID().uuidString)-\(UUID().uuidString)", "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
                "DATABASE_URL": try #require(url.string),
            ],
            expectPage: "Your paddock Django app is running")
        let tables = try PostgresAppTests.psql(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        #expect(tables.stdout.contains("django_migrations") && tables.stdout.contains("auth_user"))
    }

    @Test("Flask: pins with hashes, pyproject, one clean commit; a clone serves GET / by hand with only the host names set")
    func flask() throws {
        let sandbox = try AppLifecycleTests.Sandbox()
        let install = try sandbox.paddock(["install", "blank-flask", "--app", "api", "--yes"])
        try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let app = sandbox.root.appendingPathComponent("api")
        try Self.expectPinned(try String(contentsOf: app.appendingPathComponent("requirements.txt"), encoding: .utf8), ["flask", "gunicorn"])
        #expect(FileManager.default.fileExists(atPath: app.appendingPathComponent("pyproject.toml").path))
        try Self.expectOneCleanCommit(app, committed: [".gitignore", "pyproject.toml", "requirements.txt", "api/__init__.py"])
        let work = try TestPaths.temporaryDirectory("paddock-portable")
        defer { try? FileManager.default.removeItem(at: work) }
        try Self.serveByHand(
            copyOf: app, into: work.appendingPathComponent("copy"), clone: true, requirements: "requirements.txt",
            migrate: ["-m", "flask", "--app", "api", "init-db"], wsgi: "api:create_app()",
            variables: [
                "SECRET_KEY": "portable-\(UUID().uuidString)", "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
                "DATABASE_URL": "sqlite:///\(work.path)/flask.sqlite3",
            ],
            expectPage: "Your paddock Flask app is running")
    }
}
