import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Template parameters as a person meets them: `paddock install` run on a real pseudo-terminal
/// (Tests/EndToEndTests/pty_driver.py, an expect-like driver that waits for each prompt before
/// typing and kills the program when a prompt does not come), and without a terminal.
@Suite("Install on a terminal, end to end", .serialized, .offCooperativePool)
struct TerminalInstallTests {
    typealias Sandbox = AppLifecycleTests.Sandbox

    static let driver = TestPaths.repository.appendingPathComponent("Tests/EndToEndTests/pty_driver.py")

    enum Step: Encodable {
        case expect(String, timeout: Double = 60)
        case send(String)
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            switch self {
            case .expect(let text, let timeout):
                try container.encode(text, forKey: .expect)
                try container.encode(timeout, forKey: .timeout)
            case .send(let text): try container.encode(text, forKey: .send)
            }
        }
        enum Key: String, CodingKey { case expect, send, timeout }
    }

    struct Session {
        var status: Int32
        /// What the terminal showed, input echo included, "\r\n" as "\n".
        var transcript: String
        var driverErrors: String
    }

    /// Runs `paddock ARGUMENTS` on a pseudo-terminal in the sandbox, typing as `steps` say.
    static func onTerminal(_ sandbox: Sandbox, _ arguments: [String], _ steps: [Step]) throws -> Session {
        let script = sandbox.root.appendingPathComponent("script.json")
        let transcript = sandbox.root.appendingPathComponent("transcript.txt")
        try JSONEncoder().encode(steps).write(to: script)
        var environment = sandbox.environment
        environment["PTY_DRIVER_TIMEOUT"] = "600"
        let result = try runProcess(
            URL(fileURLWithPath: "/usr/bin/python3"), [driver.path, script.path, transcript.path, "--", TestPaths.binary.path] + arguments,
            environment: environment, directory: sandbox.root)
        let text = (try? String(contentsOf: transcript, encoding: .utf8)) ?? ""
        return Session(status: result.status, transcript: text, driverErrors: result.stderr)
    }

    static func occurrences(of text: String, in transcript: String) -> Int { transcript.components(separatedBy: text).count - 1 }

    @Test(
        "asked on a terminal: every parameter first (a stdlib name and a bad package name refused in words, a default taken with Enter, a bad port then a good one), then the plan and Proceed",
        .requires(.pypi))
    func interactive() throws {
        let sandbox = try Sandbox()
        let appPrompt = "Application package name [ttyapp]: "
        // The default is the first port no other app holds and nothing listens on: 8000 unless
        // this machine serves something there.
        let portPrompt = "HTTP port ["
        let session = try Self.onTerminal(
            sandbox, ["install", "blank-flask", "--app", "ttyapp"],
            [
                .expect(appPrompt, timeout: 300), .send("site\r"),
                .expect("  'site' is the name of a module of Python's own library, which the project's package would hide; choose another name; try again\n"),
                .expect(appPrompt), .send("Bad-Name\r"),
                .expect("  'Bad-Name' is not valid: expected a lowercase Python identifier: a letter or '_' first, then letters, digits or '_' (at most 40); try again\n"),
                .expect(appPrompt), .send("\r"),
                .expect(portPrompt), .send("80\r"),
                .expect("  '80' is not valid: expected a port number from 1024 to 65535; try again\n"),
                .expect(portPrompt), .send("18437\r"),
                .expect("Proceed? [Y/n] ", timeout: 120), .send("y\r"),
                .expect("created app 'ttyapp'", timeout: 400),
            ])
        #expect(session.status == 0, "\(session.driverErrors)\n\(session.transcript)")
        // Each question shows its description once, the default in brackets, and is asked
        // again (without the description) after a refusal.
        #expect(Self.occurrences(of: "The name of the Flask application's Python package", in: session.transcript) == 1)
        #expect(Self.occurrences(of: appPrompt, in: session.transcript) == 3)
        #expect(Self.occurrences(of: portPrompt, in: session.transcript) == 2)
        #expect(Self.occurrences(of: "; try again", in: session.transcript) == 3)
        #expect(!session.transcript.contains("does not match"), "a refusal says what is expected, not the pattern")
        // The questions come before the plan, the one Proceed and the packages' downloads.
        let lastAnswer = session.transcript.range(of: "18437\n")?.upperBound
        let proceed = session.transcript.range(of: "Proceed? [Y/n] ")?.lowerBound
        let plannedFlask = session.transcript.range(of: "flask", options: [], range: lastAnswer.map { $0..<session.transcript.endIndex })
        #expect(lastAnswer != nil && proceed != nil && lastAnswer! < proceed!, "\(session.transcript)")
        #expect(plannedFlask != nil && proceed != nil && plannedFlask!.lowerBound < proceed!, "the plan is shown after the answers, before Proceed")
        #expect(Self.occurrences(of: "Proceed?", in: session.transcript) == 1)
        #expect(session.transcript.contains(appPrompt + "Bad-Name\n"), "the typed answer is echoed by the terminal")
        // Enter took the default (the app's name) for the package; the port typed went into the README.
        let app = sandbox.root.appendingPathComponent("ttyapp")
        #expect(FileManager.default.fileExists(atPath: app.appendingPathComponent("ttyapp/__init__.py").path))
        let readme = try String(contentsOf: app.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("(port 18437 unless told otherwise)"))
        #expect(readme.contains("flask --app ttyapp run --port 18437"))
        #expect(!readme.contains("{{"))
        let list = try sandbox.paddock(["list", "--installed"])
        #expect(list.stdout.contains("blank-flask"), "\(list.stdout)\n\(list.stderr)")
    }

    @Test(
        "on a terminal, the input closed at a prompt (Ctrl-D) is an error naming --param, and nothing is installed",
        .requires(.pypi))
    func inputClosedAtPrompt() throws {
        let sandbox = try Sandbox()
        let session = try Self.onTerminal(
            sandbox, ["install", "blank-flask", "--app", "eofapp"],
            [.expect("Application package name [eofapp]: ", timeout: 300), .send("\u{04}")])
        #expect(session.status == 64, "\(session.driverErrors)\n\(session.transcript)")
        #expect(session.transcript.contains("paddock: error: blank-flask: no answer for 'app_name' (input closed); pass --param app_name=VALUE"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("eofapp").path))
        #expect(!(try sandbox.paddock(["list", "--installed"])).stdout.contains("blank-flask"))
    }

    @Test("without a terminal and without --yes: an error at once, not a wait on input that never comes")
    func noTerminal() throws {
        let sandbox = try Sandbox()
        // stdin is a pipe that stays open: reading it would block until the deadline.
        let result = try Self.runWithDeadline(
            TestPaths.binary, ["install", "blank-flask", "--app", "x"], environment: sandbox.environment, directory: sandbox.root, seconds: 60)
        #expect(!result.timedOut, "paddock waited on its input instead of stopping")
        #expect(result.status == 64)
        #expect(result.stderr.contains("error: not asking without a terminal: pass --yes to install, or --dry-run to only see the plan"))
        #expect(!result.stderr.contains("Proceed?"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("x").path))
    }

    struct BoundedResult {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// Runs a program whose stdin is an open pipe nobody writes to; killed after `seconds`.
    static func runWithDeadline(
        _ executable: URL, _ arguments: [String], environment: [String: String], directory: URL, seconds: Double
    ) throws -> BoundedResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = directory
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let readers = DispatchGroup()
        for (pipe, index) in [(out, 0), (err, 1)] {
            readers.enter()
            Thread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                if index == 0 { outData = data } else { errData = data }
                readers.leave()
            }.start()
        }
        let timedOut = ended.wait(timeout: .now() + seconds) == .timedOut
        if timedOut {
            kill(process.processIdentifier, SIGKILL)
            ended.wait()
        }
        try? input.fileHandleForWriting.close()
        _ = readers.wait(timeout: .now() + 10)
        return BoundedResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
            timedOut: timedOut)
    }
}
