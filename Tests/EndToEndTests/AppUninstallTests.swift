import Foundation
import PaddockApps
import Testing
import TestSupport

@testable import PaddockState

/// Uninstalling the template an app was made from removes the app: stopped first, its folder
/// and its state gone, its records gone; what it needed from the machine stays.
@Suite("Uninstalling an app, end to end", .serialized, .requires(.pypi), .offCooperativePool)
struct AppUninstallTests {
    @Test("uninstall blank-flask --app api: refused for one of its packages, then stops and removes the app")
    func uninstallApp() throws {
        let sandbox = try OpsSandbox()
        sandbox.environment["PADDOCK_BUILTIN_FEED"] = TestPaths.builtinFeed.path
        let port = 18441
        defer { _ = try? sandbox.paddock(["stop", "api"]) }
        let install = try sandbox.paddock(["install", "blank-flask", "--app", "api", "--yes"])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(try sandbox.paddock(["launch", "api", "--detach", "--port", String(port)]).status == 0)
        #expect(HTTPProbe.get(port: port, path: "/", host: "127.0.0.1", timeout: 10)?.status == 200)
        let state = try sandbox.state()
        let record = try #require(try state.app(named: "api"))
        let appProducts = try state.installed(app: "api").map(\.productId)
        #expect(appProducts.contains("blank-flask") && appProducts.contains("flask"))

        let refused = try sandbox.paddock(["uninstall", "flask", "--app", "api", "--yes"])
        #expect(refused.status == 69)
        #expect(refused.stderr.contains("'flask' is needed by blank-flask (app api)"))
        #expect(HTTPProbe.get(port: port, path: "/", host: "127.0.0.1", timeout: 10)?.status == 200, "a refusal changes nothing")

        let removed = try sandbox.paddock(["uninstall", "blank-flask", "--app", "api", "--yes"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stderr.contains("stopped 'api'"))
        #expect(removed.stdout.contains("removed app 'api' (\(record.path))"))
        #expect(!HTTPProbe.isListening(port: port))
        #expect(!FileManager.default.fileExists(atPath: record.path))
        #expect(!FileManager.default.fileExists(atPath: record.stateDirectory))
        #expect(try state.apps().isEmpty)
        #expect(try state.installed(app: "api").isEmpty)
        #expect(try state.database.query("SELECT count(*) FROM receipts WHERE app = 'api'").first?.first?.integerValue == 0)
        #expect(try state.database.query("SELECT count(*) FROM dependencies WHERE app = 'api'").first?.first?.integerValue == 0)
        let parent = URL(fileURLWithPath: record.path).deletingLastPathComponent().path
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).allSatisfy { !$0.contains("paddock-backup") })
        // python3 came from the machine: still there, still found.
        #expect(FileManager.default.fileExists(atPath: "/usr/bin/python3"))
        #expect(try sandbox.paddock(["doctor"]).status == 0)
    }
}
