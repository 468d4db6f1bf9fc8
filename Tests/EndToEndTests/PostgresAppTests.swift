import Foundation
import PaddockApps
import Testing
import TestSupport

/// The Blank Django Project on PostgreSQL, which scripts/test.sh starts (scripts/postgres-for-tests.sh
/// sets PADDOCK_TEST_POSTGRES=postgresql://USER:PASSWORD@HOST:PORT).
@Suite("Django on PostgreSQL", .requires(.pypi, .postgres), .offCooperativePool)
struct PostgresAppTests {
    static let server = URLComponents(string: ProcessInfo.processInfo.environment["PADDOCK_TEST_POSTGRES"] ?? "")

    static func psql(_ database: String, _ sql: String) throws -> ProcessResult {
        var url = server!
        url.path = "/\(database)"
        return try runProcess(URL(fileURLWithPath: "/usr/bin/psql"), [url.string!, "-tAc", sql])
    }

    /// `paddock install blank-django` for `app` on the test server's `database`.
    static func install(_ app: String, database: String) throws -> [String] {
        let server = try #require(Self.server)
        return [
            "install", "blank-django", "--app", app, "--yes",
            "--param", "database=postgresql", "--param", "database_name=\(database)",
            "--param", "database_host=\(server.host ?? "127.0.0.1")", "--param", "database_port=\(server.port ?? 5432)",
            "--param", "database_user=\(server.user ?? "paddock")", "--param", "database_password=\(server.password ?? "")",
        ]
    }

    @Test("install with database=postgresql, migrate into PostgreSQL, launch, serve")
    func django() throws {
        let database = "paddock_e2e_\(UInt32.random(in: 0...UInt32.max))"
        #expect(try Self.psql("postgres", "CREATE DATABASE \(database)").status == 0)
        defer { _ = try? Self.psql("postgres", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let sandbox = try AppLifecycleTests.Sandbox()
        let port = 18433
        defer { sandbox.stopAll("pgsite") }
        let server = try #require(Self.server)
        let install = try sandbox.paddock(try Self.install("pgsite", database: database))
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        // database=postgresql brought the driver into the app's environment (pd:requires).
        let installed = try sandbox.paddock(["list", "--installed", "--json"])
        #expect(installed.stdout.contains("\"psycopg\""))
        // The password is in the private env file only, never in the app's recorded parameters.
        let apps = try sandbox.paddock(["apps", "--json"])
        #expect(!apps.stdout.contains(server.password ?? "\u{0}"))
        let tables = try Self.psql(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        #expect(tables.stdout.contains("django_migrations"))
        #expect(tables.stdout.contains("auth_user"))
        #expect(try sandbox.paddock(["launch", "pgsite", "--detach", "--port", String(port), "--workers", "2"]).status == 0)
        let page = AppLifecycleTests.get(port, "/admin/login/")
        #expect(page?.status == 200)
        #expect(try sandbox.paddock(["stop", "pgsite"]).status == 0)
    }

    @Test("paddock test: the test database kept between runs on PostgreSQL; the setup (seed SQL) runs once, and again when its input changes")
    func keptTestDatabase() throws {
        let database = "paddock_e2e_\(UInt32.random(in: 0...UInt32.max))"
        #expect(try Self.psql("postgres", "CREATE DATABASE \(database)").status == 0)
        defer {
            _ = try? Self.psql("postgres", "DROP DATABASE IF EXISTS test_\(database) WITH (FORCE)")
            _ = try? Self.psql("postgres", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        }
        let sandbox = try AppLifecycleTests.Sandbox()
        let install = try sandbox.paddock(try Self.install("tested", database: database))
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let app = sandbox.root.appendingPathComponent("tested")
        // Seed rows the tests read, and a test that reads them from the kept database.
        let seed = app.appendingPathComponent("testdata/setup/001-seed.sql")
        try Data("CREATE TABLE seed_note (id integer PRIMARY KEY, body text);\nINSERT INTO seed_note VALUES (1, 'from the seed');\n".utf8).write(to: seed)
        try Data(
            """
            from django.db import connection
            from django.test import TestCase


            class SeedTests(TestCase):
                def test_seed_rows_are_there(self):
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT body FROM seed_note ORDER BY id")
                        self.assertEqual([row[0] for row in cursor.fetchall()][:1], ["from the seed"])

            """.utf8
        ).write(to: app.appendingPathComponent("tested/test_seed.py"))

        func timedTest(_ arguments: [String] = []) throws -> (ProcessResult, Double) {
            let started = Date()
            let result = try sandbox.paddock(["test", "tested"] + arguments)
            return (result, Date().timeIntervalSince(started))
        }
        let (first, firstTime) = try timedTest()
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stderr.contains("setting up the test database (the first run"), "\(first.stderr)")
        #expect(first.stderr.contains("Ran 3 tests"), "the template's two tests and the seed's: \(first.stderr)")
        #expect(try Self.psql("postgres", "SELECT 1 FROM pg_database WHERE datname = 'test_\(database)'").stdout.contains("1"), "kept after the run")

        let (second, secondTime) = try timedTest()
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stderr.contains("using the kept test database"), "\(second.stderr)")
        #expect(!second.stderr.contains("setting up the test database"))
        #expect(second.stderr.contains("Using existing test database"), "\(second.stderr)")
        #expect(secondTime < firstTime, "the second run reuses the database: \(secondTime) s vs \(firstTime) s")
        print("paddock test on PostgreSQL: first run \(String(format: "%.2f", firstTime)) s, second run \(String(format: "%.2f", secondTime)) s")

        // A changed input makes the setup run again; arguments after -- go to the test command.
        try Data("CREATE TABLE seed_note (id integer PRIMARY KEY, body text);\nINSERT INTO seed_note VALUES (1, 'from the seed');\nINSERT INTO seed_note VALUES (2, 'more');\n".utf8)
            .write(to: seed)
        let (third, _) = try timedTest(["--", "tested.test_seed"])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stderr.contains("setting up the test database (what the kept test database was made from changed"), "\(third.stderr)")
        #expect(third.stderr.contains("Ran 1 test"), "\(third.stderr)")
        #expect(try Self.psql("test_\(database)", "SELECT count(*) FROM seed_note").stdout.hasPrefix("2"))

        // A failing test is the command's exit status; a broken seed stops before the tests.
        try Data("this is not SQL;\n".utf8).write(to: seed)
        let (broken, _) = try timedTest()
        #expect(broken.status == 1, "\(broken.stderr)")
        #expect(broken.stderr.contains("the test setup (python testdb.py) failed with exit status"), "\(broken.stderr)")
        #expect(!broken.stderr.contains("Ran "), "no test ran on a half-made database")
    }
}
