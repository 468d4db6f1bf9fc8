import Foundation
import PaddockApps
import PaddockBasics
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The main job, for real: the built paddock installs a blank project from the built-in feed
/// into a fresh PADDOCK_HOME, launches it detached under its supervisor, and it is requested
/// over HTTP on loopback.
@Suite("Apps end to end", .serialized, .requires(.pypi), .offCooperativePool)
struct AppLifecycleTests {
    /// A fresh PADDOCK_HOME with the built-in feed. `asUser` runs paddock as another user
    /// (setpriv), for Apache, which will not serve as root; `stopsOnExit` names an app stopped
    /// when the sandbox goes.
    final class Sandbox {
        let root: URL
        var environment: [String: String]
        var asUser: UInt32?
        /// The paddock run as `asUser` (a copy it can reach, when the build is out of its reach).
        var binary = TestPaths.binary
        var stopsOnExit: String?
        init(label: String = "paddock-app") throws {
            root = try TestPaths.temporaryDirectory(label)
            environment = [
                "PADDOCK_HOME": root.appendingPathComponent("home").path,
                "PADDOCK_BUILTIN_FEED": TestPaths.builtinFeed.path,
                "NO_COLOR": "1",
            ]
        }
        @discardableResult
        func paddock(_ arguments: [String]) throws -> ProcessResult {
            guard let user = asUser else { return try runProcess(TestPaths.binary, arguments, environment: environment, directory: root) }
            return try runProcess(
                URL(fileURLWithPath: "/usr/bin/setpriv"),
                ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", binary.path] + arguments, environment: environment, directory: root)
        }
        func stopAll(_ app: String) { _ = try? paddock(["stop", app]) }
        deinit {
            if let app = stopsOnExit { stopAll(app) }
            try? FileManager.default.removeItem(at: root)
        }
    }

    static func get(_ port: Int, _ path: String, host: String = "127.0.0.1") -> HTTPProbe.Answer? {
        HTTPProbe.get(port: port, path: path, host: host, timeout: 10)
    }

    /// Waits until GET / answers 200 (after a restart or a crash).
    static func waitFor200(_ port: Int, seconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if get(port, "/")?.status == 200 { return true }
            usleep(250_000)
        }
        return false
    }

    static func status(_ sandbox: Sandbox, _ app: String) throws -> [String: Any] {
        let result = try sandbox.paddock(["status", app, "--json"])
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    static func sqliteTables(_ database: URL) throws -> [String] {
        let result = try runProcess(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [
                "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print('\\n'.join(r[0] for r in c.execute(\"select name from sqlite_master where type='table' order by name\")))",
                database.path,
            ])
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test("Blank Django Project with SQLite: install, launch, admin CSS, migrations, restart without refusals, crash recovery, stop")
    func django() throws {
        let sandbox = try Sandbox()
        let port = 18431
        defer { sandbox.stopAll("mysite") }
        let install = try sandbox.paddock(["install", "blank-django", "--app", "mysite", "--yes"])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        #expect(install.stdout.contains("created app 'mysite'"))
        let appFolder = sandbox.root.appendingPathComponent("mysite")
        #expect(FileManager.default.fileExists(atPath: appFolder.appendingPathComponent(".venv/bin/gunicorn").path))
        // The secret key lives outside the source tree, in a private file.
        let stateFolder = sandbox.root.appendingPathComponent("home/state/apps/mysite")
        let envFile = stateFolder.appendingPathComponent("env")
        let secret = try #require(EnvironmentFile.read(envFile)["SECRET_KEY"])
        #expect(secret.count >= 50)
        #expect(!(try String(contentsOf: envFile, encoding: .utf8)).contains("PADDOCK_SECRET_KEY"), "each setting once, under the name hosts use")
        #expect((try FileManager.default.attributesOfItem(atPath: envFile.path)[.posixPermissions] as? Int) == 0o600)
        let grep = try runProcess(URL(fileURLWithPath: "/bin/grep"), ["-rlF", "--", secret, appFolder.path, "--exclude-dir=.venv"])
        #expect(grep.stdout.isEmpty, "the key must not be in the source tree")
        // Migrations were applied by the deploy hook at install.
        let database = stateFolder.appendingPathComponent("data/db.sqlite3")
        #expect(try Self.sqliteTables(database).contains("django_migrations"))
        #expect(try Self.sqliteTables(database).contains("auth_user"))

        let launch = try sandbox.paddock(["launch", "mysite", "--detach", "--port", String(port), "--workers", "2"])
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("http://127.0.0.1:\(port)/"))
        let home = Self.get(port, "/")
        #expect(home?.status == 200)
        #expect(home?.body.contains("Your paddock Django app is running") == true)
        // The admin login page renders, with its CSS served (whitenoise), DEBUG off.
        let login = try #require(Self.get(port, "/admin/login/"))
        #expect(login.status == 200)
        let cssPath = try #require(login.body.range(of: #"/static/admin/css/base\.[0-9a-f]+\.css"#, options: .regularExpression).map { String(login.body[$0]) })
        #expect(Self.get(port, cssPath)?.status == 200)
        #expect(Self.get(port, "/", host: "evil.example")?.status == 400, "ALLOWED_HOSTS is enforced")

        // A new model and its migration; restart runs the deploy hook, and requests made all
        // through the restart see no refused connection and no 5xx.
        try AdoptTests.addNotesApp(to: appFolder, project: "mysite", touchRestartFile: false, withView: false)

        let failures = RequestLoop(port: port)
        failures.start()
        let restart = try sandbox.paddock(["restart", "mysite"])
        usleep(1_500_000)
        let counts = failures.stop()
        #expect(restart.status == 0, "\(restart.stdout)\n\(restart.stderr)")
        #expect(try Self.sqliteTables(database).contains("notes_note"))
        #expect(counts.ok > 10, "the loop made requests: \(counts)")
        #expect(counts.failures == 0, "during the restart: \(counts); restart said: \(restart.stdout) \(restart.stderr)")

        // A worker killed: the site still answers. The master killed: the supervisor restarts it.
        let before = try Self.status(sandbox, "mysite")
        let engine = try #require(before["enginePid"] as? Int)
        let workers = try runProcess(URL(fileURLWithPath: "/usr/bin/pgrep"), ["-P", String(engine)]).stdout.split(separator: "\n").compactMap { Int32($0) }
        #expect(!workers.isEmpty)
        kill(workers[0], SIGKILL)
        #expect(Self.waitFor200(port, seconds: 10))
        kill(Int32(engine), SIGKILL)
        #expect(Self.waitFor200(port, seconds: 30))
        // The first answer can still come from a worker of the killed master (SIGKILL to the
        // master does not end its workers at once): wait for the supervisor to record the new one.
        var after = try Self.status(sandbox, "mysite")
        let restartDeadline = Date().addingTimeInterval(30)
        while after["enginePid"] as? Int == engine && Date() < restartDeadline {
            usleep(200_000)
            after = try Self.status(sandbox, "mysite")
        }
        #expect(after["enginePid"] as? Int != engine)
        #expect((after["restarts"] as? Int ?? 0) >= 1)

        let stop = try sandbox.paddock(["stop", "mysite"])
        #expect(stop.status == 0)
        #expect(!HTTPProbe.isListening(port: port), "the port is free after stop")
        #expect(try sandbox.paddock(["status", "mysite"]).status == 3)
    }

    @Test("Blank Flask Project: install, launch, page, stop; a driver added to the existing app")
    func flask() throws {
        let sandbox = try Sandbox()
        let port = 18432
        defer { sandbox.stopAll("api") }
        let install = try sandbox.paddock(["install", "blank-flask", "--app", "api", "--yes"])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let launch = try sandbox.paddock(["launch", "api", "--detach", "--port", String(port), "--workers", "2"])
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let page = Self.get(port, "/")
        #expect(page?.status == 200)
        #expect(page?.body.contains("Your paddock Flask app is running") == true)
        let apps = try sandbox.paddock(["apps", "--json"])
        #expect(apps.stdout.contains("\"running\" : true"))
        // A client's User-Agent lands in the log with its escapes: logs shows them, never obeys them.
        let log = sandbox.root.appendingPathComponent("home/state/apps/api/logs/app.log")
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        handle.write(Data("agent \u{1b}]0;owned\u{07}\u{1b}[2J \u{9b}31m done\n".utf8))
        try handle.close()
        let logs = try sandbox.paddock(["logs", "api", "-n", "1"])
        #expect(logs.stdout == "agent \\u{1b}]0;owned\\u{7}\\u{1b}[2J \\u{9b}31m done\n", "\(logs.stdout)")
        #expect(try sandbox.paddock(["stop", "api"]).status == 0)
        #expect(!HTTPProbe.isListening(port: port))

        // In the foreground, with stdout a pipe (a script, tee): the URL arrives while it runs,
        // not when it exits; `logs --follow` through a pipe shows the last lines at once.
        let foreground = try StreamingProcess(
            TestPaths.binary, ["launch", "api", "--port", String(port), "--workers", "1"], environment: sandbox.environment,
            directory: sandbox.root)
        #expect(foreground.waitForOutput(containing: "Press Ctrl-C to stop.", seconds: 60), "\(foreground.received)")
        #expect(foreground.received.contains("api is running at http://127.0.0.1:\(port)/"))
        #expect(Self.get(port, "/")?.status == 200)
        let follow = try StreamingProcess(TestPaths.binary, ["logs", "api", "--follow"], environment: sandbox.environment)
        #expect(follow.waitForOutput(containing: "Booting worker", seconds: 10), "\(follow.received)")
        follow.stop()
        #expect(foreground.stop(SIGINT) == 0)
        #expect(!HTTPProbe.isListening(port: port))

        // A product added to the existing app goes into its own environment, recorded with it.
        let added = try sandbox.paddock(["install", "pymysql", "--app", "api", "--yes"])
        #expect(added.status == 0, "\(added.stderr)")
        let pip = try runProcess(sandbox.root.appendingPathComponent("api/.venv/bin/python"), ["-c", "import importlib.metadata, pymysql; print(importlib.metadata.version('PyMySQL'))"])
        #expect(pip.stdout.hasPrefix("1.2.4"), "\(pip.stderr)")
        #expect(try sandbox.paddock(["list", "--installed"]).stdout.contains("pymysql 1.2.4 (app api)"))
        let noApp = try sandbox.paddock(["install", "pymysql", "--app", "nosuch", "--yes"])
        #expect(noApp.status == 64)
        #expect(noApp.stderr.contains("there is no app 'nosuch' yet"))
        // The app's own template again under its name: the name is taken (not "nothing to do").
        let again = try sandbox.paddock(["install", "blank-flask", "--app", "api", "--yes"])
        #expect(again.status == 64)
        #expect(again.stderr.contains("an app named 'api' already exists"), "\(again.stderr)")
        let taken = try sandbox.paddock(["install", "blank-django", "--app", "api", "--yes"])
        #expect(taken.status == 64)
        #expect(taken.stderr.contains("an app named 'api' already exists"))
    }

    @Test("kill -9 of the CLI after launch --detach leaves the app serving; a killed supervisor: status tells the truth, launch takes over, stop frees the port")
    func killedCLIAndSupervisor() throws {
        let sandbox = try Sandbox()
        let port = 18433
        defer { sandbox.stopAll("svc") }
        let install = try sandbox.paddock(["install", "blank-flask", "--app", "svc", "--yes"])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        // The CLI is killed as soon as the supervisor it started has written its pid.
        let cli = Process()
        cli.executableURL = TestPaths.binary
        cli.arguments = ["launch", "svc", "--detach", "--port", String(port), "--workers", "2"]
        cli.environment = ProcessInfo.processInfo.environment.merging(sandbox.environment) { $1 }
        cli.currentDirectoryURL = sandbox.root
        cli.standardOutput = FileHandle.nullDevice
        cli.standardError = FileHandle.nullDevice
        try cli.run()
        let pidFile = sandbox.root.appendingPathComponent("home/state/apps/svc/run/supervisor.pid")
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: pidFile.path) && Date() < deadline { usleep(10_000) }
        kill(cli.processIdentifier, SIGKILL)
        cli.waitUntilExit()
        #expect(Self.waitFor200(port), "the app stopped with the CLI that launched it")
        let supervisor = try #require(pid_t(try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let engine = try #require(Self.status(sandbox, "svc")["enginePid"] as? Int)

        // The supervisor dies; its engine goes on serving, and status says so (exit 0, unsupervised).
        kill(supervisor, SIGKILL)
        usleep(300_000)
        #expect(Self.get(port, "/")?.status == 200)
        let status = try sandbox.paddock(["status", "svc"])
        #expect(status.status == 0, "\(status.stdout)")
        #expect(status.stdout.hasPrefix("svc: running without its supervisor at http://127.0.0.1:\(port)/ (engine \(engine);"), "\(status.stdout)")
        let json = try Self.status(sandbox, "svc")
        #expect(json["running"] as? Bool == true)
        #expect(json["supervised"] as? Bool == false)

        // launch replaces it with a supervised engine on the same port; stop then frees the port.
        let relaunch = try sandbox.paddock(["launch", "svc", "--detach", "--workers", "2"])
        #expect(relaunch.status == 0, "\(relaunch.stderr)")
        #expect(relaunch.stderr.contains("replacing the engine of 'svc' that a dead supervisor left running (pid \(engine))"), "\(relaunch.stderr)")
        #expect(!Spawn.isAlive(pid_t(engine)))
        let after = try Self.status(sandbox, "svc")
        #expect(after["supervised"] as? Bool == true)
        #expect(after["port"] as? Int == port)
        #expect(Self.get(port, "/")?.status == 200)
        // A killed supervisor again, then stop: the orphan is stopped too.
        if let pid = after["supervisorPid"] as? Int { kill(pid_t(pid), SIGKILL) }
        usleep(300_000)
        #expect(try sandbox.paddock(["stop", "svc"]).status == 0)
        #expect(!HTTPProbe.isListening(port: port))
        let stopped = try sandbox.paddock(["status", "svc"])
        #expect(stopped.status == 3)
    }

    @Test("a deploy hook that fails stops the launch, shows the log, and the running instance keeps serving")
    func failingDeploy() throws {
        let sandbox = try Sandbox()
        let port = 18434
        defer { sandbox.stopAll("broken") }
        #expect(try sandbox.paddock(["install", "blank-flask", "--app", "broken", "--yes"]).status == 0)
        #expect(try sandbox.paddock(["launch", "broken", "--detach", "--port", String(port)]).status == 0)
        // Break the deploy hook, then ask for a restart.
        let hook = sandbox.root.appendingPathComponent("broken/deploy.py")
        try Data("import sys\nprint('migration exploded', file=sys.stderr)\nsys.exit(3)\n".utf8).write(to: hook)
        let restart = try sandbox.paddock(["restart", "broken"])
        #expect(restart.status == 1)
        #expect(restart.stderr.contains("the deploy hook of 'broken' failed (exit status 3)"))
        #expect(restart.stderr.contains("migration exploded"))
        #expect(restart.stderr.contains("logs/deploy.log"))
        #expect(Self.get(port, "/")?.status == 200, "the old version keeps serving")
    }

    @Test("parameters: a bad value is refused with the rule, and nothing is left behind")
    func badParameter() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.paddock(["install", "blank-django", "--app", "shop", "--param", "database=oracle", "--yes"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--param database=oracle: expected one of: sqlite, postgresql, mysql"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("shop").path))
        #expect(try sandbox.paddock(["apps", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]")
    }
}
