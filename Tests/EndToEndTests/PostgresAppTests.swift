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

    @Test("install with database=postgresql, migrate into PostgreSQL, launch, serve")
    func django() throws {
        let database = "paddock_e2e_\(UInt32.random(in: 0...UInt32.max))"
        #expect(try Self.psql("postgres", "CREATE DATABASE \(database)").status == 0)
        defer { _ = try? Self.psql("postgres", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let sandbox = try AppLifecycleTests.Sandbox()
        let port = 18433
        defer { sandbox.stopAll("pgsite") }
        let server = try #require(Self.server)
        let install = try sandbox.paddock([
            "install", "blank-django", "--app", "pgsite", "--yes",
            "--param", "database=postgresql", "--param", "database_name=\(database)",
            "--param", "database_host=\(server.host ?? "127.0.0.1")", "--param", "database_port=\(server.port ?? 5432)",
            "--param", "database_user=\(server.user ?? "paddock")", "--param", "database_password=\(server.password ?? "")",
        ])
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
}
