import Foundation

/// The user's settings, from `config.toml` (a flat `key = value` subset of TOML).
///
///     builtin-feed = false          # stop loading the feed that ships with paddock
///     builtin-feed-path = "/srv/feeds/paddock.xml"
public struct PaddockConfig: Sendable, Hashable {
    public var builtinFeedEnabled = true
    public var builtinFeedPath: String?

    public init() {}

    public static func load(from file: URL) throws -> PaddockConfig {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return PaddockConfig() }
        return try parse(text, file: file.path)
    }

    public static func parse(_ text: String, file: String) throws -> PaddockConfig {
        var config = PaddockConfig()
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            if line.isEmpty { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else {
                throw StoreError.badConfig(file: file, line: offset + 1, message: "expected 'key = value'")
            }
            let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            switch parts[0] {
            case "builtin-feed":
                guard value == "true" || value == "false" else {
                    throw StoreError.badConfig(file: file, line: offset + 1, message: "builtin-feed takes true or false")
                }
                config.builtinFeedEnabled = value == "true"
            case "builtin-feed-path":
                config.builtinFeedPath = value
            default:
                throw StoreError.badConfig(
                    file: file, line: offset + 1, message: "unknown setting '\(parts[0])' (known: builtin-feed, builtin-feed-path)")
            }
        }
        return config
    }
}
