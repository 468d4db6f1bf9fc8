import FeedModel

/// Reads Web Deploy's Parameters.xml and Manifest.xml, as real gallery packages write them:
/// `kind=` or `type=`, any case of element and provider names.
public enum WebDeployReader {
    public static func parameters(path: String, label: String? = nil) throws -> [DeploymentParameter] {
        let stream = try XMLStream(path: path, label: label ?? path)
        let root = try readRoot(stream, expected: "parameters")
        return try parameters(from: root, file: stream.fileLabel, text: .file(path))
    }

    public static func parameters(bytes: [UInt8], label: String) throws -> [DeploymentParameter] {
        let stream = try XMLStream(bytes: bytes, label: label)
        let root = try readRoot(stream, expected: "parameters")
        return try parameters(from: root, file: label, text: .bytes(bytes))
    }

    public static func manifest(path: String, label: String? = nil) throws -> DeploymentManifest {
        let stream = try XMLStream(path: path, label: label ?? path)
        let root = try readRoot(stream, expected: "msdeploy.iisapp")
        let providers = root.children.map { child in
            var attributes: [String: String] = [:]
            for attribute in child.attributes { attributes[attribute.name] = attribute.value }
            return DeploymentManifest.Provider(name: child.name, path: child.attribute("path"), attributes: attributes)
        }
        return DeploymentManifest(rootName: root.name, providers: providers)
    }

    /// Reads the whole (small) document into a tree after refusing a DOCTYPE, like feeds.
    private static func readRoot(_ stream: XMLStream, expected: String) throws -> XMLElement {
        while try stream.read() {
            switch stream.kind {
            case .documentType:
                throw XMLSyntaxError(
                    file: stream.fileLabel, line: stream.line, column: stream.column,
                    message: "the file has a DOCTYPE; paddock refuses DTDs: remove the <!DOCTYPE ...> declaration")
            case .element:
                guard stream.localName.lowercased() == expected else {
                    throw XMLSyntaxError(
                        file: stream.fileLabel, line: stream.line, column: stream.column,
                        message: "the root element is <\(stream.localName)>, expected <\(expected)>")
                }
                let root = try stream.readElement()
                while try stream.read() {}
                return root
            default:
                continue
            }
        }
        throw stream.syntaxError(fallback: "the document is empty: expected a <\(expected)> root element")
    }

    private static func parameters(from root: XMLElement, file: String, text: FeedText) throws -> [DeploymentParameter] {
        func fail(_ element: XMLElement, _ message: String) -> XMLSyntaxError {
            XMLSyntaxError(file: file, line: element.line, column: text.columns(for: [(element.line, element.name)])[0], message: message)
        }
        var seen: Set<String> = []
        return try root.children("parameter").map { element in
            guard let name = element.attribute("name"), !name.isEmpty else {
                throw fail(element, "<parameter> has no name attribute; every parameter needs a unique name")
            }
            guard seen.insert(name).inserted else {
                throw fail(element, "parameter '\(name)' is defined twice; names must be unique")
            }
            var parameter = DeploymentParameter(name: name)
            parameter.friendlyName = element.attribute("friendlyName")
            parameter.description = element.attribute("description")
            parameter.defaultValue = element.attribute("defaultValue")
            parameter.tags = (element.attribute("tags") ?? "").split(separator: ",")
                .map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            for child in element.children {
                switch child.key {
                case "parameterentry":
                    let kind = child.attribute("kind") ?? child.attribute("type") ?? ""
                    parameter.entries.append(
                        .init(kind: kind, scope: child.attribute("scope") ?? "", match: child.attribute("match") ?? ""))
                case "parametervalidation":
                    let kinds = (child.attribute("kind") ?? child.attribute("type") ?? "").split(separator: ",")
                        .map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
                    parameter.validation = .init(kinds: kinds, validationString: child.attribute("validationString"))
                case "description":
                    if let culture = child.attribute("culture") { parameter.localizedDescriptions[culture] = child.trimmedText }
                case "friendlyname":
                    if let culture = child.attribute("culture") { parameter.localizedFriendlyNames[culture] = child.trimmedText }
                case "requires" where child.namespaceURI == FeedNamespace.paddock:
                    guard let value = child.attribute("value"), let product = child.attribute("product"), !product.isEmpty else {
                        throw fail(child, "<pd:requires> in parameter '\(name)' needs value= and product= attributes")
                    }
                    parameter.requiredProducts[value, default: []].append(product)
                case "askwhen" where child.namespaceURI == FeedNamespace.paddock:
                    guard let other = child.attribute("parameter"), !other.isEmpty, let list = child.attribute("values") else {
                        throw fail(child, "<pd:askWhen> in parameter '\(name)' needs parameter= and values= attributes")
                    }
                    guard seen.contains(other), other != name else {
                        throw fail(child, "<pd:askWhen> in parameter '\(name)' refers to '\(other)', which is not a parameter defined before it")
                    }
                    parameter.askWhen = .init(
                        parameter: other, values: list.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty })
                case "expects" where child.namespaceURI == FeedNamespace.paddock:
                    let words = child.trimmedText
                    guard !words.isEmpty else { throw fail(child, "<pd:expects> in parameter '\(name)' is empty; say in words what a valid value is") }
                    parameter.expectation = words
                case "refuse" where child.namespaceURI == FeedNamespace.paddock:
                    let values = (child.attribute("values") ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
                    guard !values.isEmpty, let reason = child.attribute("reason"), !reason.isEmpty else {
                        throw fail(child, "<pd:refuse> in parameter '\(name)' needs values= (separated by spaces) and reason= attributes")
                    }
                    parameter.refusals.append(.init(values: values, reason: reason))
                default:
                    continue
                }
            }
            return parameter
        }
    }
}
