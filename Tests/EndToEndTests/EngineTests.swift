import Foundation
import PaddockApps
import PaddockBasics
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Engines as data, end to end: the built paddock installs a small app template from a local
/// feed, its manifest naming an engine that the test defines in the admin's engine folder, and
/// launches it. No PyPI: the engines are Python 3's standard library.
@Suite("Engines end to end", .serialized, .requires(.python3))
struct EngineTests {
    /// A pre-fork server in the standard library: the master binds the socket and keeps two
    /// workers accepting on it (respawning one that exits); a worker stops after its request on
    /// SIGTERM; HUP to the master replaces every worker (the listening socket stays open, so
    /// connections wait in its backlog); GET /grow?mb=N makes the serving worker keep N MB.
    static let prefork = #"""
        import os, select, signal, socket, sys, time
        bind, count = sys.argv[1], int(sys.argv[2])
        if bind.startswith("unix:"):
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(bind[5:])
        else:
            host, port = bind.rsplit(":", 1)
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if os.environ.get("TOY_REUSEPORT"):
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            listener.bind((host, int(port)))
        listener.listen(256)
        listener.setblocking(False)
        hoard = []

        def handle(conn):
            conn.setblocking(True)
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            target = data.split(b"\r\n", 1)[0].split(b" ")
            path = target[1].decode() if len(target) > 1 else "/"
            if path.startswith("/grow"):
                hoard.append(b"x" * (int(path.split("=")[1]) * 1048576))
            body = ("pid %d hoard %d\n" % (os.getpid(), len(hoard))).encode()
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            conn.close()

        def worker():
            stopping = []
            signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            while not stopping:
                try:
                    ready = select.select([listener], [], [], 0.2)[0]
                    if ready:
                        conn, _ = listener.accept()
                        handle(conn)
                except (BlockingIOError, InterruptedError):
                    pass
            os._exit(0)

        children = set()
        def spawn():
            pid = os.fork()
            if pid == 0:
                worker()
            children.add(pid)

        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
        signal.signal(signal.SIGHUP, lambda *_: [os.kill(c, signal.SIGTERM) for c in list(children)])
        for _ in range(count):
            spawn()
        print("prefork master %d listening on %s with workers %s" % (os.getpid(), bind, sorted(children)), flush=True)
        while not stopping:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid = 0
            if pid:
                children.discard(pid)
                print("worker %d exited; starting another" % pid, flush=True)
                spawn()
            else:
                time.sleep(0.05)
        for c in children:
            os.kill(c, signal.SIGTERM)
        for c in children:
            os.waitpid(c, 0)
        """#

    final class Sandbox {
        let root: URL
        var environment: [String: String]

        init() throws {
            root = try TestPaths.temporaryDirectory("paddock-engines")
            environment = [
                "PADDOCK_HOME": root.appendingPathComponent("home").path, "PADDOCK_BUILTIN_FEED": "off", "NO_COLOR": "1",
                "no_proxy": "127.0.0.1,localhost",
            ]
        }
        deinit { try? FileManager.default.removeItem(at: root) }

        var home: URL { root.appendingPathComponent("home") }

        @discardableResult
        func paddock(_ arguments: [String]) throws -> ProcessResult {
            try runProcess(TestPaths.binary, arguments, environment: environment, directory: root)
        }

        /// An engine in the admin's folder ($PADDOCK_HOME/config/engines), as an admin writes one.
        func writeEngine(_ name: String, _ xml: String) throws {
            let folder = home.appendingPathComponent("config/engines")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(xml.utf8).write(to: folder.appendingPathComponent("\(name).xml"))
        }

        /// A template `id` whose manifest names `engine`, with `files` beside it, in a local
        /// feed; installed as the app `app`.
        func installApp(_ app: String, template id: String, engine: String, files: [String: String] = [:]) throws {
            let source = root.appendingPathComponent("src/\(id)")
            var all = files
            all["Parameters.xml"] = """
                <parameters>
                  <parameter name="app_name" defaultValue="\(app)">
                    <parameterValidation kind="RegularExpression" validationString="^[a-z_][a-z0-9_]{0,39}$"/>
                  </parameter>
                </parameters>
                """
            all["paddock-app.xml"] = """
                <?xml version="1.0" encoding="utf-8"?>
                <app xmlns="urn:paddock:app:1">
                  <engine name="\(engine)"/>
                  <health path="/"/>
                </app>
                """
            for (name, content) in all {
                let file = source.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(content.utf8).write(to: file)
            }
            let archive = root.appendingPathComponent("\(id).tar.gz")
            #expect(try runProcess(URL(fileURLWithPath: "/bin/tar"), ["czf", archive.path, "-C", source.deletingLastPathComponent().path, id]).status == 0)
            let sha256 = String(try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"), [archive.path]).stdout.prefix(64))
            let feed = root.appendingPathComponent("\(id)-feed.xml")
            try Data(
                """
                <?xml version="1.0" encoding="utf-8"?>
                <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1">
                <title>\(id)</title>
                <entry type="application"><productId>\(id)</productId><title>\(id)</title><version>1.0.0</version>
                <installers><installer><id>1</id><installerFile><installerURL>\(archive.path)</installerURL><pd:sha256>\(sha256)</pd:sha256></installerFile>
                <pd:install kind="archive" scope="app" strip="1"/></installer></installers></entry>
                </feed>
                """.utf8
            ).write(to: feed)
            let added = try paddock(["feed", "add", feed.path, "--name", id])
            #expect(added.status == 0, "\(added.stderr)")
            let install = try paddock(["install", id, "--app", app, "--yes"])
            try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        }

        func supervisorLog(_ app: String) -> String {
            (try? String(contentsOf: home.appendingPathComponent("state/apps/\(app)/logs/supervisor.log"), encoding: .utf8)) ?? ""
        }

        func status(_ app: String) throws -> [String: Any] {
            let result = try paddock(["status", app, "--json"])
            return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        }
    }

    static func preforkEngine(
        name: String, ports: ClosedRange<Int>, memoryLimitMB: Int? = nil, watchMask: String = "", unix: Bool = false,
        reload: String = "<reload strategy=\"signal\" signal=\"HUP\"/>", environment: String = ""
    ) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <engine xmlns="urn:paddock:engine:1" name="\(name)" runtime="python3" gracefulTimeout="10">
          <program>python3</program>
          <arg>{{app_root}}/prefork.py</arg>
          <arg>{{bind}}</arg>
          <arg>{{workers}}</arg>
          <environment><variable name="PYTHONUNBUFFERED" value="1"/>\(environment)</environment>
          \(unix ? "<transport kind=\"unix\"/>" : "<transport kind=\"tcp\" portLower=\"\(ports.lowerBound)\" portUpper=\"\(ports.upperBound)\"/>")
          \(reload)
          <workers formula="2"/>
          <limits \(memoryLimitMB.map { "memoryLimitMB=\"\($0)\"" } ?? "") watchMask="\(watchMask)"/>
          <ignore>__pycache__</ignore>
        </engine>
        """
    }

    /// The workers of the engine (the master's children), from /proc.
    static func workers(of master: Int) -> Set<Int32> {
        Set(ProcessTable.members(ofGroup: pid_t(master)).filter { $0.pid != pid_t(master) }.map(\.pid))
    }

    static func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    @Test("a worker past the engine's memory limit is recycled while every request succeeds")
    func memoryLimitRecycle() throws {
        let sandbox = try Sandbox()
        let port = 18471
        try sandbox.writeEngine("toy-prefork", Self.preforkEngine(name: "toy-prefork", ports: 18470...18479, memoryLimitMB: 60))
        try sandbox.installApp("leaky", template: "toy-leaky", engine: "toy-prefork", files: ["prefork.py": Self.prefork])
        defer { _ = try? sandbox.paddock(["stop", "leaky"]) }
        let launch = try sandbox.paddock(["launch", "leaky", "--detach", "--port", String(port)])
        try #require(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let engine = try #require(try sandbox.status("leaky")["enginePid"] as? Int)
        #expect(Self.waitUntil(seconds: 10) { Self.workers(of: engine).count == 2 })
        let before = Self.workers(of: engine)

        // Requests all along; one of them makes its worker keep 80 MB.
        let loop = Loop(port: port)
        loop.start()
        #expect(Self.waitUntil(seconds: 20) { loop.counts.sent >= 50 })
        let grow = HTTPProbe.get(port: port, path: "/grow?mb=80", host: "127.0.0.1", timeout: 10)
        #expect(grow?.status == 200)
        let grown = try #require(grow.flatMap { Int32($0.body.split(separator: " ")[1]) })
        #expect(before.contains(grown))
        #expect(Self.waitUntil(seconds: 20) { sandbox.supervisorLog("leaky").contains("recycling worker \(grown) ") })
        #expect(Self.waitUntil(seconds: 20) { !Spawn.isAlive(grown) && Self.workers(of: engine).count == 2 })
        let sentAtRecycle = loop.counts.sent
        #expect(Self.waitUntil(seconds: 30) { loop.counts.sent >= max(200, sentAtRecycle + 100) })
        let counts = loop.stop()
        let after = Self.workers(of: engine)
        let line = sandbox.supervisorLog("leaky").split(separator: "\n").first { $0.contains("recycling worker \(grown) ") } ?? ""
        print("memory recycle: \(counts); workers before \(before.sorted()), after \(after.sorted()); \(line)")
        #expect(counts.sent >= 200)
        #expect(counts.failed == 0, "\(counts)")
        #expect(!after.contains(grown) && after.count == 2, "before \(before), after \(after)")
        #expect(line.contains("over the memory limit of 60.0 MB"), "\(line)")
        // The figure logged is the worker's resident memory, past the limit.
        let resident = line.range(of: #"resident ([0-9.]+) MB"#, options: .regularExpression).map { Double(line[$0].split(separator: " ")[1]) ?? 0 } ?? 0
        #expect(resident > 60, "\(line)")
        #expect((try sandbox.status("leaky")["recycles"] as? Int ?? 0) >= 1)
        #expect(try sandbox.status("leaky")["enginePid"] as? Int == engine, "the master was not restarted")
    }

    @Test(
        "paddock restart reloads by the engine's strategy (every worker replaced) and no request fails",
        arguments: [
            ("<reload strategy=\"signal\" signal=\"HUP\"/>", "signal HUP", 18481),
            ("<reload strategy=\"one-at-a-time\"/>", "one-at-a-time", 18482),
        ])
    func restartByStrategy(reload: String, logged: String, port: Int) throws {
        let sandbox = try Sandbox()
        try sandbox.writeEngine("toy-prefork", Self.preforkEngine(name: "toy-prefork", ports: 18480...18489, reload: reload))
        try sandbox.installApp("rolling", template: "toy-rolling", engine: "toy-prefork", files: ["prefork.py": Self.prefork])
        defer { _ = try? sandbox.paddock(["stop", "rolling"]) }
        try #require(try sandbox.paddock(["launch", "rolling", "--detach", "--port", String(port)]).status == 0)
        let engine = try #require(try sandbox.status("rolling")["enginePid"] as? Int)
        #expect(Self.waitUntil(seconds: 10) { Self.workers(of: engine).count == 2 })
        let before = Self.workers(of: engine)
        let loop = Loop(port: port)
        loop.start()
        #expect(Self.waitUntil(seconds: 10) { loop.counts.sent >= 30 })
        let restart = try sandbox.paddock(["restart", "rolling"])
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(restart.stdout.contains("restarted 'rolling' at http://127.0.0.1:\(port)/"))
        #expect(
            Self.waitUntil(seconds: 30) {
                let now = Self.workers(of: engine); return now.count == 2 && now.isDisjoint(with: before)
            })
        let sent = loop.counts.sent
        #expect(Self.waitUntil(seconds: 10) { loop.counts.sent >= sent + 30 })
        let counts = loop.stop()
        print("restart by \(logged): \(counts); workers before \(before.sorted()), after \(Self.workers(of: engine).sorted())")
        #expect(counts.failed == 0, "\(counts)")
        #expect(try sandbox.status("rolling")["enginePid"] as? Int == engine, "the master stayed")
        #expect(sandbox.supervisorLog("rolling").contains("reloading (asked to reload) by \(logged)"))
    }

    /// A server that reads its own configuration file (what the engine's `<configFile>`
    /// rendered), counts the touches of its reload file, ignores SIGTERM and stops on USR1.
    static let configured = #"""
        import http.server, json, os, signal, sys, threading, time
        run = sys.argv[1]
        conf = json.load(open(os.path.join(run, "toy.json")))
        reloads = [0]
        def watch():
            path = os.path.join(run, "reload")
            seen = os.path.getmtime(path) if os.path.exists(path) else None
            while True:
                time.sleep(0.1)
                now = os.path.getmtime(path) if os.path.exists(path) else None
                if now != seen:
                    seen = now
                    reloads[0] += 1
                    print("reloaded by touch", flush=True)
        threading.Thread(target=watch, daemon=True).start()
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = ("%s uid %s reloads %d\n" % (conf["greeting"], conf["uid"], reloads[0])).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        def stop(*_):
            print("stopped by USR1", flush=True)
            os._exit(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGUSR1, stop)
        host, port = conf["bind"].rsplit(":", 1)
        http.server.HTTPServer((host, int(port)), Handler).serve_forever()
        """#

    @Test("an engine's <configFile> is rendered into the run folder, a touch reload touches its file, <stop signal> stops it")
    func configFileTouchAndStopSignal() throws {
        let sandbox = try Sandbox()
        let port = 18476
        try sandbox.writeEngine(
            "toy-configured",
            """
            <engine xmlns="urn:paddock:engine:1" name="toy-configured" runtime="python3" gracefulTimeout="30">
              <program>python3</program>
              <arg>{{app_root}}/configured.py</arg>
              <arg>{{run_dir}}</arg>
              <transport kind="tcp" portLower="18475" portUpper="18478"/>
              <reload strategy="touch"/>
              <stop signal="USR1"/>
              <configFile name="toy.json"><![CDATA[{"bind": "{{bind}}", "greeting": "hello {{app_name}}", "uid": "{{uid}}"}
            ]]></configFile>
            </engine>
            """)
        try sandbox.installApp("configured", template: "toy-configured", engine: "toy-configured", files: ["configured.py": Self.configured])
        defer { _ = try? sandbox.paddock(["stop", "configured"]) }
        let launch = try sandbox.paddock(["launch", "configured", "--detach", "--port", String(port)])
        try #require(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let rendered = sandbox.home.appendingPathComponent("state/apps/configured/run/toy.json")
        #expect(try String(contentsOf: rendered, encoding: .utf8) == "{\"bind\": \"127.0.0.1:\(port)\", \"greeting\": \"hello configured\", \"uid\": \"\(getuid())\"}\n")
        #expect((try FileManager.default.attributesOfItem(atPath: rendered.path)[.posixPermissions] as? Int) == 0o600)
        #expect(HTTPProbe.get(port: port, path: "/", host: "127.0.0.1", timeout: 5)?.body == "hello configured uid \(getuid()) reloads 0\n")

        let restart = try sandbox.paddock(["restart", "configured"])
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(Self.waitUntil(seconds: 10) { HTTPProbe.get(port: port, path: "/", host: "127.0.0.1", timeout: 5)?.body.hasSuffix("reloads 1\n") == true })
        #expect(sandbox.supervisorLog("configured").contains("reloading (asked to reload) by touching"), "\(sandbox.supervisorLog("configured"))")

        // The server ignores SIGTERM: only the engine's stop signal ends it before the 30-s grace.
        let started = Date()
        #expect(try sandbox.paddock(["stop", "configured"]).status == 0)
        #expect(Date().timeIntervalSince(started) < 15, "stopped by USR1, not killed after the graceful timeout")
        let log = (try? String(contentsOf: sandbox.home.appendingPathComponent("state/apps/configured/logs/app.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("stopped by USR1"), "\(log)")
        #expect(!HTTPProbe.isListening(port: port))
    }

    @Test("start-new-then-stop-old: a second engine on the same port (SO_REUSEPORT), then the first stops; it answers throughout")
    func startNewThenStopOld() throws {
        let sandbox = try Sandbox()
        let port = 18486
        try sandbox.writeEngine(
            "toy-prefork",
            Self.preforkEngine(
                name: "toy-prefork", ports: 18480...18489, reload: "<reload strategy=\"start-new-then-stop-old\"/>",
                environment: "<variable name=\"TOY_REUSEPORT\" value=\"1\"/>"))
        try sandbox.installApp("swap", template: "toy-swap", engine: "toy-prefork", files: ["prefork.py": Self.prefork])
        defer { _ = try? sandbox.paddock(["stop", "swap"]) }
        try #require(try sandbox.paddock(["launch", "swap", "--detach", "--port", String(port)]).status == 0)
        let old = try #require(try sandbox.status("swap")["enginePid"] as? Int)
        let loop = Loop(port: port)
        loop.start()
        let restart = try sandbox.paddock(["restart", "swap"])
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(Self.waitUntil(seconds: 20) { (try? sandbox.status("swap")["enginePid"] as? Int) != old && !Spawn.isAlive(pid_t(old)) })
        let new = try #require(try sandbox.status("swap")["enginePid"] as? Int)
        #expect(new != old)
        #expect(Self.waitUntil(seconds: 10) { Self.workers(of: new).count == 2 })
        let counts = loop.stop()
        print("start-new-then-stop-old: \(counts); engine \(old) -> \(new)")
        #expect(counts.sent > 0)
        #expect(HTTPProbe.get(port: port, path: "/", host: "127.0.0.1")?.status == 200)
        #expect(sandbox.supervisorLog("swap").contains("(pid \(new)); stopping the old one (pid \(old))"))
        #expect(try sandbox.status("swap")["restarts"] as? Int == 0, "a handover is not a crash")
        // A restart whose new engine cannot listen keeps the old one.
        try Data("import sys\nsys.exit(3)\n".utf8).write(to: sandbox.root.appendingPathComponent("swap/prefork.py"))
        #expect(try sandbox.paddock(["restart", "swap"]).status == 0)
        #expect(Self.waitUntil(seconds: 35) { sandbox.supervisorLog("swap").contains("did not listen; the running engine keeps serving") })
        #expect(try sandbox.status("swap")["enginePid"] as? Int == new)
        #expect(HTTPProbe.get(port: port, path: "/", host: "127.0.0.1")?.status == 200)
    }

    @Test("a change to a file matching the engine's watch mask reloads the app; other files do not")
    func watchMask() throws {
        let sandbox = try Sandbox()
        let port = 18491
        try sandbox.writeEngine("toy-prefork", Self.preforkEngine(name: "toy-prefork", ports: 18490...18499, watchMask: "*.conf;reload.txt"))
        try sandbox.installApp(
            "watched", template: "toy-watched", engine: "toy-prefork", files: ["prefork.py": Self.prefork, "app.conf": "a=1\n", "notes.md": "x\n"])
        defer { _ = try? sandbox.paddock(["stop", "watched"]) }
        try #require(try sandbox.paddock(["launch", "watched", "--detach", "--port", String(port)]).status == 0)
        let engine = try #require(try sandbox.status("watched")["enginePid"] as? Int)
        #expect(Self.waitUntil(seconds: 10) { Self.workers(of: engine).count == 2 })
        let before = Self.workers(of: engine)
        let folder = sandbox.root.appendingPathComponent("watched")
        usleep(1_500_000)  // The watch's first look.
        try Data("y\n".utf8).write(to: folder.appendingPathComponent("notes.md"))
        usleep(2_500_000)
        #expect(Self.workers(of: engine) == before, "a file outside the mask reloaded the app")
        try Data("a=2\n".utf8).write(to: folder.appendingPathComponent("app.conf"))
        #expect(
            Self.waitUntil(seconds: 10) {
                let now = Self.workers(of: engine); return now.count == 2 && now.isDisjoint(with: before)
            })
        #expect(sandbox.supervisorLog("watched").contains("reloading (app.conf changed; watch mask *.conf;reload.txt) by signal HUP"))
        #expect(HTTPProbe.get(port: port, path: "/", host: "127.0.0.1")?.status == 200)
    }

    @Test("the unix transport: the engine binds {{socket}} in the app's run folder, the health check and status go through it")
    func unixSocket() throws {
        let sandbox = try Sandbox()
        try sandbox.writeEngine("toy-unix", Self.preforkEngine(name: "toy-unix", ports: 18450...18459, unix: true))
        try sandbox.installApp("sock", template: "toy-sock", engine: "toy-unix", files: ["prefork.py": Self.prefork])
        defer { _ = try? sandbox.paddock(["stop", "sock"]) }
        let launch = try sandbox.paddock(["launch", "sock", "--detach"])
        try #require(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let socket = sandbox.home.appendingPathComponent("state/apps/sock/run/engine.sock").path
        #expect(launch.stdout.contains("sock is running at unix:\(socket)"), "\(launch.stdout)")
        #expect(HTTPProbe.get(socketPath: socket, path: "/", host: "127.0.0.1")?.status == 200)
        let status = try sandbox.status("sock")
        #expect(status["url"] as? String == "unix:\(socket)")
        #expect(status["healthy"] as? Bool == true, "\(status)")
        #expect(try sandbox.paddock(["stop", "sock"]).status == 0)
        #expect(HTTPProbe.get(socketPath: socket, path: "/", host: "127.0.0.1") == nil)
    }

    @Test("an engine from data alone: 'python3 -m http.server' as an admin's engine, its port from the engine's range")
    func httpServerEngine() throws {
        let sandbox = try Sandbox()
        try sandbox.writeEngine(
            "toy-http-server",
            """
            <?xml version="1.0" encoding="utf-8"?>
            <engine xmlns="urn:paddock:engine:1" name="toy-http-server" runtime="python3" gracefulTimeout="5">
              <program>python3</program>
              <arg>-m</arg>
              <arg>http.server</arg>
              <arg>{{port}}</arg>
              <arg>--bind</arg>
              <arg>{{host}}</arg>
              <transport kind="tcp" portLower="18461" portUpper="18469"/>
              <reload strategy="start-new-then-stop-old"/>
              <workers formula="1"/>
            </engine>
            """)
        try sandbox.installApp("static", template: "toy-static", engine: "toy-http-server", files: ["index.html": "<h1>served by a toy engine</h1>\n"])
        defer { _ = try? sandbox.paddock(["stop", "static"]) }
        let launch = try sandbox.paddock(["launch", "static", "--detach"])
        try #require(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let status = try sandbox.status("static")
        let port = try #require(status["port"] as? Int)
        #expect((18461...18469).contains(port), "the port comes from the engine's range: \(port)")
        #expect(launch.stdout.contains("static is running at http://127.0.0.1:\(port)/"))
        let page = HTTPProbe.get(port: port, path: "/", host: "127.0.0.1")
        #expect(page?.status == 200)
        #expect(page?.body.contains("served by a toy engine") == true)
        #expect(status["engine"] as? String == "toy-http-server")
        #expect(try sandbox.paddock(["stop", "static"]).status == 0)
        #expect(!HTTPProbe.isListening(port: port))
    }

    @Test("an admin's engine replaces the shipped one of the same name; a broken engine file is named with its line")
    func overridesAndErrors() throws {
        let sandbox = try Sandbox()
        let shipped = try sandbox.paddock(["engines", "--json"])
        #expect(shipped.status == 0, "\(shipped.stderr)")
        #expect(shipped.stdout.contains("\"name\" : \"python-gunicorn\""))
        #expect(shipped.stdout.contains("Recipes/engines/python-gunicorn.xml"))
        try sandbox.writeEngine(
            "mine",
            """
            <engine xmlns="urn:paddock:engine:1" name="python-gunicorn" runtime="python3.13">
              <program>/opt/gunicorn</program>
            </engine>
            """)
        let listed = try sandbox.paddock(["engines"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("python-gunicorn"))
        #expect(listed.stdout.contains("python3.13"))
        #expect(listed.stdout.contains("config/engines/mine.xml"))
        try sandbox.writeEngine("broken", "<engine xmlns=\"urn:paddock:engine:1\" name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <reload strategy=\"sometimes\"/>\n</engine>\n")
        let broken = try sandbox.paddock(["engines"])
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("config/engines/broken.xml:3:3: strategy=\"sometimes\" must be signal, start-new-then-stop-old, one-at-a-time or touch"), "\(broken.stderr)")
    }
}

/// GET / in a loop on a thread: how many were sent and how many did not answer 200.
final class Loop: Sendable {
    struct Counts: CustomStringConvertible, Sendable {
        var sent = 0
        var failed = 0
        var description: String { "\(sent) requests, \(failed) failed" }
    }
    private let port: Int
    private let state = Mutex((counts: Counts(), running: true, finished: false))

    init(port: Int) { self.port = port }

    var counts: Counts { state.withLock { $0.counts } }

    func start() {
        Thread.detachNewThread { [self] in
            while state.withLock({ $0.running }) {
                let answer = HTTPProbe.get(port: port, path: "/", host: "127.0.0.1", timeout: 10)
                state.withLock {
                    $0.counts.sent += 1
                    if answer?.status != 200 { $0.counts.failed += 1 }
                }
                usleep(10_000)
            }
            state.withLock { $0.finished = true }
        }
    }

    func stop() -> Counts {
        state.withLock { $0.running = false }
        while !state.withLock({ $0.finished }) { usleep(10_000) }
        return counts
    }
}
