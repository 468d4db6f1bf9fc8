import FeedModel
import Foundation
import PaddockBasics
import PaddockServices
import PaddockState
import PaddockSystem
import Resolver
import Testing
import TestSupport

/// The install services in this process: real feeds, archives, journal and state database;
/// the process runner, the prompter and the app lifecycle are doubles that fail the test on
/// any call it did not expect. Each behaviour here also has an end-to-end test on real parts
/// (InstallerOpsTests, KillRecoveryTests, AppLifecycleTests, DataDefinedKindEndToEndTests).
@Suite("Services in process: install, upgrade, uninstall, recovery, doctor")
struct InstallServiceTests {
    static let apt = #"<pd:install kind="apt"><pd:package name="libtoy1"/></pd:install>"#

    @Test("an archive installs: its files in place, one receipt, will/did events in order; uninstall moves it out")
    func archive() async throws {
        let sandbox = try ServiceSandbox()
        try await sandbox.writeFeed([ServiceSandbox.entry("tool", installer: try sandbox.archiveInstaller("tool", files: ["bin/tool": "tool 1\n"]))])
        let outcome = try await sandbox.install(["tool"])
        #expect(outcome.installed == ["tool"])
        let file = sandbox.programs.appendingPathComponent("tool/bin/tool")
        #expect(try String(contentsOf: file, encoding: .utf8) == "tool 1\n")
        #expect(try sandbox.state().receipts(of: "tool") == [Receipt(kind: .directory, path: sandbox.programs.appendingPathComponent("tool").path)])
        #expect(sandbox.events.events == [.willInstall(product: "tool", version: "1.0"), .didInstall(product: "tool")])
        #expect(sandbox.runner.calls.isEmpty)

        let removed = try sandbox.uninstall("tool")
        #expect(removed.removal.products.map(\.productId) == ["tool"] && removed.problems.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: file.path))
        #expect(try sandbox.state().installed().isEmpty)
    }

    @Test("Debian packages go through apt-get only; a later step's failure undoes them with apt-get remove, and nothing is recorded")
    func aptRolledBack() async throws {
        let sandbox = try ServiceSandbox()
        try await sandbox.writeFeed([
            ServiceSandbox.entry("libtoy", installer: Self.apt),
            ServiceSandbox.entry("broken", needs: ["libtoy"], installer: #"<pd:install kind="command"><pd:arg>toy-setup</pd:arg></pd:install>"#),
        ])
        sandbox.runner.expect(["dpkg-query", "-W", "-f", "${Status}", "libtoy1"], status: 1)
        sandbox.runner.expect(["apt-get", "install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300", "libtoy1"])
        sandbox.runner.expect(["toy-setup"], status: 3)
        sandbox.runner.expect(["apt-get", "remove", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "libtoy1"])
        let error = await #expect(throws: ServiceError.self) { try await sandbox.install(["broken"]) }
        #expect(error?.exitStatus == .failure)
        #expect(error?.description == "installing broken: 'toy-setup' exited with status 3; see \(sandbox.home.path)/state/logs/install-1.log")
        #expect(sandbox.runner.calls.last == ["apt-get", "remove", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "libtoy1"])
        #expect(sandbox.events.events.contains(.willRollBack))
        #expect(try sandbox.state().installed().isEmpty)
        #expect(try sandbox.state().unfinishedTransactions().isEmpty)
    }

    @Test("without root, Debian packages are refused before any download or step, naming the apt-get command")
    func aptNeedsRoot() async throws {
        let sandbox = try ServiceSandbox()
        sandbox.isRoot = false
        try await sandbox.writeFeed([ServiceSandbox.entry("libtoy", installer: Self.apt)])
        sandbox.runner.expect(["dpkg-query"], status: 1)
        let error = await #expect(throws: ServiceError.self) { try await sandbox.install(["libtoy"]) }
        #expect(error?.exitStatus == .noPermission)
        #expect(error?.description == "libtoy needs root to install Debian packages; run: sudo apt-get install -y libtoy1 and then this command again")
        #expect(sandbox.runner.calls.allSatisfy { $0.first == "dpkg-query" })
    }

    @Test("recovery: a killed install's journal is undone by its kinds when the state is next opened, and said")
    func recovery() throws {
        let sandbox = try ServiceSandbox()
        let state = try sandbox.state()
        let transaction = try state.begin(command: "install half")
        let folder = sandbox.programs.appendingPathComponent("half")
        try transaction.willCreate(folder.path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try transaction.willInstallPackage("libtoy1", kind: "apt")
        // The process "dies" here: no commit, no rollback.
        sandbox.runner.expect(["apt-get", "remove", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "libtoy1"])
        _ = try sandbox.context().openState()
        #expect(sandbox.events.events == [.recovered(command: "install half")])
        #expect(sandbox.runner.calls == [["apt-get", "remove", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "libtoy1"]])
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test("a journal row of a kind this paddock lacks stops the recovery before anything is undone")
    func recoveryOfUnknownKind() throws {
        let sandbox = try ServiceSandbox()
        let state = try sandbox.state()
        let transaction = try state.begin(command: "install gems")
        let folder = sandbox.programs.appendingPathComponent("kept")
        try transaction.willCreate(folder.path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try transaction.willInstallPackage("rails", kind: "gem")
        let error = #expect(throws: JournalError.self) { _ = try sandbox.context().openState() }
        #expect(error?.description.contains("row 2, has the action 'gem', which this paddock does not know") == true)
        #expect(FileManager.default.fileExists(atPath: folder.path))
        #expect(sandbox.runner.calls.isEmpty)
    }

    @Test("an installer of a kind this paddock lacks is refused before any download, saying how to add the kind")
    func unknownKindRefused() async throws {
        let sandbox = try ServiceSandbox()
        try await sandbox.writeFeed([ServiceSandbox.entry("rails", installer: #"<pd:install kind="gem" scope="user"><pd:package name="rails" version="8.0.1"/></pd:install>"#)])
        let error = await #expect(throws: ServiceError.self) { try await sandbox.install(["rails"], request: InstallRequest(yes: true, allowUnverified: true)) }
        #expect(error?.exitStatus == .dataError)
        #expect(error?.description.hasPrefix("rails's installer is of the kind 'gem', which this paddock does not carry out; define it in ~/.config/paddock/kinds/gem.xml") == true)
        #expect(sandbox.runner.calls.isEmpty)
    }

    @Test("a kind defined as data: its install command per package, journaled; undone by its remove command when a later step fails; uninstalled the same way")
    func dataDefinedKind() async throws {
        let sandbox = try ServiceSandbox()
        try FileManager.default.createDirectory(at: sandbox.kindsFolder, withIntermediateDirectories: true)
        try Data(
            """
            <kind xmlns="urn:paddock:kind:1" name="toy">
              <install><arg>toy-get</arg><arg>{{package}}</arg><arg>{{version}}</arg><arg>{{programs}}</arg></install>
              <remove><arg>toy-drop</arg><arg>{{package}}</arg></remove>
              <present><arg>toy-has</arg><arg>{{package}}</arg></present>
            </kind>
            """.utf8
        ).write(to: sandbox.kindsFolder.appendingPathComponent("toy.xml"))
        let toy = #"<pd:install kind="toy"><pd:package name="widget" version="2.1"/></pd:install>"#
        try await sandbox.writeFeed([
            ServiceSandbox.entry("widget", installer: toy),
            ServiceSandbox.entry("broken", needs: ["widget"], installer: #"<pd:install kind="command"><pd:arg>toy-setup</pd:arg></pd:install>"#),
        ])
        sandbox.runner.expect(["toy-get", "widget", "2.1", sandbox.programs.path])
        sandbox.runner.expect(["toy-setup"], status: 1)
        sandbox.runner.expect(["toy-drop", "widget"])
        await #expect(throws: ServiceError.self) { try await sandbox.install(["broken"], request: InstallRequest(yes: true, allowUnverified: true)) }
        #expect(sandbox.runner.calls == [["toy-get", "widget", "2.1", sandbox.programs.path], ["toy-setup"], ["toy-drop", "widget"]])

        _ = try await sandbox.install(["widget"], request: InstallRequest(yes: true, allowUnverified: true))
        #expect(try sandbox.state().receipts(of: "widget") == [Receipt(kind: .package("toy"), path: "widget")])
        sandbox.runner.expect(["toy-has", "widget"], status: 1)
        let report = try Doctor(context: try sandbox.context()).run(wait: false)
        #expect(
            report.checks.first { $0.name == "receipts" }?.details == [
                "widget: the toy package widget is missing; run: paddock uninstall widget and install it again"
            ])
        _ = try sandbox.uninstall("widget")
        #expect(sandbox.runner.calls.last == ["toy-drop", "widget"])
        #expect(try sandbox.state().installed().isEmpty)
    }

    @Test("doctor: a program folder gone and a Debian package gone are problems, each with what to run; healthy otherwise")
    func doctor() async throws {
        let sandbox = try ServiceSandbox()
        try await sandbox.writeFeed([
            ServiceSandbox.entry("tool", installer: try sandbox.archiveInstaller("tool", files: ["bin/tool": "1\n"])),
            ServiceSandbox.entry("libtoy", installer: Self.apt),
        ])
        sandbox.runner.expect(["dpkg-query", "-W", "-f", "${Status}", "libtoy1"], status: 1)
        sandbox.runner.expect(["apt-get", "install"])
        _ = try await sandbox.install(["tool", "libtoy"])
        let healthy = try Doctor(context: try sandbox.context(runner: ScriptedRunner.installed("libtoy1"))).run(wait: false)
        #expect(healthy.healthy, "\(healthy.checks.filter { $0.status == DoctorReport.Check.Status.problem }.map(\.summary))")
        try FileManager.default.removeItem(at: sandbox.programs.appendingPathComponent("tool"))
        let report = try Doctor(context: try sandbox.context()).run(wait: false)
        #expect(!report.healthy)
        #expect(
            report.checks.first { $0.name == "receipts" }?.details.sorted() == [
                "libtoy: the Debian package libtoy1 is not installed; run: paddock uninstall libtoy and install it again",
                "tool: \(sandbox.programs.path)/tool is missing; run: paddock uninstall tool and install it again",
            ])
    }

    @Test("upgrade in process: the newer version replaces the old one's files; the old files are gone at commit")
    func upgrade() async throws {
        let sandbox = try ServiceSandbox()
        try await sandbox.writeFeed([ServiceSandbox.entry("tool", installer: try sandbox.archiveInstaller("tool", files: ["bin/tool": "1\n", "old.txt": "old\n"]))])
        _ = try await sandbox.install(["tool"])
        try await sandbox.writeFeed([
            ServiceSandbox.entry("tool", version: "2.0", installer: try sandbox.archiveInstaller("tool", version: "2.0", files: ["bin/tool": "2\n"]))
        ])
        let context = try sandbox.context()
        let planning = try UpgradeService(context: context, store: try context.openStore(), state: try context.openState()).plan(product: nil)
        #expect(planning.requests == ["tool@>1.0"] && planning.notes.isEmpty)
        let outcome = try await sandbox.install(planning.requests, request: InstallRequest(yes: true, commandLine: "upgrade", upgrading: planning.upgrading))
        #expect(outcome.installed == ["tool"])
        let folder = sandbox.programs.appendingPathComponent("tool")
        #expect(try String(contentsOf: folder.appendingPathComponent("bin/tool"), encoding: .utf8) == "2\n")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("old.txt").path))
        #expect(try sandbox.state().installed().map(\.version) == ["2.0"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.programs.path) == ["tool"])
    }

    @Test("without --yes and without a terminal, nothing is asked and nothing happens")
    func noTerminal() async throws {
        let sandbox = try ServiceSandbox()
        try await sandbox.writeFeed([ServiceSandbox.entry("tool", installer: try sandbox.archiveInstaller("tool", files: ["t": "1\n"]))])
        let error = await #expect(throws: ServiceError.self) { try await sandbox.install(["tool"], request: InstallRequest()) }
        #expect(error?.exitStatus == .usage)
        #expect(error?.description == "not asking without a terminal: pass --yes to install, or --dry-run to only see the plan")
        #expect(!FileManager.default.fileExists(atPath: sandbox.programs.path))
    }
}

extension ScriptedRunner {
    /// A runner that says each of `packages` is installed (dpkg-query).
    static func installed(_ packages: String...) -> ScriptedRunner {
        let runner = ScriptedRunner()
        for package in packages { runner.expect(["dpkg-query", "-W", "-f", "${Status}", package], output: "install ok installed") }
        return runner
    }
}
