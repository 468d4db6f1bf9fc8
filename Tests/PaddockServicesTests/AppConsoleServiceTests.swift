import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockServices
import PaddockState
import Testing
import TestSupport

/// `paddock run`/`shell` and `paddock config` in process: an app recorded in a fresh state
/// database, its manifest naming the shipped python-gunicorn engine; nothing is started.
@Suite("Services in process: an app's console and settings")
struct AppConsoleServiceTests {
    static let secret = "a&b(c)'d\"e$f`g h*#!"

    /// Records the app 'toy' (source folder, state folder, env file) and returns its service.
    static func makeApp(_ sandbox: ServiceSandbox, environment extra: [String: String] = [:]) throws -> (AppService, AppLayout) {
        sandbox.extraEnvironment = extra
        let state = try sandbox.state()
        let layout = AppLayout(
            name: "toy", source: sandbox.root.appendingPathComponent("toy"), state: sandbox.home.appendingPathComponent("state/apps/toy"))
        try FileManager.default.createDirectory(at: layout.source, withIntermediateDirectories: true)
        try layout.createStateFolders()
        try Data(
            """
            <app xmlns="urn:paddock:app:1">
              <engine name="python-gunicorn"><setting name="wsgi_app" value="toy.wsgi:application"/></engine>
              <environment><variable name="DJANGO_SETTINGS_MODULE" value="toy.settings"/></environment>
            </app>
            """.utf8
        ).write(to: layout.manifest)
        try EnvironmentFile.write(["PADDOCK_SECRET_KEY": secret, "PADDOCK_DEBUG": "0", "PADDOCK_DB_PASSWORD": "pw"], to: layout.environmentFile)
        var record = AppRecord(name: "toy", template: "blank-toy", path: layout.source.path, stateDirectory: layout.state.path, parameters: [:])
        record.port = 8123
        try state.saveApp(record)
        return (try AppService(context: try sandbox.context(), state: state), layout)
    }

    @Test("run: the engine's environment exactly (its runtime first on PATH, settings, secrets, manifest variables), in the app's folder")
    func runEnvironment() throws {
        let sandbox = try ServiceSandbox()
        let (service, layout) = try Self.makeApp(sandbox, environment: ["TERM": "xterm", "DJANGO_SUPERUSER_PASSWORD": "caller's"])
        let console = try service.console("toy", command: ["python", "manage.py", "createsuperuser"])
        #expect(console.arguments == ["python", "manage.py", "createsuperuser"])
        #expect(console.directory == layout.source.path)
        #expect(console.environment["PATH"]?.hasPrefix(layout.source.appendingPathComponent(".venv/bin").path + ":") == true)
        #expect(console.environment["PADDOCK_SECRET_KEY"] == Self.secret)
        #expect(console.environment["DJANGO_SETTINGS_MODULE"] == "toy.settings")
        #expect(console.environment["TERM"] == "xterm")
        #expect(console.environment["DJANGO_SUPERUSER_PASSWORD"] == nil, "the caller's other variables are not passed")
        // The engine's own environment, bar TERM.
        let run = try service.engineRun(try service.load("toy"), port: 8123, workers: 1)
        #expect(console.environment.filter { $0.key != "TERM" } == run.environment)
    }

    @Test("shell: $SHELL, else /bin/sh; an unknown app is a usage error naming the apps")
    func shell() throws {
        let sandbox = try ServiceSandbox()
        let (service, _) = try Self.makeApp(sandbox)
        #expect(try service.console("toy", command: []).arguments == ["/bin/sh"])
        let shellSandbox = try ServiceSandbox()
        let (withShell, _) = try Self.makeApp(shellSandbox, environment: ["SHELL": "/bin/bash"])
        #expect(try withShell.console("toy", command: []).arguments == ["/bin/bash"])
        #expect(throws: ServiceError("no app named 'nope' (apps: toy)", .usage)) { try service.console("nope", command: ["env"]) }
    }

    @Test("config: secrets masked; set and unset under the lock, the file still private and valid shell; refusals change nothing")
    func config() throws {
        let sandbox = try ServiceSandbox()
        let (service, layout) = try Self.makeApp(sandbox)
        let listing = try service.config("toy")
        #expect(listing.engine == "python-gunicorn")
        #expect(
            listing.settings == [
                .init(name: "PADDOCK_DB_PASSWORD", value: AppService.masked, secret: true), .init(name: "PADDOCK_DEBUG", value: "0", secret: false),
                .init(name: "PADDOCK_SECRET_KEY", value: AppService.masked, secret: true),
            ])
        #expect(!listing.pendingRestart)

        let change = try service.changeConfig("toy", set: [("PADDOCK_DEBUG", "1"), ("EXTRA", "it's = fine; $(no)")], unset: ["PADDOCK_DB_PASSWORD"])
        #expect(change == AppService.ConfigChange(set: ["PADDOCK_DEBUG", "EXTRA"], unset: ["PADDOCK_DB_PASSWORD"], running: false))
        let expected = ["PADDOCK_DEBUG": "1", "EXTRA": "it's = fine; $(no)", "PADDOCK_SECRET_KEY": Self.secret]
        #expect(EnvironmentFile.read(layout.environmentFile) == expected)
        #expect((try FileManager.default.attributesOfItem(atPath: layout.environmentFile.path)[.posixPermissions] as? Int) == 0o600)
        #expect(try AppEnvironmentShell.load(layout.environmentFile) == expected)

        let refusals: [([(name: String, value: String)], [String])] = [
            ([("PADDOCK_DEBUG", "1\nPADDOCK_X=2")], []), ([("1BAD", "x")], []), ([("A-B", "x")], []), ([], ["MISSING"]),
            ([("EXTRA", "2")], ["EXTRA"]), ([("engine", "no-such-engine")], []),
        ]
        for (set, unset) in refusals {
            #expect(throws: ServiceError.self) { try service.changeConfig("toy", set: set, unset: unset) }
            #expect(EnvironmentFile.read(layout.environmentFile) == expected)
        }
        #expect(try service.changeConfig("toy", set: [("engine", "python-gunicorn")], unset: []).set.isEmpty)
    }

    @Test("config engine=: an engine of the manifest's runtime is kept as PADDOCK_ENGINE and runs the app; another runtime is refused naming those that fit")
    func engineChoice() throws {
        let sandbox = try ServiceSandbox()
        let (service, layout) = try Self.makeApp(sandbox)
        let change = try service.changeConfig("toy", set: [("engine", "uwsgi")], unset: [])
        #expect(change.set == ["engine"])
        // The alias is kept as the engine's own name; the listing shows it as the engine.
        #expect(EnvironmentFile.read(layout.environmentFile)["PADDOCK_ENGINE"] == "python-uwsgi")
        #expect(try service.config("toy").engine == "python-uwsgi")
        #expect(try !service.config("toy").settings.contains { $0.name == "PADDOCK_ENGINE" })
        let loaded = try service.load("toy")
        #expect(loaded.engine?.name == "python-uwsgi")
        let run = try service.engineRun(loaded, port: 8123, workers: 2)
        #expect(run.engineName == "python-uwsgi")
        #expect(run.reload == .touch(layout.run.appendingPathComponent("chain-reload").path), "the reload's path rendered")
        #expect(run.arguments.contains("toy.wsgi:application") && run.arguments.contains("127.0.0.1:8123"))

        let before = EnvironmentFile.read(layout.environmentFile)
        #expect(
            throws: ServiceError(
                "engine=perl-starman: 'perl-starman' runs perl apps and 'toy' is a python3 app; it can run on python-gunicorn, python-mod-wsgi, python-uwsgi",
                .usage)
        ) { try service.changeConfig("toy", set: [("engine", "perl-starman")], unset: []) }
        #expect(
            throws: ServiceError(
                "engine=nope: no such engine; 'toy' can run on python-gunicorn, python-mod-wsgi, python-uwsgi (runtime python3); see 'paddock engines'",
                .usage)
        ) { try service.changeConfig("toy", set: [("engine", "nope")], unset: []) }
        #expect(EnvironmentFile.read(layout.environmentFile) == before)

        // mod_wsgi: Apache's configuration and the WSGI script rendered into the run folder.
        _ = try service.changeConfig("toy", set: [("engine", "python-mod-wsgi")], unset: [])
        let apache = try service.engineRun(try service.load("toy"), port: 8124, workers: 3)
        #expect(apache.arguments == ["/usr/sbin/apache2", "-f", layout.run.appendingPathComponent("apache.conf").path, "-DFOREGROUND"])
        #expect(apache.stopSignal == "WINCH")
        let conf = try String(contentsOf: layout.run.appendingPathComponent("apache.conf"), encoding: .utf8)
        #expect(conf.contains("Listen 127.0.0.1:8124\n") && conf.contains("processes=3 ") && !conf.contains("{{"))
        #expect(try String(contentsOf: layout.run.appendingPathComponent("paddock.wsgi"), encoding: .utf8).contains("\"toy.wsgi:application\""))

        // Back to the manifest's own: nothing kept.
        #expect(try service.changeConfig("toy", set: [], unset: ["engine"]).set == ["engine"])
        #expect(EnvironmentFile.read(layout.environmentFile)["PADDOCK_ENGINE"] == nil)
        #expect(try service.load("toy").engine?.name == "python-gunicorn")
    }

    @Test("config listing: a URL's password is masked where it stands; other values as they are")
    func urlPasswordsMasked() {
        #expect(AppService.shown("DATABASE_URL", "postgres://shop:s3cr&t@127.0.0.1:5432/shop") == "postgres://shop:\(AppService.masked)@127.0.0.1:5432/shop")
        #expect(AppService.shown("DATABASE_URL", "sqlite:////srv/data/db.sqlite3") == "sqlite:////srv/data/db.sqlite3")
        #expect(AppService.shown("CACHE_URL", "memcached://127.0.0.1:11211") == "memcached://127.0.0.1:11211")
        #expect(AppService.shown("API_KEY", "abc") == AppService.masked)
    }
}

extension AppConsoleServiceTests {
    @Test("launch ports: the app's own port (its template's port parameter at first) is kept; taken by another app, an error naming it and --port")
    func ports() throws {
        let sandbox = try ServiceSandbox()
        let (service, _) = try Self.makeApp(sandbox)
        let busy = try LoopbackHTTPServer { _ in .init() }
        defer { busy.stop() }
        let state = try sandbox.state()
        var toy = try #require(try state.app(named: "toy"))
        // Its template's port parameter, before any launch.
        let free = try #require(HTTPProbe.freePort(in: 18_500...18_599))
        toy.port = nil
        toy.parameters = ["port": String(free)]
        try state.saveApp(toy)
        #expect(try service.choosePort(try service.load("toy"), requested: nil) == free)
        // Taken by another app: an error naming it, never another port silently.
        let other = AppRecord(
            name: "other", template: "blank-toy", path: sandbox.root.appendingPathComponent("other").path, stateDirectory: sandbox.root.appendingPathComponent("o").path,
            parameters: ["port": String(busy.port)])
        try state.saveApp(other)
        toy.port = busy.port
        try state.saveApp(toy)
        #expect(
            throws: ServiceError(
                "port \(busy.port), the port of 'toy', is in use by the app 'other'; launch 'toy' on another with 'paddock launch toy --port N'", .unavailable)
        ) { try service.choosePort(try service.load("toy"), requested: nil) }
        #expect(throws: ServiceError("port \(busy.port) on 127.0.0.1 is in use by the app 'other'; choose another with --port", .unavailable)) {
            try service.choosePort(try service.load("toy"), requested: busy.port)
        }
        #expect(try service.choosePort(try service.load("toy"), requested: free) == free)
    }
}

/// What sh makes of an environment file: `set -a; . FILE` in an empty environment, then `env -0`.
enum AppEnvironmentShell {
    static func load(_ file: URL) throws -> [String: String] {
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["-i", "/bin/sh", "-c", "set -a; . \"$1\"; unset PWD OLDPWD SHLVL _; env -0", "sh", file.path])
        var values: [String: String] = [:]
        for entry in result.stdout.split(separator: "\0") {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            values[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        return values
    }
}
