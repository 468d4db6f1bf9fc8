import FeedModel

/// The facts about this machine that decide which installers apply.
public struct MachineFacts: Sendable, Hashable, Codable {
    public enum OperatingSystem: String, Sendable, Hashable, Codable {
        case linux, windows
    }

    public var operatingSystem: OperatingSystem
    /// Lower-case distribution id as in os-release `ID` (`debian`, `ubuntu`); nil on Windows.
    public var distribution: String?
    /// os-release `VERSION_ID` (`12`, `22.04`).
    public var distributionVersion: String?
    /// `x86_64`, `aarch64`, `x86`... any spelling; compared through `Architecture.canonical`.
    public var architecture: String
    /// The language installers are chosen for (`en`, `fr`...).
    public var language: String
    /// Windows only: the version WebPI's `<os minimumVersion/maximumVersion>` compare with
    /// (`6.1` is Windows 7 / 2008 R2, `10.0` is Windows 10 and later). nil: not checked.
    public var windowsVersion: String?

    public init(
        operatingSystem: OperatingSystem = .linux, distribution: String? = nil, distributionVersion: String? = nil,
        architecture: String = "x86_64", language: String = "en", windowsVersion: String? = nil
    ) {
        self.operatingSystem = operatingSystem
        self.distribution = distribution
        self.distributionVersion = distributionVersion
        self.architecture = architecture
        self.language = language
        self.windowsVersion = windowsVersion
    }

    /// `linux/x86_64` (or `windows 6.0/x86_64` when the Windows version is known), as messages
    /// name the machine.
    public var platformDescription: String {
        let version = operatingSystem == .windows ? windowsVersion.map { " \($0)" } ?? "" : ""
        return "\(operatingSystem.rawValue)\(version)/\(Architecture.canonical(architecture))"
    }
}

/// Architecture names as feeds and machines spell them, mapped to one spelling each.
public enum Architecture {
    /// WebPI says `x64`/`x86`, Linux says `x86_64`/`i686`, Debian says `amd64`/`arm64`.
    public static func canonical(_ name: String) -> String {
        switch name.lowercased() {
        case "x64", "x86_64", "amd64", "x86-64": return "x86_64"
        case "x86", "i386", "i486", "i586", "i686", "ia32": return "x86"
        case "arm64", "aarch64": return "aarch64"
        case "armhf", "armv7", "armv7l", "arm": return "armv7"
        default: return name.lowercased()
        }
    }
}
