import FeedModel

/// Reads `paddock-app.xml` (namespace `urn:paddock:app:1`).
public enum AppManifestReader {
    public static let namespace = "urn:paddock:app:1"

    public static func read(path: String, label: String? = nil) throws -> AppManifest {
        let document = try SmallXMLDocument(path: path, label: label)
        let file = document.file
        let root = document.root
        guard let root, root.key == "app" else {
            throw XMLSyntaxError(file: file, line: 1, column: 1, message: "the root element must be <app xmlns=\"\(namespace)\">")
        }
        func fail(_ element: XMLElement, _ message: String) -> XMLSyntaxError { document.fail(element, message) }
        guard let engine = root.child("engine") else { throw fail(root, "<app> needs an <engine> naming the engine that runs the app") }
        let engineArguments = engine.children("arg").map { $0.text.trimmingWhitespace() }
        let engineName = engine.attribute("name")?.trimmingWhitespace() ?? engineArguments.first ?? ""
        guard !engineName.isEmpty else { throw fail(engine, "<engine> needs a name attribute naming an engine (see 'paddock engines'), or <arg>s") }
        if let empty = engine.children("arg").first(where: { $0.text.trimmingWhitespace().isEmpty }), engineArguments.first?.isEmpty != false {
            throw fail(empty, "the first <arg> of <engine> is the program and cannot be empty")
        }
        var manifest = AppManifest(framework: root.attribute("framework"), engineName: engineName, engineArguments: engineArguments)
        manifest.template = root.attribute("template")?.trimmingWhitespace()
        for setting in engine.children("setting") {
            guard let name = setting.attribute("name"), !name.isEmpty else { throw fail(setting, "<setting> needs a name attribute") }
            manifest.engineSettings.append(.init(name: name, value: setting.attribute("value") ?? ""))
        }
        for variable in root.child("environment")?.children("variable") ?? [] {
            guard let name = variable.attribute("name"), !name.isEmpty else { throw fail(variable, "<variable> needs a name attribute") }
            manifest.environmentPairs.append(.init(name: name, value: variable.attribute("value") ?? ""))
        }
        if let deploy = root.child("deploy") {
            manifest.deployArguments = deploy.children("arg").map { $0.text.trimmingWhitespace() }
            if let log = deploy.attribute("log") {
                guard !log.hasPrefix("/"), !log.split(separator: "/").contains("..") else {
                    throw fail(deploy, "the deploy log '\(log)' must be a relative path inside the app's state folder")
                }
                manifest.deployLog = log
            }
        }
        if let test = root.child("test") {
            manifest.testArguments = test.children("arg").map { $0.text.trimmingWhitespace() }
            guard manifest.testArguments.first?.isEmpty == false else { throw fail(test, "<test> needs <arg>s: the command that runs the app's tests") }
            if let setup = test.child("setup") {
                manifest.testSetupArguments = setup.children("arg").map { $0.text.trimmingWhitespace() }
                guard manifest.testSetupArguments.first?.isEmpty == false else {
                    throw fail(setup, "<setup> needs <arg>s: the command that prepares the kept test database")
                }
                let inputs = (setup.attribute("inputs") ?? "").split(separator: ";").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
                for input in inputs where input.hasPrefix("/") || input.split(separator: "/").contains("..") {
                    throw fail(setup, "the test setup input '\(input)' must be a file pattern relative to the app's folder, inside it")
                }
                manifest.testSetupInputs = inputs
            }
        }
        if let staticFiles = root.child("static") {
            manifest.staticURL = staticFiles.attribute("url")
            manifest.staticPath = staticFiles.attribute("path")
        }
        if let health = root.child("health") {
            manifest.healthPath = health.attribute("path") ?? "/"
            manifest.healthHost = health.attribute("host")
        }
        return manifest
    }
}
