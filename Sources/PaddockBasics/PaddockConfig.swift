import Foundation
import PaddockBasics

/// The user's settings, from `config.toml` (a flat `key = value` subset of TOML, with one table),
/// read strictly by `ConfigLine`: a line it cannot read is an error naming its line, never half-read.
///
///     builtin-feed = false          # stop loading the feed that ships with paddock
///     builtin-feed-path = "/srv/feeds/paddock.xml"
///     download-max-feed-size = "1 GB"   # a remote feed (and each child) stops there
///     download-max-file-size = "4 GB"   # an installer whose feed declares no fileSize
///     download-min-speed = "1 KB"       # bytes a second, over download-stall-seconds; 0: off
///     download-stall-seconds = 30       # no byte, or too few, for this long: give up
///     download-deadline = 600           # seconds one file (or feed) may take in all
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
    /// `download-max-feed-size`: a remote feed's body stops there (TUF's endless data).
    public var downloadMaxFeedSize: Int64 = 1 << 30
    /// `download-max-file-size`: an installer file whose feed declares no `fileSize`.
    public var downloadMaxFileSize: Int64 = 4 << 30
    /// `download-min-speed`, bytes a second over `downloadStallSeconds` (TUF's slow retrieval);
    /// 0 checks only for no bytes at all.
    public var downloadMinSpeed: Int64 = 1024
    /// `download-stall-seconds`: no bytes for this long, or too few (`downloadMinSpeed`), fails.
    public var downloadStallSeconds: Double = 30
    /// `download-deadline`: seconds one file or feed may take, all attempts together.
    public var downloadDeadline: Double = 600

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
        var seen: Set<String> = []
        // "\r\n" is one Character in Swift, so a CRLF file split on "\n" alone is one long line.
        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let lineNumber = offset + 1
            let entry: ConfigLine.Entry?
            do { entry = try ConfigLine.read(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine) } catch let problem as ConfigLine.Problem {
                // `builtin-feed = maybe`: the setting's own message says more than TOML's does.
                if let (key, word) = problem.bareWord, table.isEmpty, settings.contains(key), key != "builtin-feed-path" {
                    let quoted = word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    do { _ = try parse("\(key) = \"\(quoted)\"", file: file) } catch let error as ConfigError {
                        throw ConfigError(file: file, line: lineNumber, message: error.message)
                    }
                }
                throw ConfigError(file: file, line: lineNumber, message: problem.message)
            }
            guard let entry else { continue }
            let key: String
            let value: String
            switch entry {
            case .table(let name):
                guard name == "keys" else {
                    throw ConfigError(file: file, line: lineNumber, message: "unknown table '[\(name)]' (known: [keys])")
                }
                guard table != name, !seen.contains("[\(name)]") else {
                    throw ConfigError(file: file, line: lineNumber, message: "table '[\(name)]' appears twice; keep one")
                }
                seen.insert("[\(name)]")
                table = name
                continue
            case .pair(let name, let text):
                key = name
                value = text
            }
            // TOML refuses a key given twice; the old reader let the last one win silently.
            let qualified = table.isEmpty ? key : "\(table).\(key)"
            guard seen.insert(qualified).inserted else {
                throw ConfigError(file: file, line: lineNumber, message: "'\(key)' is set twice; keep one")
            }
            let parts = [key, value]
            let offset = lineNumber - 1
            if table == "keys" {
                let name = key
                guard !name.isEmpty, !value.isEmpty else {
                    throw ConfigError(file: file, line: offset + 1, message: "a key needs a name and a value: name = \"RW...\"")
                }
                config.keys[name] = value
                continue
            }
            switch parts[0] {
            case "builtin-feed":
                guard value == "true" || value == "false" else {
                    throw ConfigError(file: file, line: offset + 1, message: "builtin-feed takes true or false")
                }
                config.builtinFeedEnabled = value == "true"
            case "builtin-feed-path":
                config.builtinFeedPath = value
            case "download-max-feed-size", "download-max-file-size":
                guard let size = Self.size(value), size > 0 else {
                    throw ConfigError(
                        file: file, line: offset + 1,
                        message: "\(parts[0]) takes a size above 0: bytes, or a whole number of KB, MB or GB (1024-based), e.g. \"1 GB\"")
                }
                if parts[0] == "download-max-feed-size" { config.downloadMaxFeedSize = size } else { config.downloadMaxFileSize = size }
            case "download-min-speed":
                let perSecond = value.hasSuffix("/s") ? String(value.dropLast(2)) : value
                guard let speed = Self.size(perSecond) else {
                    throw ConfigError(
                        file: file, line: offset + 1,
                        message: "download-min-speed takes bytes a second, or a whole number of KB or MB, e.g. \"1 KB\"; 0 turns it off")
                }
                config.downloadMinSpeed = speed
            case "download-stall-seconds", "download-deadline":
                guard let seconds = Double(value), seconds.isFinite, seconds > 0 else {
                    let example = parts[0] == "download-deadline" ? "600" : "30"
                    throw ConfigError(
                        file: file, line: offset + 1, message: "\(parts[0]) takes a number of seconds above 0, e.g. \(example)")
                }
                if parts[0] == "download-deadline" { config.downloadDeadline = seconds } else { config.downloadStallSeconds = seconds }
            default:
                throw ConfigError(
                    file: file, line: offset + 1,
                    message: "unknown setting '\(parts[0])' (known: \(Self.settings.joined(separator: ", ")), [keys])")
            }
        }
        return config
    }

    /// The settings outside tables, for the message about an unknown one.
    static let settings = [
        "builtin-feed", "builtin-feed-path", "download-max-feed-size", "download-max-file-size", "download-min-speed",
        "download-stall-seconds", "download-deadline",
    ]

    /// "1073741824", "1 GB", "64KB", "512 MiB", "10 bytes": a whole number, 1024-based units;
    /// nil when it is not one or does not fit.
    static func size(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        let multiplier: Int64
        switch unit {
        case "", "b", "byte", "bytes": multiplier = 1
        case "k", "kb", "kib": multiplier = 1 << 10
        case "m", "mb", "mib": multiplier = 1 << 20
        case "g", "gb", "gib": multiplier = 1 << 30
        default: return nil
        }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : bytes
    }
}

/// A line of config.toml paddock cannot read: the file and line, and what it takes.
public struct ConfigError: PaddockError, Hashable {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
    public var exitStatus: ExitStatus { .configuration }
}
