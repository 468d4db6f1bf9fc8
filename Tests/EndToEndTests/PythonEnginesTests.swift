import Foundation
import PaddockApps
import PaddockBasics
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The Blank Django Project on the two other Python engines (docs/engines.md, "Choosing an
/// engine"): uWSGI chosen at install (`--engine`), Apache + mod_wsgi chosen later (`config APP
/// engine=NAME`). Each: launched, GET / 200, the admin's CSS served, a change to the app and a
/// `restart` under a 20-second request loop with no refused connection and no 5xx, and the
/// port free after `stop`. Real uwsgi and apache2 from Debian (scripts/install-test-deps.sh).
@Suite("Python engines end to end", .serialized, .requires(.pypi), .offCooperativePool)
struct PythonEnginesTests {
    /// The lifecycle tests' sandbox, stopping the app "site" when it goes.
    static func sandbox() throws -> AppLifecycleTests.Sandbox {
        let sandbox = try AppLifecycleTests.Sandbox(label: "paddock-engines")
        sandbox.stopsOnExit = "site"
        return sandbox
    }
    typealias Sandbox = AppLifecycleTests.Sandbox

    static func get(_ port: Int, _ path: String) -> HTTPProbe.Answer? { HTTPProbe.get(port: port, path: path, host: "127.0.0.1", timeout: 10) }

    static func status(_ sandbox: Sandbox) throws -> [String: Any] {
        let result = try sandbox.paddock(["status", "site", "--json"])
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// Launched on `engine`: the home page, the admin login page and its CSS (whitenoise, from
    /// the engine's workers), and the engine the status names.
    static func expectServing(_ sandbox: Sandbox, port: Int, engine: String) throws {
        let launch = try sandbox.paddock(["launch", "site", "--detach", "--port", String(port), "--workers", "2"])
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let home = Self.get(port, "/")
        #expect(home?.status == 200)
        #expect(home?.body.contains("Your paddock Django app is running") == true)
        let login = try #require(Self.get(port, "/admin/login/"))
        #expect(login.status == 200)
        let css = try #require(login.body.range(of: #"/static/admin/css/base\.[0-9a-f]+\.css"#, options: .regularExpression).map { String(login.body[$0]) })
        let stylesheet = Self.get(port, css)
        #expect(stylesheet?.status == 200)
        #expect(stylesheet?.body.contains("body") == true)
        #expect(try Self.status(sandbox)["engine"] as? String == engine)
    }

    /// The home page's template changed, then `paddock restart`, all under a request loop of
    /// 20 seconds: no request refused, none answered 5xx, and the new page served before the
    /// loop ends.
    static func expectRestartUnderLoad(_ sandbox: Sandbox, port: Int) throws {
        let template = sandbox.root.appendingPathComponent("site/templates/home.html")
        let text = try String(contentsOf: template, encoding: .utf8)
        let loop = RequestLoop(port: port)
        let started = Date()
        loop.start()
        usleep(2_000_000)
        try Data(text.replacingOccurrences(of: "Your paddock Django app is running", with: "Changed while serving").utf8).write(to: template)
        let restart = try sandbox.paddock(["restart", "site"])
        #expect(restart.status == 0, "\(restart.stdout)\n\(restart.stderr)")
        var changed = false
        while Date().timeIntervalSince(started) < 20 {
            if !changed, Self.get(port, "/")?.body.contains("Changed while serving") == true { changed = true }
            usleep(200_000)
        }
        let counts = loop.stop()
        // The figure the lead's report quotes (swift test prints it).
        print("restart under a 20-s loop on port \(port): \(counts)")
        #expect(changed, "the changed page was served within the 20 seconds")
        #expect(counts.ok > 100, "the loop made requests: \(counts)")
        #expect(counts.failures == 0, "during the restart: \(counts)")
    }

    static func expectStopFreesPort(_ sandbox: Sandbox, port: Int) throws {
        let stop = try sandbox.paddock(["stop", "site"])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(!HTTPProbe.isListening(port: port), "the port is free after stop")
        #expect(try sandbox.paddock(["status", "site"]).status == 3)
    }

    @Test("Django on uWSGI (install --engine): served, admin CSS, change + restart under a 20-s loop by chain reload, stop; a Perl engine refused")
    func uwsgi() throws {
        let sandbox = try Self.sandbox()
        let port = 18551
        let install = try sandbox.paddock(["install", "blank-django", "--app", "site", "--engine", "python-uwsgi", "--yes"])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        // The engine's product is in the plan; the choice is the app's own setting.
        #expect(install.stdout.contains("uwsgi-python3"), "\(install.stdout)")
        let envFile = sandbox.root.appendingPathComponent("home/state/apps/site/env")
        #expect(EnvironmentFile.read(envFile)["PADDOCK_ENGINE"] == "python-uwsgi")
        try Self.expectServing(sandbox, port: port, engine: "python-uwsgi")
        let arguments = try String(contentsOfFile: "/proc/\(try #require(Self.status(sandbox)["enginePid"] as? Int))/cmdline", encoding: .utf8)
        #expect(arguments.hasPrefix("uwsgi") || arguments.contains("/uwsgi\0"), "\(arguments)")

        try Self.expectRestartUnderLoad(sandbox, port: port)
        let log = try String(contentsOf: sandbox.root.appendingPathComponent("home/state/apps/site/logs/app.log"), encoding: .utf8)
        #expect(log.contains("chain reloading complete"), "the restart was uWSGI's chain reload")

        // Only engines of the manifest's runtime (python3), named in the refusal.
        let perl = try sandbox.paddock(["config", "site", "engine=perl-starman"])
        #expect(perl.status == 64)
        #expect(perl.stderr.contains("it can run on python-gunicorn, python-mod-wsgi, python-uwsgi"), "\(perl.stderr)")
        try Self.expectStopFreesPort(sandbox, port: port)
    }

    @Test("Django on Apache + mod_wsgi (config engine=): served, admin CSS, change + restart under a 20-s loop, stop; never as root")
    func modWSGI() throws {
        let sandbox = try Self.sandbox()
        let port = 18651
        let install = try sandbox.paddock(["install", "blank-django", "--app", "site", "--yes"])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let choose = try sandbox.paddock(["config", "site", "engine=mod_wsgi"])
        #expect(choose.status == 0, "\(choose.stderr)")
        #expect(EnvironmentFile.read(sandbox.root.appendingPathComponent("home/state/apps/site/env"))["PADDOCK_ENGINE"] == "python-mod-wsgi")
        #expect(try sandbox.paddock(["config", "site"]).stdout.contains("site (engine python-mod-wsgi)"))
        if getuid() == 0 {
            // Apache will not serve as root (as root, the launch fails after its 60-s health
            // wait with Apache's own words: docs/engines.md): the app runs as nobody, its folder
            // and paddock's state handed to that user.
            // paddock, its shipped engines and its built-in feed lie in the checkout it was built
            // in, which that user may not reach (a clone under /root, mode 700, on a bare
            // Debian): copies of them, as a package would install them where all can read.
            let engines = sandbox.root.appendingPathComponent("engines")
            try FileManager.default.copyItem(at: TestPaths.repository.appendingPathComponent("Recipes/engines"), to: engines)
            sandbox.environment["PADDOCK_ENGINES"] = engines.path
            let feed = sandbox.root.appendingPathComponent("builtin-feed.xml")
            try FileManager.default.copyItem(at: TestPaths.builtinFeed, to: feed)
            sandbox.environment["PADDOCK_BUILTIN_FEED"] = feed.path
            let binary = sandbox.root.appendingPathComponent("paddock")
            try FileManager.default.copyItem(at: TestPaths.binary, to: binary)
            sandbox.binary = binary
            _ = try runProcess(URL(fileURLWithPath: "/bin/chown"), ["-R", "65534:65534", sandbox.root.path])
            sandbox.asUser = 65534
        }
        try Self.expectServing(sandbox, port: port, engine: "python-mod-wsgi")
        // Apache's own configuration, in the app's run folder; nothing of /etc/apache2.
        let run = sandbox.root.appendingPathComponent("home/state/apps/site/run")
        let configuration = try String(contentsOf: run.appendingPathComponent("apache.conf"), encoding: .utf8)
        #expect(configuration.contains("Listen 127.0.0.1:\(port)"))
        #expect(configuration.contains("python-home=\"\(sandbox.root.appendingPathComponent("site/.venv").path)\""))
        #expect(!configuration.contains("/etc/apache2"))
        let pid = try #require(Int32(try String(contentsOf: run.appendingPathComponent("apache.pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try Self.status(sandbox)["enginePid"] as? Int == Int(pid), "Apache is the supervisor's own child")

        try Self.expectRestartUnderLoad(sandbox, port: port)
        try Self.expectStopFreesPort(sandbox, port: port)
        #expect(!Spawn.isAlive(pid), "Apache is gone")
    }
}
