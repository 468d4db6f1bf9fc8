/// Web Deploy's Parameters.xml: the questions a package asks, and where each answer goes.
/// paddock's templates use the same shape for their parameters.
public struct DeploymentParameter: Hashable, Sendable, Codable {
    /// One substitution target (`parameterEntry`).
    public struct Entry: Hashable, Sendable, Codable {
        /// `TextFile`, `XmlFile`, `TextFilePosition` or `ProviderPath`, as written (from `kind` or `type`).
        public var kind: String
        public var scope: String
        public var match: String
        public init(kind: String, scope: String, match: String) {
            self.kind = kind
            self.scope = scope
            self.match = match
        }
    }

    /// `parameterValidation`: kinds such as `Boolean`, `Enumeration`, `RegularExpression`, `AllowEmpty`.
    public struct Validation: Hashable, Sendable, Codable {
        public var kinds: [String]
        public var validationString: String?
        public init(kinds: [String], validationString: String? = nil) {
            self.kinds = kinds
            self.validationString = validationString
        }
        public func allows(_ kind: String) -> Bool { kinds.contains { $0.lowercased() == kind.lowercased() } }
    }

    public var name: String
    public var friendlyName: String?
    public var description: String?
    public var defaultValue: String?
    /// Split on commas, trimmed; compared case-insensitively (`Hidden`/`hidden`).
    public var tags: [String]
    public var entries: [Entry]
    public var validation: Validation?
    /// Localized captions, by culture.
    public var localizedDescriptions: [String: String]
    public var localizedFriendlyNames: [String: String]
    /// paddock's extension (`<pd:requires value="postgresql" product="psycopg"/>`): products a
    /// value brings in, such as the database driver a database choice needs. Keyed by value.
    public var requiredProducts: [String: [String]]
    /// paddock's extension (`<pd:askWhen parameter="database" values="postgresql,mysql"/>`): ask
    /// for this value only when an earlier parameter has one of these values; otherwise its
    /// default is taken without a question (the database server is no question for SQLite).
    public var askWhen: Condition?
    /// paddock's extension (`<pd:expects>a port number from 1024 to 65535</pd:expects>`): what a
    /// valid value is, in words, for the refusal of a value the pattern rejects (a person reads
    /// "expected a port number from 1024 to 65535", not the regular expression).
    public var expectation: String?
    /// paddock's extension (`<pd:refuse values="site os" reason="…"/>`): values the pattern would
    /// let through but that cannot work (a project package named like a module of Python's own
    /// library hides that module), each with the reason said when it is refused.
    public var refusals: [Refusal] = []

    /// Values refused with one reason.
    public struct Refusal: Hashable, Sendable, Codable {
        public var values: [String]
        public var reason: String
        public init(values: [String], reason: String) {
            self.values = values
            self.reason = reason
        }
    }

    /// An earlier parameter and the values that make this one worth asking.
    public struct Condition: Hashable, Sendable, Codable {
        public var parameter: String
        public var values: [String]
        public init(parameter: String, values: [String]) {
            self.parameter = parameter
            self.values = values
        }
        public func holds(in values: [String: String]) -> Bool {
            guard let value = values[parameter] else { return false }
            return self.values.contains { $0.lowercased() == value.lowercased() }
        }
    }

    public init(name: String) {
        self.name = name
        self.friendlyName = nil
        self.description = nil
        self.defaultValue = nil
        self.tags = []
        self.entries = []
        self.validation = nil
        self.localizedDescriptions = [:]
        self.localizedFriendlyNames = [:]
        self.requiredProducts = [:]
        self.askWhen = nil
        self.expectation = nil
        self.refusals = []
    }

    /// The products the chosen value brings in (values compared as the validation compares them).
    public func products(for value: String) -> [String] {
        requiredProducts.first { $0.key.lowercased() == value.lowercased() }?.value ?? []
    }

    public func hasTag(_ tag: String) -> Bool { tags.contains { $0.lowercased() == tag.lowercased() } }
    public var isHidden: Bool { hasTag("Hidden") }
    /// A value kept out of files, the state database and every message (Web Deploy's tags).
    public var isSecret: Bool { hasTag("Password") || hasTag("NoStore") }
}

/// Web Deploy's Manifest.xml: the providers a package applies.
public struct DeploymentManifest: Hashable, Sendable, Codable {
    public struct Provider: Hashable, Sendable, Codable {
        /// As written (`iisApp`, `iisapp`, `dbFullSql`, `setAcl`, `runCommand`...).
        public var name: String
        public var path: String?
        public var attributes: [String: String]
        public init(name: String, path: String?, attributes: [String: String]) {
            self.name = name
            self.path = path
            self.attributes = attributes
        }
    }
    public var rootName: String
    public var providers: [Provider]
    public init(rootName: String, providers: [Provider]) {
        self.rootName = rootName
        self.providers = providers
    }
}
