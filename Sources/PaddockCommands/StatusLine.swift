import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The line of the step that runs now (an install, a deploy hook, a wait for the lock), on
/// stderr. On a terminal it is redrawn in place twice a second with the step's elapsed time
/// and the last line its program printed, so that a long step is seen to move; other text
/// (notes, warnings, -v's lines) is written above it. Piped, it is one plain line when the step
/// begins, never a carriage return or an escape code.
///
/// One per process (`shared`): the events, the errors and stdout's lines all pass through
/// it, so that nothing is written over a half-drawn line; an exit finishes it (atexit).
final class StatusLine: Sendable {
    static let shared = StatusLine()

    /// How often a live line is redrawn, whatever its program prints meanwhile.
    static let interval: TimeInterval = 0.5

    private struct State {
        var live = false
        var color = false
        var verbose = false
        var quiet = false
        /// The step that runs: what the line says, since when, its program's last line.
        var label: String?
        var started = Date()
        var latest = ""
        /// Whether the terminal shows a drawn line now (without its newline).
        var drawn = false
        var lastDraw = Date.distantPast
        var tickerStarted = false
    }

    private let state = Mutex(State())
    private let write: @Sendable (String) -> Void

    init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.write = write
        atexit { StatusLine.shared.finish() }
    }

    func configure(live: Bool, color: Bool, verbose: Bool, quiet: Bool) {
        state.withLock {
            $0.live = live
            $0.color = color
            $0.verbose = verbose
            $0.quiet = quiet
        }
    }

    /// A step begins (the one before, if any, is finished): `label` is what paddock has always
    /// printed for it ("installing django 5.2.19").
    func begin(_ label: String) {
        let startTicker = state.withLock { state -> Bool in
            if state.quiet { return false }
            finishLocked(&state, failed: false)
            state.label = label
            state.started = Date()
            state.latest = ""
            guard state.live else {
                write("\(label)…\n")
                return false
            }
            draw(&state)
            defer { state.tickerStarted = true }
            return !state.tickerStarted
        }
        if startTicker {
            let thread = Thread { [self] in
                while true {
                    Thread.sleep(forTimeInterval: Self.interval)
                    state.withLock { state in if state.label != nil && state.live { draw(&state) } }
                }
            }
            thread.stackSize = 1 << 16
            thread.start()
        }
    }

    /// A line the step's program printed: the live line's tail; with -v, written in full.
    func output(_ line: String) {
        let clean = Self.printable(line)
        guard !clean.isEmpty else { return }
        state.withLock { state in
            guard state.label != nil, !state.quiet else { return }
            state.latest = clean
            if state.verbose {
                clear(&state)
                write((state.color ? "\u{1B}[2m  \(clean)\u{1B}[0m" : "  \(clean)") + "\n")
                if state.live { draw(&state) }
            } else if state.live, Date().timeIntervalSince(state.lastDraw) >= 0.1 {
                draw(&state)
            }
        }
    }

    /// Writes `text` as a line of its own above the live line (which is drawn again after it).
    func above(_ text: String) {
        state.withLock { state in
            clear(&state)
            write(text + "\n")
            if state.live && state.label != nil { draw(&state) }
        }
    }

    /// The step ended: on a terminal its line stays, with the time it took (and "failed");
    /// piped, nothing more is written.
    func finish(failed: Bool = false) {
        state.withLock { finishLocked(&$0, failed: failed) }
    }

    private func finishLocked(_ state: inout State, failed: Bool) {
        guard let label = state.label else { return }
        state.label = nil
        guard state.live else { return }
        let took = Self.duration(Date().timeIntervalSince(state.started))
        write("\r\u{1B}[K" + paint("\(label)… \(failed ? "failed after" : "done in") \(took)", &state) + "\n")
        state.drawn = false
    }

    private func clear(_ state: inout State) {
        guard state.drawn else { return }
        write("\r\u{1B}[K")
        state.drawn = false
    }

    /// `installing django 5.2.19… 12s  Downloading django (7.9MiB)`, cut to the terminal's
    /// width (a wrapped line could not be redrawn with a carriage return).
    private func draw(_ state: inout State) {
        guard let label = state.label else { return }
        let head = "\(label)… \(Self.duration(Date().timeIntervalSince(state.started)))"
        let width = max(20, Self.columns() - 1)
        var text = head
        if !state.latest.isEmpty && head.count + 2 < width { text += "  " + state.latest }
        if text.count > width { text = String(text.prefix(width - 1)) + "…" }
        // The head dim; the program's line plain, cut to what is left.
        let painted = paint(String(text.prefix(head.count)), &state) + String(text.dropFirst(head.count))
        write("\r\u{1B}[K" + painted)
        state.drawn = true
        state.lastDraw = Date()
    }

    private func paint(_ text: String, _ state: inout State) -> String { state.color ? "\u{1B}[2m\(text)\u{1B}[0m" : text }

    /// `4s`, `1m05s`: whole seconds, as a person reads a clock.
    static func duration(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds)
        if whole < 60 { return seconds < 10 ? String(format: "%.1fs", seconds) : "\(whole)s" }
        return String(format: "%dm%02ds", whole / 60, whole % 60)
    }

    /// A child's line without its escape sequences and control characters (a program that
    /// colours its output, or writes a carriage return, would break the line drawn).
    static func printable(_ line: String) -> String {
        var result = ""
        var escape = false
        for scalar in line.unicodeScalars {
            if escape {
                // An escape sequence ends with a letter (CSI `ESC [ ... m`, and the short ones).
                if (scalar.value >= 0x40 && scalar.value <= 0x7E) && scalar != "[" { escape = false }
                continue
            }
            if scalar == "\u{1B}" {
                escape = true
                continue
            }
            if scalar == "\t" {
                result += " "
                continue
            }
            if scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value < 0xA0) { continue }
            result.unicodeScalars.append(scalar)
        }
        return result.trimmingCharacters(in: .whitespaces)
    }

    static func columns() -> Int {
        var size = winsize()
        let status = withUnsafeMutablePointer(to: &size) { ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), $0) }
        if status == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
