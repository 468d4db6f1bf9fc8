import FeedModel
import Foundation
import PaddockApps
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

@Suite("DeployHook")
struct DeployHookTests {
    final class App {
        let scratch: Scratch
        let layout: AppLayout
        init() throws {
            scratch = try Scratch("paddock-deploy")
            layout = AppLayout(name: "shop", source: scratch.url("shop"), state: scratch.url("state/apps/shop"))
            try FileManager.default.createDirectory(at: layout.source, withIntermediateDirectories: true)
        }
        var environment: [String: String] { ["PATH": layout.source.appendingPathComponent(".venv/bin").path + ":/usr/bin:/bin", "GREETING": "hello"] }
        var log: URL { layout.state.appendingPathComponent("logs/deploy.log") }
        func manifest(_ deploy: [String]) -> AppManifest {
            AppManifest(engineName: "gunicorn", engineArguments: [], deployArguments: deploy)
        }
        func run(_ deploy: [String], values: [String: String] = ["app_name": "shop"]) throws {
            try DeployHook.run(layout: layout, manifest: manifest(deploy), environment: environment, values: values)
        }
        func logText() throws -> String { try String(contentsOf: log, encoding: .utf8) }
    }

    @Test("no deploy hook: nothing runs, no log")
    func none() throws {
        let app = try App()
        try app.run([])
        #expect(!FileManager.default.fileExists(atPath: app.log.path))
    }

    @Test("runs in the app folder with the environment and the values filled in; output appended to the log")
    func success() throws {
        let app = try App()
        try app.run(["sh", "-c", "echo deploying {{app_name}} $GREETING; echo to-stderr >&2; pwd"])
        try app.run(["sh", "-c", "echo second run"])
        let text = try app.logText()
        #expect(text.contains(" deploy: sh -c echo deploying shop $GREETING; echo to-stderr >&2; pwd\n"))
        #expect(text.contains("deploying shop hello\n"))
        #expect(text.contains("to-stderr\n"))
        #expect(text.contains(app.layout.source.path + "\n"))
        #expect(text.contains("second run\n"), "a second run appends")
        #expect(text.components(separatedBy: "=== ").count == 3)
    }

    @Test("the venv's programs come first: `python` in the manifest is the app's own")
    func venvFirst() throws {
        let app = try App()
        try app.scratch.write("shop/.venv/bin/python", "#!/bin/sh\necho venv python \"$@\"\n", mode: 0o755)
        try app.run(["python", "manage.py", "migrate"])
        #expect(try app.logText().contains("venv python manage.py migrate\n"))
    }

    @Test("a failing hook: its status, the last 15 lines of its log, and where the log is")
    func failure() throws {
        let app = try App()
        let error = #expect(throws: DeployFailure.self) {
            try app.run(["sh", "-c", "for i in $(seq 1 20); do echo line $i; done; exit 3"])
        }
        let failure = try #require(error)
        #expect(failure.status == 3)
        #expect(failure.app == "shop")
        #expect(failure.logPath == app.log.path)
        #expect(failure.lastLines == (6...20).map { "line \($0)" })
        #expect(failure.description.hasPrefix("the deploy hook of 'shop' failed (exit status 3); last lines of \(app.log.path):\n    line 6\n    line 7\n"))
    }

    @Test("a hook that cannot be started: status 127 and why, in the log too")
    func cannotStart() throws {
        let app = try App()
        let error = #expect(throws: DeployFailure.self) { try app.run(["no-such-deploy-program"]) }
        #expect(error?.status == 127)
        #expect(error?.lastLines == ["cannot start 'no-such-deploy-program': not found on PATH"])
        #expect(try app.logText().contains("cannot start 'no-such-deploy-program': not found on PATH\n"))
    }

    @Test("one deploy at a time per app: a hook waits while the app's deploy lock is held")
    func waitsForLock() throws {
        let app = try App()
        try app.layout.createStateFolders()
        let holder = open(app.layout.deployLock.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(holder >= 0)
        try #require(flock(holder, LOCK_EX) == 0)
        let done = DispatchSemaphore(value: 0)
        let layout = app.layout
        let environment = app.environment
        let manifest = app.manifest(["sh", "-c", "echo ran"])
        Thread {
            try? DeployHook.run(layout: layout, manifest: manifest, environment: environment, values: [:])
            done.signal()
        }.start()
        #expect(done.wait(timeout: .now() + 1) == .timedOut, "the hook ran while the lock was held")
        #expect(!FileManager.default.fileExists(atPath: app.log.path))
        flock(holder, LOCK_UN)
        close(holder)
        #expect(done.wait(timeout: .now() + 20) == .success)
        #expect(try app.logText().contains("ran\n"))
    }

    @Test("two hooks of one app started together run one after the other")
    func serialized() throws {
        let app = try App()
        let marks = app.scratch.url("marks")
        let manifest = app.manifest(["sh", "-c", "echo start >> \(marks.path); sleep 0.3; echo end >> \(marks.path)"])
        let group = DispatchGroup()
        for _ in 0..<3 {
            let layout = app.layout, environment = app.environment
            group.enter()
            Thread {
                try? DeployHook.run(layout: layout, manifest: manifest, environment: environment, values: [:])
                group.leave()
            }.start()
        }
        #expect(group.wait(timeout: .now() + 30) == .success)
        #expect(try String(contentsOf: marks, encoding: .utf8) == String(repeating: "start\nend\n", count: 3))
    }

    @Test("tail: the last non-empty lines")
    func tail() throws {
        let scratch = try Scratch()
        let file = try scratch.write("log", "a\n\nb\nc\n\n")
        #expect(DeployHook.tail(file, lines: 2) == ["b", "c"])
        #expect(DeployHook.tail(file, lines: 10) == ["a", "b", "c"])
        #expect(DeployHook.tail(scratch.url("missing"), lines: 3) == [])
    }
}
