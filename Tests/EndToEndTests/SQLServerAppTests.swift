import Foundation
import PaddockApps
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The Blank Django Project on Microsoft SQL Server through mssql-django, pyodbc and Debian's
/// FreeTDS ODBC driver. No SQL Server runs here: a loopback listener stands where the server
/// would, and records FreeTDS connecting to the host and port the app was given.
@Suite("Django on SQL Server through FreeTDS (no server: a listener records the connection)", .requires(.pypi), .offCooperativePool)
struct SQLServerAppTests {
    /// Accepts connections on a loopback port, counts them and closes each at once.
    final class ConnectionRecorder: @unchecked Sendable {
        let descriptor: Int32
        let port: Int
        private let lock = NSLock()
        private var accepted = 0
        var connections: Int { lock.withLock { accepted } }

        init() throws {
            let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, length) } }
            guard bound == 0, listen(listening, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) } }
            descriptor = listening
            port = Int(UInt16(bigEndian: address.sin_port))
            Thread.detachNewThread { [self] in
                while true {
                    let client = accept(listening, nil, nil)
                    if client < 0 { return }
                    lock.withLock { accepted += 1 }
                    close(client)
                }
            }
        }

        func stop() {
            shutdown(descriptor, Int32(SHUT_RDWR))
            close(descriptor)
        }
    }

    /// A loopback port nothing listens on.
    static func closedPort() throws -> Int {
        let recorder = try ConnectionRecorder()
        recorder.stop()
        return recorder.port
    }

    @Test(
        "database=mssql: the driver installed, manage.py check passes, FreeTDS connects to the host and port given; an unreachable server stops the deploy within 10 s naming host:port"
    )
    func freeTDS() throws {
        let sandbox = try AppLifecycleTests.Sandbox()
        let recorder = try ConnectionRecorder()
        defer { recorder.stop() }

        // Through install: the parameters make DATABASE_URL; the deploy hook cannot reach the
        // server, so the install stops, says where it looked, and leaves nothing.
        let install = try sandbox.paddock([
            "install", "blank-django", "--app", "ms", "--yes", "--param", "database=mssql", "--param", "database_name=shop",
            "--param", "database_host=127.0.0.1", "--param", "database_port=\(recorder.port)", "--param", "database_user=sa",
            "--param", "database_password=Secret-7", "--param", "tds_version=7.4",
        ])
        #expect(install.status == 1, "\(install.stdout)\n\(install.stderr)")
        #expect(
            install.stderr.contains("cannot connect to the SQL Server database 'shop' at 127.0.0.1:\(recorder.port)"), "\(install.stderr)")
        #expect(install.stderr.contains("paddock config APP DATABASE_URL="), "the next step is named: \(install.stderr)")
        #expect(recorder.connections >= 1, "FreeTDS connected to the configured host and port")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("ms").path), "rolled back")

        // On an app made with SQLite, the driver added and DATABASE_URL pointed at SQL Server.
        #expect(try sandbox.paddock(["install", "blank-django", "--app", "ms", "--yes"]).status == 0)
        let driver = try sandbox.paddock(["install", "mssql-django", "--app", "ms", "--yes"])
        #expect(driver.status == 0, "\(driver.stderr)")
        let closed = try Self.closedPort()
        let url = "mssql://sa:Secret-7@127.0.0.1:\(closed)/shop?tds_version=7.4"
        #expect(try sandbox.paddock(["config", "ms", "DATABASE_URL=\(url)"]).status == 0)
        let check = try sandbox.paddock(["run", "ms", "--", "python", "manage.py", "check"])
        #expect(check.status == 0, "manage.py check with the backend configured: \(check.stdout)\n\(check.stderr)")
        let engine = try sandbox.paddock([
            "run", "ms", "--", "python", "-c",
            "from django.conf import settings; import django; django.setup(); d = settings.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['PORT'], d['OPTIONS']['driver'], d['OPTIONS']['extra_params'])",
        ])
        #expect(engine.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "mssql 127.0.0.1 \(closed) FreeTDS TDS_Version=7.4", "\(engine.stderr)")

        // A closed port: migrate fails within 10 s; the deploy hook names host:port and what to do.
        var started = Date()
        let migrate = try sandbox.paddock(["run", "ms", "--", "python", "manage.py", "migrate", "--noinput"])
        #expect(migrate.status != 0)
        #expect(Date().timeIntervalSince(started) < 10, "migrate took \(Date().timeIntervalSince(started)) s")
        started = Date()
        let deploy = try sandbox.paddock(["run", "ms", "--", "python", "deploy.py"])
        #expect(deploy.status == 1, "\(deploy.stderr)")
        #expect(Date().timeIntervalSince(started) < 10, "the deploy hook took \(Date().timeIntervalSince(started)) s")
        #expect(deploy.stderr.contains("at 127.0.0.1:\(closed)"), "\(deploy.stderr)")
        #expect(deploy.stderr.contains("'paddock restart APP'"), "\(deploy.stderr)")
    }
}
