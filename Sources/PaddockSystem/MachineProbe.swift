import Foundation

/// Facts about this machine, read from the places Linux keeps them.
public struct MachineProbe: Sendable {
    public var distribution: String?
    public var distributionVersion: String?
    public var architecture: String
    public var language: String
    public var isRoot: Bool

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, osRelease: String = "/etc/os-release") {
        let release = Self.parseOSRelease((try? String(contentsOfFile: osRelease, encoding: .utf8)) ?? "")
        distribution = release["ID"]?.lowercased()
        distributionVersion = release["VERSION_ID"]
        var system = utsname()
        uname(&system)
        architecture = withUnsafeBytes(of: &system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        // LANG=fr_FR.UTF-8 → fr; C and POSIX mean English.
        let locale = environment["LC_ALL"] ?? environment["LANG"] ?? "en"
        let code = locale.prefix { $0.isLetter }.lowercased()
        language = code.isEmpty || code == "c" || code == "posix" ? "en" : code
        isRoot = getuid() == 0
    }

    static func parseOSRelease(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = line[line.index(after: equals)...].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return values
    }
}
