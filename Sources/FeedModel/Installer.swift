/// The operating systems an installer can be meant for.
public enum InstallerPlatform: String, Hashable, Sendable, Codable {
    /// A WebPI installer (MSI, command line, Web Deploy): Windows only.
    case windows
    /// An installer written with paddock's Linux extension.
    case linux
}

/// One `<os>` of an `osList`: Windows versions and editions (WebPI) as written.
public struct OperatingSystemSpec: Hashable, Sendable, Codable {
    public var minimumVersion: String?
    public var maximumVersion: String?
    public var osTypes: [String]
    /// `<os idref="...">` naming a feed-level `<os>` not yet read: WebPI's feeds define their
    /// `<oses>` after the entries. Only the name is known until then; whoever knows the feed's
    /// oses (the reader at the end of the feed, the catalogue when it reads a product back)
    /// puts the named os in its place, or drops it when the feed never defines it.
    public var reference: String?
    public init(minimumVersion: String? = nil, maximumVersion: String? = nil, osTypes: [String] = []) {
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.osTypes = osTypes
    }

    public init(reference: String) {
        self.init()
        self.reference = reference
    }
}

extension [OperatingSystemSpec] {
    /// The list with each `reference` replaced by the os `named` gives (dropped when it gives none).
    public func resolvingReferences(_ named: (String) throws -> OperatingSystemSpec?) rethrows -> [OperatingSystemSpec] {
        guard contains(where: { $0.reference != nil }) else { return self }
        return try compactMap { os in
            guard let reference = os.reference else { return os }
            return try named(reference)
        }
    }
}

/// `<installerFile>`: where the bytes come from and how to check them.
public struct InstallerFile: Hashable, Sendable, Codable {
    /// As written; WebPI documents kilobytes, some feeds write bytes. Advisory only.
    public var fileSizeKB: Int?
    public var url: String?
    public var relativeURL: String?
    public var displayURL: String?
    /// Lower-cased hex, or nil when absent. A placeholder is kept as written (and fails at install).
    public var sha1: String?
    /// From paddock's extension (`pd:sha256`), lower-cased hex.
    public var sha256: String?
    public init() {}
}

/// A WebPI `installCommands` child.
public enum InstallCommand: Hashable, Sendable, Codable {
    case msiInstall(msi: String?, properties: String?)
    case msuInstall
    case commandLine(exe: String, arguments: String?, ignoreExitCode: Bool)

    public var isWindowsOnly: Bool { true }
}

/// What paddock's Linux extension says to do with an installer (`pd:install`).
public struct LinuxInstall: Hashable, Sendable, Codable {
    /// How an installer is carried out: the name of an installer kind (`pd:install kind=`).
    /// Open, not an enum: paddock's services register the kinds they carry out (apt, pip,
    /// archive, command; more defined as data), and a feed may name one this paddock lacks;
    /// the install then says so, rather than the reader dropping the installer.
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String

        /// A kind's name: a lower-case letter, then lower-case letters, digits or '-', up to 32.
        public init?(rawValue: String) {
            guard let first = rawValue.unicodeScalars.first, ("a"..."z").contains(first), rawValue.unicodeScalars.count <= 32,
                rawValue.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
            else { return nil }
            self.rawValue = rawValue
        }

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let kind = Kind(rawValue: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an installer kind's name"))
            }
            self = kind
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        public var description: String { rawValue }

        public static let archive = Kind(rawValue: "archive")!
        public static let apt = Kind(rawValue: "apt")!
        public static let pip = Kind(rawValue: "pip")!
        public static let command = Kind(rawValue: "command")!

        /// Where a kind's result goes when the feed does not say (`scope=`): Debian packages are
        /// the system's, Python packages an app's; anything else paddock's own prefix.
        public var defaultScope: Scope {
            switch self {
            case .apt: .system
            case .pip: .app
            default: .user
            }
        }
    }
    /// Where the result goes: `system` needs root, `user` is paddock's own prefix,
    /// `app` is inside one app's environment.
    public enum Scope: String, Hashable, Sendable, Codable, CaseIterable {
        case system, user, app
    }
    /// A package named by an `apt` or `pip` install, with an optional version or pin and hash.
    public struct Package: Hashable, Sendable, Codable {
        public var name: String
        public var version: String?
        public var sha256: [String]
        public init(name: String, version: String? = nil, sha256: [String] = []) {
            self.name = name
            self.version = version
            self.sha256 = sha256
        }
    }

    public var kind: Kind
    public var scope: Scope
    public var packages: [Package]
    /// For `command`: the argv, each element one argument; `%InstallerFile%` and `%VAR%` expanded.
    public var arguments: [String]
    public var ignoreExitCode: Bool
    /// For `archive`: components to strip from entry paths, and a directory under the prefix.
    public var stripComponents: Int
    public var destination: String?

    public init(
        kind: Kind, scope: Scope, packages: [Package] = [], arguments: [String] = [],
        ignoreExitCode: Bool = false, stripComponents: Int = 0, destination: String? = nil
    ) {
        self.kind = kind
        self.scope = scope
        self.packages = packages
        self.arguments = arguments
        self.ignoreExitCode = ignoreExitCode
        self.stripComponents = stripComponents
        self.destination = destination
    }
}

/// One `<installer>` of an entry.
public struct Installer: Hashable, Sendable, Codable {
    public var id: String?
    public var languageIds: [String]
    /// Inline `<os>` specs plus those reached through `idref`; empty means "no OS constraint".
    public var operatingSystems: [OperatingSystemSpec]
    /// The `idref` of the osList, kept for display.
    public var osListReference: String?
    /// Normalised names: `x86`, `x64` from WebPI; `x86_64`, `aarch64`... from paddock's extension.
    public var architectures: [String]
    public var eulaURL: String?
    public var file: InstallerFile?
    public var commands: [InstallCommand]
    /// `<msDeploy>` present: a Web Deploy package; `startPage` is its innermost text.
    public var isMSDeploy: Bool
    public var startPage: String?
    /// paddock's Linux extension: what to do on Linux, and which distributions qualify.
    public var linux: LinuxInstall?
    public var distributions: [String]

    public init(id: String? = nil) {
        self.id = id
        self.languageIds = []
        self.operatingSystems = []
        self.osListReference = nil
        self.architectures = []
        self.eulaURL = nil
        self.file = nil
        self.commands = []
        self.isMSDeploy = false
        self.startPage = nil
        self.linux = nil
        self.distributions = []
    }

    /// An installer is for Linux exactly when it carries paddock's extension.
    public var platform: InstallerPlatform { linux == nil ? .windows : .linux }
}
