import FeedModel

/// Reads an installer kind defined as data (namespace `urn:paddock:kind:1`):
///
///     <kind xmlns="urn:paddock:kind:1" name="npm" environment="{{app_root}}/node_modules">
///       <install><arg>npm</arg><arg>install</arg><arg>--prefix</arg><arg>{{app_root}}</arg><arg>{{package}}@{{version}}</arg></install>
///       <remove><arg>npm</arg><arg>uninstall</arg><arg>--prefix</arg><arg>{{app_root}}</arg><arg>{{package}}</arg></remove>
///       <present><arg>test</arg><arg>-d</arg><arg>{{environment}}/{{package}}</arg></present>
///       <offline reason="packages from the npm registry"/>
///     </kind>
public enum KindDefinitionReader {
    public static let namespace = "urn:paddock:kind:1"

    public static func read(path: String, label: String? = nil) throws -> KindDefinition {
        let document = try SmallXMLDocument(path: path, label: label)
        let file = document.file
        let root = document.root
        guard let root, root.key == "kind" else {
            throw XMLSyntaxError(file: file, line: 1, column: 1, message: "the root element must be <kind xmlns=\"\(namespace)\" name=\"...\">")
        }
        func fail(_ element: XMLElement, _ message: String) -> XMLSyntaxError { document.fail(element, message) }
        guard let name = root.attribute("name"), LinuxInstall.Kind(rawValue: name) != nil else {
            throw fail(root, "<kind> needs name= a kind's name (a lower-case letter, then letters, digits or '-', up to 32), as feeds write it in <pd:install kind=\"...\">")
        }
        func argv(_ key: String, required: Bool) throws -> [String] {
            guard let element = root.child(key) else {
                if required { throw fail(root, "<kind name=\"\(name)\"> needs an <\(key)> with the command's <arg>s") }
                return []
            }
            let arguments = element.children("arg").map { $0.text.trimmingWhitespace() }
            guard !arguments.isEmpty, !arguments[0].isEmpty else { throw fail(element, "<\(key)> needs at least one <arg>, the program first") }
            return arguments
        }
        return KindDefinition(
            name: name, environment: root.attribute("environment"), install: try argv("install", required: true),
            remove: try argv("remove", required: false), present: try argv("present", required: false),
            offlineReason: root.child("offline")?.attribute("reason"), file: file)
    }
}
