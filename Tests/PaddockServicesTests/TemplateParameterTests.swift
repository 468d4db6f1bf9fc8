import FeedModel
import Foundation
import PaddockServices
import PaddockState
import PaddockSystem
import Testing
import TestSupport

/// A template's parameters in the install service: asked before the one `Proceed?`, and a
/// second app of a template gets a default port of its own.
@Suite("Services in process: template parameters")
struct TemplateParameterTests {
    static let parametersXML = """
        <parameters xmlns:pd="urn:paddock:feed:1">
          <parameter name="port" friendlyName="HTTP port" defaultValue="18611">
            <parameterValidation kind="RegularExpression" validationString="^[0-9]{4,5}$"/>
            <pd:expects>a port number</pd:expects>
            <parameterEntry kind="TextFile" scope="^project/README\\.md$" match="{{port}}"/>
          </parameter>
        </parameters>
        """
    static let manifest = """
        <app xmlns="urn:paddock:app:1">
          <engine name="toy"><arg>python3</arg><arg>-m</arg><arg>http.server</arg></engine>
        </app>
        """

    func sandboxWithTemplate() async throws -> ServiceSandbox {
        let sandbox = try ServiceSandbox()
        let template = try sandbox.archiveInstaller(
            "porty", files: ["paddock-app.xml": Self.manifest, "Parameters.xml": Self.parametersXML, "project/README.md": "port {{port}}\n"], scope: "app")
        try await sandbox.writeFeed([ServiceSandbox.entry("porty", installer: template)])
        return sandbox
    }

    @Test("a second app of a template defaults to the next port no app holds; a given port is kept")
    func distinctDefaultPorts() async throws {
        let sandbox = try await sandboxWithTemplate()
        var ports: [String] = []
        for name in ["one", "two"] {
            let outcome = try await sandbox.install(
                ["porty"], request: InstallRequest(app: name, path: sandbox.root.appendingPathComponent(name).path, yes: true), runner: ProcessRunner())
            ports.append(outcome.app?.parameters["port"] ?? "")
            let readme = try String(contentsOf: sandbox.root.appendingPathComponent("\(name)/README.md"), encoding: .utf8)
            #expect(readme == "port \(ports.last!)\n")
        }
        #expect(ports[0] != ports[1], "\(ports)")
        #expect(Int(ports[1])! > Int(ports[0])!, "\(ports)")
        let given = try await sandbox.install(
            ["porty"], request: InstallRequest(app: "three", path: sandbox.root.appendingPathComponent("three").path, parameters: ["port": ports[0]], yes: true),
            runner: ProcessRunner())
        #expect(given.app?.parameters["port"] == ports[0], "a port given is taken as given; launch names the clash")
    }

    @Test("on a terminal the parameters are asked first, then the one Proceed")
    func parametersBeforeProceed() async throws {
        let sandbox = try await sandboxWithTemplate()
        let prompter = ScriptedPrompter(answers: ["abc", "18700", "y"])
        sandbox.prompter = prompter
        let outcome = try await sandbox.install(
            ["porty"], request: InstallRequest(app: "asked", path: sandbox.root.appendingPathComponent("asked").path), runner: ProcessRunner())
        #expect(outcome.app?.parameters["port"] == "18700")
        #expect(prompter.asked.count == 3, "\(prompter.asked)")
        #expect(prompter.asked.first?.hasPrefix("HTTP port [") == true, "\(prompter.asked)")
        #expect(prompter.asked.last == "Proceed?", "\(prompter.asked)")
        #expect(prompter.told.contains { $0.contains("'abc' is not valid: expected a port number") }, "\(prompter.told)")
    }
}
