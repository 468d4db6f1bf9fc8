import FeedModel
import Foundation
import PaddockBasics
import PaddockServices
import PaddockState
import PaddockStore
import PaddockSystem
import Resolver
import Testing
import TestSupport

/// A fresh PADDOCK_HOME and a local feed written by the test, for the services to work on in
/// this process: the runner, prompter and app lifecycle are doubles; archives, the feed store,
/// the state database and the journal are real.
final class ServiceSandbox {
    let root: URL
    let runner = ScriptedRunner()
    let events = RecordingDelegate()
    var isRoot = true
    var extraEnvironment: [String: String] = [:]
    /// The person at the terminal for `install`; none (nothing can be asked) by default.
    var prompter: (any Prompting)?

    init() throws { root = try TestPaths.temporaryDirectory("paddock-services") }
    deinit { try? FileManager.default.removeItem(at: root) }

    var home: URL { root.appendingPathComponent("home") }
    var programs: URL { home.appendingPathComponent("data/programs") }
    var feedFile: URL { root.appendingPathComponent("feed.xml") }
    var kindsFolder: URL { home.appendingPathComponent("config/kinds") }

    var environment: [String: String] {
        // DPKG_ADMINDIR: dpkg's journal as the apt kind reads it is the sandbox's (empty), not
        // this machine's, where another apt-get may be running.
        var environment = [
            "PADDOCK_HOME": home.path, "PADDOCK_BUILTIN_FEED": "off", "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": root.path,
            "DPKG_ADMINDIR": root.appendingPathComponent("dpkg").path,
        ]
        environment.merge(extraEnvironment) { $1 }
        return environment
    }

    func context(prompter: any Prompting = ScriptedPrompter(), runner: (any ProcessRunning)? = nil) throws -> ServiceContext {
        let paths = PaddockPaths(environment: environment)
        return ServiceContext(
            environment: environment, paths: paths, events: events, prompter: prompter, runner: runner ?? self.runner,
            kinds: try InstallerKinds.load(paths: paths), isRoot: isRoot)
    }

    /// Writes the feed of `entries` (`<entry>` elements) and adds it, or updates it when added.
    func writeFeed(_ entries: [String]) async throws {
        let existed = FileManager.default.fileExists(atPath: feedFile.path)
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1"><title>services</title>
            \(entries.joined(separator: "\n"))
            </feed>
            """
        try Data(xml.utf8).write(to: feedFile)
        let store = try context().openStore()
        if existed { _ = try await store.update("services") } else { _ = try await store.add(feedFile.path, name: "services", insecure: false) }
    }

    /// An entry of one product: `installer` is what goes inside `<installer>`.
    static func entry(_ id: String, version: String = "1.0", needs: [String] = [], installer: String) -> String {
        let dependency: String
        switch needs.count {
        case 0: dependency = ""
        case 1: dependency = "<dependency><productId>\(needs[0])</productId></dependency>"
        default: dependency = "<dependency><and>" + needs.map { "<dependency><productId>\($0)</productId></dependency>" }.joined() + "</and></dependency>"
        }
        return "<entry><productId>\(id)</productId><version>\(version)</version>\(dependency)<installers><installer><id>1</id>\(installer)</installer></installers></entry>"
    }

    /// An archive installer of `files` (a real tar.gz beside the feed, with its sha256).
    func archiveInstaller(_ id: String, version: String = "1.0", files: [String: String], scope: String = "user") throws -> String {
        let source = root.appendingPathComponent("src/\(id)-\(version)")
        try? FileManager.default.removeItem(at: source)
        for (name, content) in files {
            let file = source.appendingPathComponent(id).appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: file)
        }
        let archive = root.appendingPathComponent("\(id)-\(version).tar.gz")
        let tar = try runProcess(URL(fileURLWithPath: "/bin/tar"), ["czf", archive.path, "-C", source.path, id])
        #expect(tar.status == 0, "\(tar.stderr)")
        let sha256 = String(try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"), [archive.path]).stdout.prefix(64))
        return """
            <installerFile><installerURL>\(archive.lastPathComponent)</installerURL><pd:sha256>\(sha256)</pd:sha256></installerFile>
            <pd:install kind="archive" scope="\(scope)" strip="1"/>
            """
    }

    func install(_ products: [String], request: InstallRequest = InstallRequest(yes: true), runner: (any ProcessRunning)? = nil) async throws -> InstallOutcome {
        let context = try context(prompter: prompter ?? ScriptedPrompter(), runner: runner)
        let machine = try MachineFacts.described(os: nil, arch: nil, language: nil, environment: environment)
        return try await InstallService(
            context: context, store: try context.openStore(), state: try context.openState(), request: request, machine: machine, apps: TestApps(),
            showPlan: { _ in }
        ).run(products)
    }

    func uninstall(_ product: String, app: String? = nil) throws -> UninstallOutcome {
        let context = try context()
        return try UninstallService(context: context, state: try context.openState(), apps: TestApps()).run(
            product, app: app, cascade: false, yes: true, noWait: true, show: { _ in })
    }

    func state() throws -> StateStore {
        let paths = PaddockPaths(environment: environment)
        return try StateStore(directory: paths.state, ownedRoots: paths.ownedRoots, programs: paths.programs)
    }
}
