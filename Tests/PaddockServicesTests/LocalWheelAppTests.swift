import FeedModel
import Foundation
import PaddockServices
import PaddockState
import PaddockSystem
import Testing
import TestSupport

/// An app made from a template in this process, its Python package installed by the real pip
/// into a real virtual environment from a wheel folder the test builds: no PyPI, no network.
@Suite("Services in process: an app from a local wheel folder", .requires(.pip))
struct LocalWheelAppTests {
    /// Builds `toyapp_helper-1.0-py3-none-any.whl` (a module setting VALUE) in `folder`, with
    /// Python's own zipfile; returns its sha256.
    static func buildWheel(in folder: URL) throws -> String {
        let script = """
            import base64, hashlib, sys, zipfile
            files = {
                "toyapp_helper/__init__.py": "VALUE = 'from the wheel'\\n",
                "toyapp_helper-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: toyapp-helper\\nVersion: 1.0\\n",
                "toyapp_helper-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: paddock-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
            }
            record = []
            path = sys.argv[1] + "/toyapp_helper-1.0-py3-none-any.whl"
            with zipfile.ZipFile(path, "w") as wheel:
                for name, text in files.items():
                    data = text.encode()
                    wheel.writestr(name, data)
                    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    record.append(f"{name},sha256={digest},{len(data)}")
                record.append("toyapp_helper-1.0.dist-info/RECORD,,")
                wheel.writestr("toyapp_helper-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
            print(hashlib.sha256(open(path, "rb").read()).hexdigest())
            """
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, folder.path])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a template, a pip package from the wheel folder (hash-checked), its deploy hook run with the app's own python")
    func templateWithLocalWheel() async throws {
        let sandbox = try ServiceSandbox()
        let wheels = sandbox.root.appendingPathComponent("wheels")
        let sha256 = try Self.buildWheel(in: wheels)
        // pip reads its index settings from the environment: the wheel folder, never PyPI.
        sandbox.extraEnvironment = ["PIP_NO_INDEX": "1", "PIP_FIND_LINKS": wheels.path]
        let manifest = """
            <app xmlns="urn:paddock:app:1">
              <engine name="toy"><arg>python</arg><arg>-m</arg><arg>http.server</arg></engine>
              <deploy><arg>python</arg><arg>-c</arg><arg>import toyapp_helper; open('deployed.txt', 'w').write(toyapp_helper.VALUE)</arg></deploy>
            </app>
            """
        let template = try sandbox.archiveInstaller("toy-template", files: ["paddock-app.xml": manifest, "project/README.md": "a toy\n"], scope: "app")
        try await sandbox.writeFeed([
            ServiceSandbox.entry(
                "toyapp-helper", installer: #"<pd:install kind="pip"><pd:package name="toyapp-helper" version="1.0" sha256="\#(sha256)"/></pd:install>"#),
            ServiceSandbox.entry("toy-template", needs: ["toyapp-helper"], installer: template),
        ])
        let appFolder = sandbox.root.appendingPathComponent("toy")
        let outcome = try await sandbox.install(
            ["toy-template"], request: InstallRequest(app: "toy", path: appFolder.path, yes: true), runner: ProcessRunner())
        #expect(outcome.installed == ["toyapp-helper", "toy-template"])
        #expect(outcome.app?.name == "toy")
        #expect(try String(contentsOf: appFolder.appendingPathComponent("deployed.txt"), encoding: .utf8) == "from the wheel")
        #expect(try String(contentsOf: appFolder.appendingPathComponent("README.md"), encoding: .utf8) == "a toy\n")
        #expect(try sandbox.state().receipts(of: "toyapp-helper", app: "toy") == [Receipt(kind: .package("pip"), path: "toyapp-helper")])
        #expect(sandbox.events.events.contains(.didRunDeployHook(app: "toy")))
        // No uv in this feed: pip did the work, and said so in one line.
        let notes = sandbox.events.events.compactMap { event -> String? in if case .note(let text) = event { text } else { nil } }
        #expect(notes.filter { $0.hasPrefix("uv is not installed here") }.count == 1, "\(notes)")

        // Uninstalling the template removes the app whole: its folder (with its environment) and state.
        _ = try sandbox.uninstall("toy-template", app: "toy")
        #expect(!FileManager.default.fileExists(atPath: appFolder.path))
        #expect(try sandbox.state().apps().isEmpty)
    }

    @Test("a package step that fails after the app's environment was made rolls back whole: no app folder, no .venv, nothing recorded")
    func failedPackageRollsBackTheNewApp() async throws {
        let sandbox = try ServiceSandbox()
        let wheels = sandbox.root.appendingPathComponent("wheels")
        _ = try Self.buildWheel(in: wheels)
        sandbox.extraEnvironment = ["PIP_NO_INDEX": "1", "PIP_FIND_LINKS": wheels.path]
        let manifest = "<app xmlns=\"urn:paddock:app:1\"><engine name=\"toy\"><arg>python</arg></engine></app>"
        let template = try sandbox.archiveInstaller("toy-template", files: ["paddock-app.xml": manifest, "project/README.md": "a toy\n"], scope: "app")
        // A hash no file has: the package step fails after the venv is made.
        let wrong = String(repeating: "ab", count: 32)
        try await sandbox.writeFeed([
            ServiceSandbox.entry("toyapp-helper", installer: #"<pd:install kind="pip"><pd:package name="toyapp-helper" version="1.0" sha256="\#(wrong)"/></pd:install>"#),
            ServiceSandbox.entry("toy-template", needs: ["toyapp-helper"], installer: template),
        ])
        let appFolder = sandbox.root.appendingPathComponent("toy")
        await #expect(throws: (any Error).self) {
            try await sandbox.install(["toy-template"], request: InstallRequest(app: "toy", path: appFolder.path, yes: true), runner: ProcessRunner())
        }
        #expect(!FileManager.default.fileExists(atPath: appFolder.path), "the new app's folder (with its .venv) is gone")
        #expect(!sandbox.events.events.contains { if case .warning(let text) = $0 { text.contains("rollback stopped") } else { false } })
        #expect(try sandbox.state().apps().isEmpty)
        #expect(try sandbox.state().installed().isEmpty)
    }
}
