import Foundation
import PaddockApps
import Testing
import TestSupport

/// The Blank Django Project on MySQL (Debian's MariaDB), which scripts/test.sh starts
/// (scripts/mariadb-for-tests.sh sets PADDOCK_TEST_MYSQL=mysql://USER:PASSWORD@HOST:PORT).
/// database=mysql brings PyMySQL (pd:requires in the template's Parameters.xml).
@Suite("Django on MySQL (MariaDB)", .requires(.pypi, .mysql), .offCooperativePool)
struct MySQLAppTests {
    static let server = URLComponents(string: ProcessInfo.processInfo.environment["PADDOCK_TEST_MYSQL"] ?? "")

    /// Runs SQL through the mariadb client over TCP, as the test user; tab-separated rows, no header.
    static func mariadb(_ database: String?, _ sql: String) throws -> ProcessResult {
        let server = try #require(server)
        var arguments = [
            "--no-defaults", "--protocol=TCP", "--host=\(server.host ?? "127.0.0.1")", "--port=\(server.port ?? 3306)",
            "--user=\(server.user ?? "paddock")", "--password=\(server.password ?? "")", "--batch", "--skip-column-names",
            "--execute=\(sql)",
        ]
        if let database { arguments.append(database) }
        return try runProcess(URL(fileURLWithPath: "/usr/bin/mariadb"), arguments)
    }

    @Test("install with database=mysql, migrate into MariaDB, launch, serve, stop")
    func django() throws {
        let database = "paddock_e2e_\(UInt32.random(in: 0...UInt32.max))"
        let created = try Self.mariadb(nil, "CREATE DATABASE \(database) CHARACTER SET utf8mb4")
        try #require(created.status == 0, "\(created.stderr)")
        defer { _ = try? Self.mariadb(nil, "DROP DATABASE IF EXISTS \(database)") }
        let sandbox = try AppLifecycleTests.Sandbox()
        let port = 18435
        defer { sandbox.stopAll("mysqlsite") }
        let server = try #require(Self.server)
        let install = try sandbox.paddock([
            "install", "blank-django", "--app", "mysqlsite", "--yes",
            "--param", "database=mysql", "--param", "database_name=\(database)",
            "--param", "database_host=\(server.host ?? "127.0.0.1")", "--param", "database_port=\(server.port ?? 3306)",
            "--param", "database_user=\(server.user ?? "paddock")", "--param", "database_password=\(server.password ?? "")",
        ])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        // database=mysql brought the driver into the app's environment (pd:requires).
        let installed = try sandbox.paddock(["list", "--installed", "--json"])
        #expect(installed.stdout.contains("\"pymysql\""), "\(installed.stdout)")
        // The password is in the private env file only, never in the app's recorded parameters.
        let apps = try sandbox.paddock(["apps", "--json"])
        #expect(!apps.stdout.contains(server.password ?? "\u{0}"))
        // The deploy hook ran Django's migrations into the MariaDB database.
        let tables = try Self.mariadb(database, "SHOW TABLES")
        #expect(tables.status == 0, "\(tables.stderr)")
        #expect(tables.stdout.contains("django_migrations"), "\(tables.stdout)")
        #expect(tables.stdout.contains("auth_user"), "\(tables.stdout)")
        let applied = try Self.mariadb(database, "SELECT COUNT(*) FROM django_migrations WHERE app = 'auth'")
        #expect((Int(applied.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "\(applied.stdout)\(applied.stderr)")
        let launch = try sandbox.paddock(["launch", "mysqlsite", "--detach", "--port", String(port), "--workers", "2"])
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(AppLifecycleTests.get(port, "/")?.status == 200)
        // A page that reads the database (the admin login loads the session and auth tables).
        #expect(AppLifecycleTests.get(port, "/admin/login/")?.status == 200)
        #expect(try sandbox.paddock(["stop", "mysqlsite"]).status == 0)
        #expect(AppLifecycleTests.get(port, "/") == nil, "the app stopped")
    }
}
