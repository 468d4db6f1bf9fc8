/// An app's manifest (`paddock-app.xml`): Helicon Zoo's web.config section, for Linux. It says
/// how to start the app's workers, with what environment, how to deploy it, where its static
/// files are, and what to request to know it is up.
public struct AppManifest: Hashable, Sendable, Codable {
    public var framework: String?
    /// The template the app was made from (`<app template="blank-django">`): what `paddock adopt`
    /// installs the products of, for an app folder uploaded from elsewhere.
    public var template: String?
    /// The engine the app runs on: the name of an engine definition (`python-gunicorn`,
    /// docs/engines.md), with the app's own values for its placeholders (`<setting name=
    /// "wsgi_app" value="mysite.wsgi:application"/>` fills `{{wsgi_app}}`).
    public var engineName: String
    /// An argv written in the manifest itself (`<arg>`s, as manifests had them before engines
    /// were data): when present it replaces the engine's program and arguments, while the
    /// engine still gives the environment, transport, reload strategy and limits.
    public var engineArguments: [String]
    public var engineSettings: [NameValue] = []
    /// Variables set for the engine and the deploy hook (values may use placeholders).
    public var environmentPairs: [NameValue]
    /// The deploy hook (migrate, collectstatic...): argv run in the app's folder, and its log
    /// relative to the app's state folder.
    public var deployArguments: [String]
    public var deployLog: String
    public var staticURL: String?
    public var staticPath: String?
    public var healthPath: String
    public var healthHost: String?
    /// `paddock test`: the app's tests (argv run in the app's folder, in its environment), and
    /// the step that prepares the kept test database, run only when it is new or its inputs
    /// (file patterns relative to the app's folder) changed.
    public var testArguments: [String] = []
    public var testSetupArguments: [String] = []
    public var testSetupInputs: [String] = []

    public struct NameValue: Hashable, Sendable, Codable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        framework: String? = nil, engineName: String, engineArguments: [String] = [], engineSettings: [NameValue] = [],
        environmentPairs: [NameValue] = [],
        deployArguments: [String] = [], deployLog: String = "logs/deploy.log", staticURL: String? = nil,
        staticPath: String? = nil, healthPath: String = "/", healthHost: String? = nil
    ) {
        self.framework = framework
        self.engineName = engineName
        self.engineArguments = engineArguments
        self.engineSettings = engineSettings
        self.environmentPairs = environmentPairs
        self.deployArguments = deployArguments
        self.deployLog = deployLog
        self.staticURL = staticURL
        self.staticPath = staticPath
        self.healthPath = healthPath
        self.healthHost = healthHost
    }
}

/// `{{name}}` placeholders, as templates and manifests use them: no logic, only names.
public enum Placeholders {
    /// Replaces every `{{name}}` whose name is in `values`; others are left as written.
    public static func render(_ text: String, _ values: [String: String]) -> String {
        guard text.contains("{{") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                result += rest[open.lowerBound...]
                return result
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let value = values[name] {
                result += value
            } else {
                result += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    /// The names used in `text`.
    public static func names(in text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.insert(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
    }
}
