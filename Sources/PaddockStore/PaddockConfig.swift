import Foundation

/// The user's settings, from `config.toml` (a flat `key = value` subset of TOML, with one table).
///
///     builtin-feed = false          # stop loading the feed that ships with paddock
///     builtin-feed-path = "/srv/feeds/paddock.xml"
///
///     [keys]                        # feed-signing public keys, by name, for `feed add --key NAME`
///     zoo = "RWRJsUFg8SxAiTm5RuX5kYcYGP1K7o1KzVg9x8FqvER9Oe/QKrF8JaSM"   # minisign's base64 form
///     intranet = "keys/intranet.pub"                                      # or a .pub file
public struct PaddockConfig: Sendable, Hashable {
    public var builtinFeedEnabled = true
    public var builtinFeedPath: String?
    /// Named public keys: the base64 key, or a path to a minisign `.pub` file (relative paths
    /// are relative to the folder config.toml is in).
    public var keys: [String: String] = [:]
    /// The folder config.toml is in (relative key paths are resolved against it).
    public var directory: URL?

    public init() {}

    public static func load(from file: URL) throws -> PaddockConfig {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            var config = PaddockConfig()
            config.directory = file.deletingLastPathComponent()
            return config
        }
        var config = try parse(text, file: file.path)
        config.directory = file.deletingLastPathComponent()
        return config
    }

    public static func parse(_ text: String, file: String) throws -> PaddockConfig {
        var config = PaddockConfig()
        var table = ""
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw StoreError.badConfig(file: file, line: offset + 1, message: "expected '[table]'")
                }
                table = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                guard table == "keys" else {
                    throw StoreError.badConfig(file: file, line: offset + 1, message: "unknown table '[\(table)]' (known: [keys])")
                }
                continue
            }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else {
                throw StoreError.badConfig(file: file, line: offset + 1, message: "expected 'key = value'")
            }
            let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if table == "keys" {
                let name = parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                guard !name.isEmpty, !value.isEmpty else {
                    throw StoreError.badConfig(file: file, line: offset + 1, message: "a key needs a name and a value: name = \"RW...\"")
                }
                config.keys[name] = value
                continue
            }
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
                    file: file, line: offset + 1, message: "unknown setting '\(parts[0])' (known: builtin-feed, builtin-feed-path, [keys])")
            }
        }
        return config
    }
}
