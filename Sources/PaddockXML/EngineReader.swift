import FeedModel
import Foundation

/// Reads engine definitions (namespace `urn:paddock:engine:1`): one `<engine>` a file, or an
/// `<engines>` root holding several. Read as the manifests are: libxml2 without network or
/// entities, errors as `FILE:LINE:COLUMN: message`. The format is in docs/engines.md.
public enum EngineReader {
    public static let namespace = "urn:paddock:engine:1"
    /// The signals a `<reload strategy="signal">` may name.
    public static let signalNames: Set<String> = ["HUP", "USR1", "USR2", "INT", "QUIT", "TERM", "WINCH", "TTIN", "TTOU"]

    public static func read(path: String, label: String? = nil) throws -> [EngineDefinition] {
        let document = try SmallXMLDocument(path: path, label: label)
        let file = document.file
        let root = document.root
        func fail(_ element: XMLElement, _ message: String) -> XMLSyntaxError { document.fail(element, message) }
        guard let root, root.key == "engine" || root.key == "engines" else {
            throw XMLSyntaxError(file: file, line: 1, column: 1, message: "the root element must be <engine xmlns=\"\(namespace)\"> or <engines>")
        }
        let elements = root.key == "engine" ? [root] : root.children("engine")
        var seen: Set<String> = []
        var engines: [EngineDefinition] = []
        for element in elements {
            let engine = try definition(element, file: file, fail: fail)
            guard seen.insert(engine.name).inserted else { throw fail(element, "the engine '\(engine.name)' is defined twice in this file") }
            engines.append(engine)
        }
        return engines
    }

    private static func definition(
        _ element: XMLElement, file: String, fail: (XMLElement, String) -> XMLSyntaxError
    ) throws -> EngineDefinition {
        func integer(_ element: XMLElement, _ attribute: String, minimum: Int, maximum: Int = Int.max) throws -> Int? {
            guard let text = element.attribute(attribute)?.trimmingWhitespace(), !text.isEmpty else { return nil }
            guard let value = Int(text), value >= minimum, value <= maximum else {
                let range = maximum == Int.max ? "a whole number from \(minimum)" : "a whole number from \(minimum) to \(maximum)"
                throw fail(element, "\(attribute)=\"\(text)\" must be \(range)")
            }
            return value
        }
        guard let name = element.attribute("name")?.trimmingWhitespace(), !name.isEmpty else {
            throw fail(element, "<engine> needs a name attribute")
        }
        guard isEngineName(name) else {
            throw fail(element, "the engine name '\(name)' may hold only a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
        }
        guard let runtime = element.attribute("runtime")?.trimmingWhitespace(), !runtime.isEmpty else {
            throw fail(element, "the engine '\(name)' needs a runtime attribute (python3, ruby, node...)")
        }
        guard let programElement = element.child("program") else { throw fail(element, "the engine '\(name)' needs a <program>") }
        let program = programElement.text.trimmingWhitespace()
        guard !program.isEmpty else { throw fail(programElement, "<program> is empty") }
        var engine = EngineDefinition(
            name: name, displayName: element.attribute("displayName"), runtime: runtime, program: program,
            arguments: element.children("arg").map { $0.text.trimmingWhitespace() }, source: file)
        engine.aliases = element.children("alias").map { $0.text.trimmingWhitespace() }.filter { !$0.isEmpty }
        for variable in element.child("environment")?.children("variable") ?? [] {
            guard let variableName = variable.attribute("name"), !variableName.isEmpty else { throw fail(variable, "<variable> needs a name attribute") }
            let modeText = variable.attribute("mode") ?? "set"
            guard let mode = EngineDefinition.Variable.Mode(rawValue: modeText) else {
                throw fail(variable, "mode=\"\(modeText)\" must be set, prepend or append")
            }
            engine.environment.append(.init(name: variableName, value: variable.attribute("value") ?? "", mode: mode))
        }
        if let transport = element.child("transport") {
            switch transport.attribute("kind") ?? "tcp" {
            case "tcp":
                let lower = try integer(transport, "portLower", minimum: 1, maximum: 65535) ?? 8000
                let upper = try integer(transport, "portUpper", minimum: 1, maximum: 65535) ?? max(lower, min(lower + 99, 65535))
                guard lower <= upper else { throw fail(transport, "portLower \(lower) is above portUpper \(upper)") }
                engine.transport = .tcp(ports: lower...upper)
            case "unix":
                let path = transport.attribute("path") ?? "{{run_dir}}/engine.sock"
                guard !path.isEmpty else { throw fail(transport, "path=\"\" must name the socket") }
                engine.transport = .unix(path: path)
            case let other:
                throw fail(transport, "kind=\"\(other)\" must be tcp or unix")
            }
        }
        if let reload = element.child("reload") {
            switch reload.attribute("strategy") ?? "" {
            case "signal":
                let signal = (reload.attribute("signal") ?? "HUP").uppercased().replacingOccurrences(of: "SIG", with: "")
                guard signalNames.contains(signal) else {
                    throw fail(reload, "signal=\"\(reload.attribute("signal") ?? "")\" must be one of \(signalNames.sorted().joined(separator: ", "))")
                }
                engine.reload = .signal(signal)
            case "start-new-then-stop-old": engine.reload = .startNewThenStopOld
            case "one-at-a-time": engine.reload = .oneAtATime
            case "touch":
                let path = reload.attribute("path") ?? "{{run_dir}}/reload"
                guard path.hasPrefix("{{run_dir}}/") || path.hasPrefix("{{data_dir}}/"), !path.split(separator: "/").contains("..") else {
                    throw fail(reload, "path=\"\(path)\" must be a file under {{run_dir}}/ or {{data_dir}}/ (paddock touches nothing else)")
                }
                engine.reload = .touch(path)
            case let other:
                throw fail(reload, "strategy=\"\(other)\" must be signal, start-new-then-stop-old, one-at-a-time or touch")
            }
        }
        engine.gracefulTimeout = try integer(element, "gracefulTimeout", minimum: 1, maximum: 3600) ?? 30
        if let workers = element.child("workers") {
            guard let formula = workers.attribute("formula"), !formula.isEmpty else { throw fail(workers, "<workers> needs a formula attribute (2*cores+1)") }
            do {
                engine.workers = try WorkerFormula(formula)
            } catch {
                throw fail(workers, error.message)
            }
        }
        if let health = element.child("health") {
            let path = health.attribute("path") ?? "/"
            guard path.hasPrefix("/") else { throw fail(health, "path=\"\(path)\" must start with '/'") }
            engine.health = .init(path: path, host: health.attribute("host"))
        }
        if let limits = element.child("limits") {
            engine.limits.maxRequestsPerWorker = try integer(limits, "maxRequestsPerWorker", minimum: 0)
            engine.limits.memoryLimitMB = try integer(limits, "memoryLimitMB", minimum: 1)
            engine.limits.requestTimeLimit = try integer(limits, "requestTimeLimit", minimum: 1)
            let mask = limits.attribute("watchMask") ?? ""
            engine.limits.watchMask = mask.split(separator: ";").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            if let bad = engine.limits.watchMask.first(where: { $0.contains("/") }) {
                throw fail(limits, "the watch mask '\(bad)' must be a file name pattern (*.py), without '/'")
            }
        }
        for file in element.children("configfile") {
            let fileName = file.attribute("name")?.trimmingWhitespace() ?? ""
            guard isConfigFileName(fileName) else {
                throw fail(file, "<configFile name=\"\(fileName)\"> must be a plain file name (letters, digits, '.', '_', '-'; no '/'): it is written into the app's run folder")
            }
            guard !engine.configFiles.contains(where: { $0.name == fileName }) else { throw fail(file, "<configFile name=\"\(fileName)\"> is given twice") }
            engine.configFiles.append(.init(name: fileName, text: file.text))
        }
        engine.products = try element.children("requires").map { requirement in
            guard let product = requirement.attribute("product")?.trimmingWhitespace(), !product.isEmpty else {
                throw fail(requirement, "<requires> needs a product attribute (a feed's productId)")
            }
            return product
        }
        if let stop = element.child("stop") {
            let signal = (stop.attribute("signal") ?? "TERM").uppercased().replacingOccurrences(of: "SIG", with: "")
            guard signalNames.contains(signal) else {
                throw fail(stop, "signal=\"\(stop.attribute("signal") ?? "")\" must be one of \(signalNames.sorted().joined(separator: ", "))")
            }
            engine.stopSignal = signal
        }
        engine.ignoredNames = element.children("ignore").map { $0.text.trimmingWhitespace() }.filter { !$0.isEmpty }
        return engine
    }

    static func isConfigFileName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != ".", name.count <= 100 else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
        }
    }

    static func isEngineName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) || ("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }
}
