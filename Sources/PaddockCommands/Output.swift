import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where text goes: colour only on a terminal (and never with NO_COLOR), JSON when asked.
struct Output {
    let json: Bool
    let verbose: Bool
    let useColor: Bool
    /// The same rule for stderr, where errors go (it may be a terminal when stdout is not).
    let errorColor: Bool

    init(json: Bool, verbose: Bool, environment: [String: String]) {
        self.json = json
        self.verbose = verbose
        let colorAllowed = environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        self.useColor = isatty(STDOUT_FILENO) == 1 && colorAllowed
        self.errorColor = isatty(STDERR_FILENO) == 1 && colorAllowed
    }

    func line(_ text: String = "") { print(text) }

    /// Sends what `line` wrote so far. stdout is fully buffered when it is a pipe or a file, so a
    /// command that then waits (a foreground launch, `logs --follow`) must flush, or a script
    /// reading it sees nothing until paddock exits, and a kill loses it.
    func flush() { fflush(nil) }  // nil: every output stream, stdout among them

    func error(_ message: String) {
        let prefix = errorColor ? "\u{1B}[1;31merror:\u{1B}[0m " : "error: "
        FileHandle.standardError.write(Data("paddock: \(prefix)\(message)\n".utf8))
    }

    func warning(_ message: String) {
        FileHandle.standardError.write(Data("paddock: warning: \(message)\n".utf8))
    }

    /// A progress note on stderr (so stdout stays clean for scripts); silent with --json.
    func progress(_ message: String) {
        guard !json else { return }
        FileHandle.standardError.write(Data("\(useColor ? "\u{1B}[2m" : "")\(message)…\(useColor ? "\u{1B}[0m" : "")\n".utf8))
    }

    func bold(_ text: String) -> String { useColor ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    func dim(_ text: String) -> String { useColor ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
    func green(_ text: String) -> String { useColor ? "\u{1B}[32m\(text)\u{1B}[0m" : text }
    func yellow(_ text: String) -> String { useColor ? "\u{1B}[33m\(text)\u{1B}[0m" : text }

    /// Stable JSON: sorted keys, ISO dates, pretty-printed.
    /// One JSON document on stdout. `oneLine` for commands whose `--json` output is JSON lines
    /// (download events first, this report last), so that every line parses on its own.
    func printJSON<T: Encodable>(_ value: T, oneLine: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = oneLine ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
