import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where text goes: colour as `--color` says (by default only on a terminal, never with
/// NO_COLOR, always with FORCE_COLOR), JSON when asked, only errors with --quiet.
struct Output {
    let json: Bool
    let verbose: Bool
    let quiet: Bool
    let useColor: Bool
    /// The same rule for stderr, where errors and progress go (it may be a terminal when
    /// stdout is not).
    let errorColor: Bool
    /// The live line of the step that runs (stderr), which text written meanwhile goes above.
    let status: StatusLine

    init(
        json: Bool, verbose: Bool, quiet: Bool = false, color: ColorChoice = .auto, environment: [String: String],
        stdoutIsTerminal: Bool = isatty(STDOUT_FILENO) == 1, stderrIsTerminal: Bool = isatty(STDERR_FILENO) == 1
    ) {
        self.json = json
        self.verbose = verbose && !quiet
        self.quiet = quiet
        self.useColor = Self.color(color, environment: environment, isTerminal: stdoutIsTerminal)
        self.errorColor = Self.color(color, environment: environment, isTerminal: stderrIsTerminal)
        // Redrawn in place only on a terminal, and not when nothing but errors or JSON is wanted.
        self.status = StatusLine.shared
        status.configure(live: stderrIsTerminal && !json && !quiet, color: errorColor, verbose: self.verbose, quiet: quiet || json)
    }

    /// Colour for one stream: --color always/never decide; for auto, FORCE_COLOR (set, not
    /// "0") forces it, then NO_COLOR (set, not empty, as no-color.org says) or TERM=dumb
    /// refuse it, then the stream must be a terminal. Set but empty counts as not set.
    static func color(_ choice: ColorChoice, environment: [String: String], isTerminal: Bool) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto:
            if let force = environment["FORCE_COLOR"], !force.isEmpty, force != "0", force != "false" { return true }
            if let no = environment["NO_COLOR"], !no.isEmpty { return false }
            return environment["TERM"] != "dumb" && isTerminal
        }
    }

    func line(_ text: String = "") {
        status.finish()
        print(text)
    }

    /// Sends what `line` wrote so far. stdout is fully buffered when it is a pipe or a file, so a
    /// command that then waits (a foreground launch, `logs --follow`) must flush, or a script
    /// reading it sees nothing until paddock exits, and a kill loses it.
    func flush() { fflush(nil) }  // nil: every output stream, stdout among them

    func error(_ message: String) {
        let prefix = errorColor ? "\u{1B}[1;31merror:\u{1B}[0m " : "error: "
        status.finish(failed: true)
        FileHandle.standardError.write(Data("paddock: \(prefix)\(message)\n".utf8))
    }

    /// A warning on stderr (above a live step's line); not with --quiet.
    func warning(_ message: String) {
        guard !quiet else { return }
        status.above("paddock: warning: \(message)")
    }

    /// A progress note on stderr (so stdout stays clean for scripts); silent with --json and
    /// --quiet.
    func progress(_ message: String) {
        guard !json, !quiet else { return }
        status.above("\(errorColor ? "\u{1B}[2m" : "")\(message)…\(errorColor ? "\u{1B}[0m" : "")")
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
