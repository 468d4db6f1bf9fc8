import Foundation
import Testing
import TestSupport

/// Progress that moves (issue 17): the built paddock installs a product whose step is a real
/// program that prints a line a second for five seconds, on a real pseudo-terminal (its
/// redraws counted and timed, the elapsed time read from each) and piped (plain lines only),
/// with -v, -q and the colour choices.
@Suite("Progress output, end to end", .serialized, .requires(.python3), .offCooperativePool)
struct ProgressOutputTests {
    static let recorder = TestPaths.repository.appendingPathComponent("Tests/EndToEndTests/pty_record.py")

    /// A sandbox whose only feed has `slow-step`: a command that prints `tick 0` to `tick 4`,
    /// one a second (the program is Python, its argv from the feed, no shell).
    final class Sandbox {
        let root: URL
        var environment: [String: String]
        init() throws {
            root = try TestPaths.temporaryDirectory("paddock-progress")
            environment = ["PADDOCK_HOME": root.appendingPathComponent("home").path, "PADDOCK_BUILTIN_FEED": "off"]
            let feed = root.appendingPathComponent("slow-feed.xml")
            let program = "import sys, time\nfor i in range(5):\n    print(f'tick {i}', flush=True)\n    time.sleep(1)\n"
            try Data(
                """
                <?xml version="1.0" encoding="utf-8"?>
                <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1"><title>slow</title>
                <entry><productId>slow-step</productId><version>1.0</version>
                  <installers><installer><id>1</id><pd:install kind="command" scope="user">
                    <pd:arg>/usr/bin/python3</pd:arg><pd:arg>-c</pd:arg><pd:arg>\(program)</pd:arg>
                  </pd:install></installer></installers></entry>
                </feed>
                """.utf8
            ).write(to: feed)
            let added = try paddock(["feed", "add", feed.path, "--name", "slow"])
            #expect(added.status == 0, "\(added.stderr)")
        }
        func paddock(_ arguments: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
            try runProcess(TestPaths.binary, arguments, environment: environment.merging(extra) { $1 }, directory: root)
        }
        deinit { try? FileManager.default.removeItem(at: root) }
    }

    /// One redraw of the live line: when the terminal got it and the elapsed time it shows.
    struct Redraw {
        var time: Double
        var elapsed: Double
        var text: String
    }

    /// The redraws of `label`'s line in a recording: each `\r ESC[K` followed by the label and
    /// an elapsed time (`4.2s`, `12s`).
    static func redraws(of label: String, in chunks: [(Double, String)]) -> [Redraw] {
        var found: [Redraw] = []
        for (time, text) in chunks {
            for piece in text.components(separatedBy: "\r\u{1B}[K").dropFirst() {
                guard piece.hasPrefix(label + "… ") else { continue }
                let rest = piece.dropFirst(label.count + 2)
                let number = rest.prefix { $0.isNumber || $0 == "." }
                guard rest.dropFirst(number.count).hasPrefix("s"), let elapsed = Double(number) else { continue }
                found.append(Redraw(time: time, elapsed: elapsed, text: String(piece)))
            }
        }
        return found
    }

    @Test("on a pseudo-terminal the step's line is redrawn at least once a second, its elapsed time rising, with the program's latest line")
    func onTerminal() throws {
        let sandbox = try Sandbox()
        let record = sandbox.root.appendingPathComponent("record.json")
        let result = try runProcess(
            URL(fileURLWithPath: "/usr/bin/python3"), [Self.recorder.path, record.path, "--", TestPaths.binary.path, "install", "slow-step", "--yes"],
            environment: sandbox.environment.merging(["NO_COLOR": "1", "TERM": "xterm"]) { $1 }, directory: sandbox.root)
        let recorded = try JSONSerialization.jsonObject(with: Data(contentsOf: record)) as? [String: Any] ?? [:]
        let chunks = ((recorded["chunks"] as? [[Any]]) ?? []).compactMap { pair -> (Double, String)? in
            guard pair.count == 2, let time = pair[0] as? Double, let text = pair[1] as? String else { return nil }
            return (time, text)
        }
        let transcript = chunks.map(\.1).joined()
        #expect(result.status == 0 && recorded["status"] as? Int == 0, "\(result.stderr)\n\(transcript)")

        let redraws = Self.redraws(of: "installing slow-step 1.0", in: chunks)
        // Five seconds of step, redrawn every half second: about ten; at least one a second.
        #expect(redraws.count >= 5, "\(redraws.count) redraws:\n\(transcript)")
        let gaps = zip(redraws.dropFirst(), redraws).map { $0.time - $1.time }
        #expect((gaps.max() ?? 99) <= 1.2, "gaps between redraws: \(gaps)")
        // The elapsed time never goes back, and reaches the step's length.
        #expect(zip(redraws.dropFirst(), redraws).allSatisfy { $0.elapsed >= $1.elapsed }, "\(redraws.map(\.elapsed))")
        #expect((redraws.last?.elapsed ?? 0) >= 3.5, "\(redraws.map(\.elapsed))")
        // The program's own lines show on the live line as they come (read live, not at its end).
        #expect(redraws.contains { $0.text.contains("tick 2") }, "\(transcript)")
        let firstTick = redraws.first { $0.text.contains("tick 0") }
        #expect(firstTick.map { $0.time < (redraws.last?.time ?? 0) - 2 } == true, "tick 0 shown while the step ran")
        // It ends as one line with the time taken.
        #expect(transcript.contains("installing slow-step 1.0… done in "), "\(transcript)")
    }

    @Test("piped: no carriage return, no escape code, only the step's line; -v adds every line; the install log has them all; -q prints nothing")
    func piped() throws {
        let sandbox = try Sandbox()
        let plain = try sandbox.paddock(["install", "slow-step", "--yes"], ["FORCE_COLOR": "", "NO_COLOR": ""])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stderr.contains("\r") && !plain.stderr.contains("\u{1B}"), "\(plain.stderr.debugDescription)")
        #expect(plain.stderr.contains("installing slow-step 1.0…\n"), "\(plain.stderr)")
        #expect(!plain.stderr.contains("tick"), "without -v the program's lines stay in the log")
        let logs = sandbox.root.appendingPathComponent("home/state/logs")
        let installLogs = try FileManager.default.contentsOfDirectory(atPath: logs.path).filter { $0.hasPrefix("install-") }
        #expect(installLogs.count == 1, "\(installLogs)")
        let logged = try installLogs.map { try String(contentsOf: logs.appendingPathComponent($0), encoding: .utf8) }.joined()
        #expect(logged.contains("$ /usr/bin/python3 -c") && logged.contains("tick 0\n") && logged.contains("tick 4\n"), "\(logged)")

        #expect(try sandbox.paddock(["uninstall", "slow-step", "--yes"]).status == 0)
        let verbose = try sandbox.paddock(["install", "slow-step", "--yes", "-v"])
        #expect(verbose.status == 0, "\(verbose.stderr)")
        #expect(!verbose.stderr.contains("\r") && !verbose.stderr.contains("\u{1B}"))
        for tick in 0..<5 { #expect(verbose.stderr.contains("  tick \(tick)\n"), "\(verbose.stderr)") }

        #expect(try sandbox.paddock(["uninstall", "slow-step", "--yes"]).status == 0)
        let quiet = try sandbox.paddock(["install", "slow-step", "--yes", "-q"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        // -q keeps the errors.
        let failed = try sandbox.paddock(["install", "no-such-product", "--yes", "-q"])
        #expect(failed.status != 0 && failed.stderr.contains("error:"), "\(failed.stderr)")
    }

    @Test("colour is decided per stream: piped, none by default; --color always, FORCE_COLOR force it; --color never and NO_COLOR refuse it")
    func colour() throws {
        let sandbox = try Sandbox()
        let cases: [(arguments: [String], environment: [String: String], coloured: Bool)] = [
            ([], ["FORCE_COLOR": "", "NO_COLOR": ""], false),
            (["--color", "always"], ["FORCE_COLOR": "", "NO_COLOR": "1"], true),
            ([], ["FORCE_COLOR": "1", "NO_COLOR": ""], true),
            (["--color", "never"], ["FORCE_COLOR": "1", "NO_COLOR": ""], false),
        ]
        for (arguments, environment, coloured) in cases {
            let failed = try sandbox.paddock(["install", "no-such-product", "--yes"] + arguments, environment)
            #expect(failed.status != 0)
            #expect(failed.stderr.contains("\u{1B}[1;31merror:") == coloured, "\(arguments) \(environment): \(failed.stderr.debugDescription)")
        }
        let bad = try sandbox.paddock(["list", "--color", "sometimes"])
        #expect(bad.status != 0 && bad.stderr.contains("sometimes"), "\(bad.stderr)")
    }
}
