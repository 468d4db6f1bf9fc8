import Foundation
import PaddockBasics
import PaddockSystem
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The runner of install steps, on real processes.
@Suite("ProcessRunner") struct ProcessRunnerTests {
    @Test("argv is passed as is, never through a shell; a failure carries its status and output")
    func argv() throws {
        let echoed = try ProcessRunner().run(["printf", "%s|", "a b", "$HOME", ";rm -rf /"])
        #expect(echoed.output == "a b|$HOME|;rm -rf /|")
        let failure = #expect(throws: CommandFailure.self) {
            try ProcessRunner().run(["sh", "-c", "echo nope; exit 3"])
        }
        #expect(failure?.status == 3)
        #expect(failure?.output == "nope\n")
        #expect(throws: CommandFailure.self) { try ProcessRunner().run(["no-such-command-here"]) }
    }

    @Test("output is captured, logged, and handed over line by line as it arrives")
    func streamsLines() throws {
        let folder = try TestPaths.temporaryDirectory("paddock-runner")
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("step.log").path
        final class Lines: @unchecked Sendable { var seen: [(String, Date)] = [] }
        let lines = Lines()
        let started = Date()
        let result = try ProcessRunner().run(
            ["sh", "-c", "echo one; sleep 1; printf 'two\\nthree'"], environment: ["PATH": "/usr/bin:/bin"], log: log,
            onLine: { lines.seen.append((String($0), Date())) })
        #expect(result.output == "one\ntwo\nthree")
        #expect(lines.seen.map(\.0) == ["one", "two", "three"])
        // "one" arrived before the child slept, not when it ended.
        #expect(lines.seen[0].1.timeIntervalSince(started) < 0.9)
        // The log names the command first, so that it is never empty even for a silent program.
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        #expect(logged.hasPrefix("=== "))
        #expect(logged.hasSuffix(" $ sh -c echo one; sleep 1; printf 'two\\nthree'\none\ntwo\nthree"))
    }

    @Test("a carriage return ends a line; a runner's line sink hears every child, tracked ones too, by program name")
    func lineSink() throws {
        final class Lines: @unchecked Sendable {
            var seen: [String] = []
            let lock = NSLock()
        }
        let lines = Lines()
        let runner = ProcessRunner(lines: { program, line in
            lines.lock.lock()
            lines.seen.append("\(program): \(line)")
            lines.lock.unlock()
        })
        try runner.run(["sh", "-c", "printf 'a 10%%\\ra 50%%\\r\\na done\\n'"], environment: ["PATH": "/usr/bin:/bin"])
        try runner.tracked { _ in }.run(["/bin/echo", "tracked"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(lines.seen == ["sh: a 10%", "sh: a 50%", "sh: a done", "echo: tracked"])
    }

    @Test("past its deadline a child and what it started are ended, status 124, named in the output")
    func deadline() throws {
        final class Leader: @unchecked Sendable { var pid: pid_t = 0 }
        let leader = Leader()
        let runner = ProcessRunner(childStarted: { leader.pid = $0 })
        let started = Date()
        let error = #expect(throws: CommandFailure.self) {
            try runner.run(["sh", "-c", "sleep 30 & sleep 30"], environment: ["PATH": "/usr/bin:/bin"], deadline: 1)
        }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(error?.status == 124)
        #expect(error?.output.hasSuffix("'sh' was stopped after 1 seconds\n") == true)
        // The background sleep was in the child's group: it is gone too.
        usleep(200_000)
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
            .filter { ProcessGroup.group(of: $0) == leader.pid && Spawn.isAlive($0) }
        #expect(left.isEmpty, "\(left)")
    }

    @Test("the child runs in the folder given; paddock's own working folder does not move")
    func directory() throws {
        let before = FileManager.default.currentDirectoryPath
        let result = try ProcessRunner().run(["pwd"], environment: ["PATH": "/usr/bin:/bin"], directory: "/usr/share")
        #expect(result.output == "/usr/share\n")
        #expect(FileManager.default.currentDirectoryPath == before)
    }
}
