import FeedModel
import Foundation
import PaddockBasics
import PaddockServices
import Testing
import TestSupport

@Suite("Engine definitions: where they come from and which wins")
struct EngineStoreTests {
    func write(_ folder: URL, _ name: String, _ text: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    @Test("an admin's engine replaces the shipped one of the same name whole; the others stay; aliases find an engine")
    func overridePrecedence() throws {
        let root = try TestPaths.temporaryDirectory("paddock-engine-store")
        defer { try? FileManager.default.removeItem(at: root) }
        let shipped = root.appendingPathComponent("share/engines")
        let user = root.appendingPathComponent("config/engines")
        try write(
            shipped, "a.xml",
            """
            <engine xmlns="urn:paddock:engine:1" name="web" runtime="python3" gracefulTimeout="30">
              <alias>old-web</alias>
              <program>gunicorn</program>
              <arg>--shipped</arg>
              <limits memoryLimitMB="100"/>
            </engine>
            """)
        try write(shipped, "b.xml", "<engine xmlns=\"urn:paddock:engine:1\" name=\"other\" runtime=\"node\"><program>node</program></engine>")
        try write(shipped, "notes.txt", "not an engine")
        var store = EngineStore(shippedFolder: shipped, userFolder: user)
        var catalog = try store.catalog()
        #expect(catalog.sorted.map(\.name) == ["other", "web"])
        #expect(catalog.engine(named: "web")?.arguments == ["--shipped"])
        #expect(catalog.engine(named: "old-web")?.name == "web")
        #expect(catalog.engine(named: "nothing") == nil)

        // The admin's copy: whole, not merged (its limits are its own, none).
        try write(user, "web.xml", "<engine xmlns=\"urn:paddock:engine:1\" name=\"web\" runtime=\"python3.13\"><program>/opt/bin/gunicorn</program></engine>")
        catalog = try store.catalog()
        let web = try #require(catalog.engine(named: "web"))
        #expect(web.runtime == "python3.13" && web.program == "/opt/bin/gunicorn" && web.arguments.isEmpty)
        #expect(web.limits.memoryLimitMB == nil)
        #expect(web.aliases.isEmpty)
        #expect(web.source == user.appendingPathComponent("web.xml").path)
        #expect(catalog.engine(named: "old-web") == nil, "the replaced engine's aliases went with it")
        #expect(catalog.engine(named: "other")?.runtime == "node")

        // No shipped folder: the admin's engines alone.
        store.shippedFolder = nil
        #expect(try store.catalog().sorted.map(\.name) == ["web"])
    }

    @Test("found from PADDOCK_ENGINES, else the checkout's Recipes/engines; the admin's under the config folder")
    func locations() throws {
        let paths = PaddockPaths(environment: ["PADDOCK_HOME": "/tmp/ph"])
        let fromVariable = EngineStore(environment: ["PADDOCK_ENGINES": "/srv/engines", "PADDOCK_HOME": "/tmp/ph"], paths: paths)
        #expect(fromVariable.shippedFolder?.path == "/srv/engines")
        #expect(fromVariable.userFolder.path == "/tmp/ph/config/engines")
        let xdg = PaddockPaths(environment: ["XDG_CONFIG_HOME": "/etc/me", "HOME": "/home/me"])
        #expect(EngineStore(environment: [:], paths: xdg).userFolder.path == "/etc/me/paddock/engines")
        // The test binary lives in the checkout's .build: Recipes/engines is found above it.
        let found = try #require(EngineStore.locateShipped(environment: [:]))
        #expect(FileManager.default.fileExists(atPath: found.appendingPathComponent("python-gunicorn.xml").path))
    }

    @Test(
        "worker formulas",
        arguments: [
            ("2*cores+1", 1, 3), ("2*cores+1", 2, 5), ("2*cores+1", 8, 17), ("cores", 4, 4), ("4", 64, 4), ("(cores+1)*2", 3, 8),
            ("cores/2", 1, 1), ("cores/2", 8, 4), ("cores-8", 2, 1), ("2 * cores + 1", 2, 5),
        ])
    func workerFormula(text: String, cores: Int, expected: Int) throws {
        #expect(try WorkerFormula(text).evaluate(cores: cores) == expected)
    }

    @Test(
        "worker formulas that do not parse say why",
        arguments: [
            ("", "the worker formula '' ends too early"), ("2*", "the worker formula '2*' ends too early"),
            ("2x", "unexpected 'x' in the worker formula '2x'"), ("(2", "a '(' is not closed in the worker formula '(2'"),
            ("99999", "99999 is too large in the worker formula '99999'"),
        ])
    func badFormula(text: String, message: String) {
        #expect(throws: WorkerFormula.ParseError(message: message)) { try WorkerFormula(text) }
    }
}
