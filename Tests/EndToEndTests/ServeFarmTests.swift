import Foundation
import PaddockApps
import PaddockBasics
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `paddock serve` for real: the built paddock installs a template into a fresh PADDOCK_HOME,
/// serves it as 3 instances behind Debian's HAProxy and nginx (started by paddock on loopback
/// ports), and a request loop through the front counts every failure while one instance is
/// killed with SIGKILL, the front and the balancer are reloaded, and a code change is rolled
/// out instance by instance (with wrk's counts for the restart too).
@Suite("Serving an app: a web farm behind HAProxy and nginx", .serialized, .requires(.frontServers), .offCooperativePool)
struct ServeFarmTests {
    @Test("blank-node: serve 3 instances, static files by nginx, kill -9 of an instance, reloads, rolling restart under load, the admin's include kept, stop", .requires(.debianPackages(rails: false)))
    func node() throws {
        try Self.farm(
            template: "blank-node", app: "farm", frontPort: 18640, marker: "Your paddock Node.js app is running.",
            codeFile: "app.js", staticFile: "public/style.css", staticFolder: "public")
    }

    @Test("blank-flask: serve 3 instances of gunicorn through the same farm", .requires(.pypi))
    func flask() throws {
        try Self.farm(
            template: "blank-flask", app: "pyfarm", frontPort: 18650, marker: "Your paddock Flask app is running.",
            codeFile: "pyfarm/templates/index.html", staticFile: "pyfarm/static/style.css", staticFolder: "pyfarm/static")
    }

    @Test("two apps share one front on one port by server name; TLS with HTTP redirected and HSTS; bad TLS options refused", .requires(.debianPackages(rails: false)))
    func sharedFrontAndTLS() throws {
        let sandbox = try TemplateSandbox("paddock-serve-tls")
        defer {
            for app in ["one", "two", "secure"] { _ = try? sandbox.paddock(["serve", "stop", app]) }
        }
        for app in ["one", "two", "secure"] {
            let install = try sandbox.paddock(["install", "blank-node", "--app", app, "--yes"])
            try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        }
        let port = 18662
        for app in ["one", "two"] {
            let serve = try sandbox.paddock(["serve", app, "--instances", "2", "--workers", "1", "--listen", "127.0.0.1:\(port)", "--server-name", "\(app).example"])
            try #require(serve.status == 0, "\(serve.stdout)\n\(serve.stderr)")
        }
        #expect(Raw.get(port, "/", host: "one.example")?.text.contains("<h1>one</h1>") == true)
        #expect(Raw.get(port, "/", host: "two.example")?.text.contains("<h1>two</h1>") == true)
        // One app stopped: the front goes on serving the other.
        #expect(try sandbox.paddock(["serve", "stop", "one"]).status == 0)
        #expect(Raw.get(port, "/", host: "two.example")?.text.contains("<h1>two</h1>") == true)
        #expect(Raw.get(port, "/", host: "one.example")?.text.contains("<h1>one</h1>") != true)

        // TLS: a self-signed certificate; plain HTTP redirected, HTTPS with HSTS.
        let certificate = sandbox.root.appendingPathComponent("cert.pem").path
        let key = sandbox.root.appendingPathComponent("key.pem").path
        let made = try runProcess(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=secure.example", "-addext", "subjectAltName=DNS:secure.example"])
        try #require(made.status == 0, "\(made.stderr)")
        let half = try sandbox.paddock(["serve", "secure", "--tls-cert", certificate, "--listen", "127.0.0.1:18664"])
        #expect(half.status == 64 && half.stderr.contains("--tls-cert and --tls-key go together"), "\(half.stderr)")
        let missing = try sandbox.paddock(["serve", "secure", "--tls-cert", "/nonexistent.pem", "--tls-key", key, "--listen", "127.0.0.1:18664"])
        #expect(missing.status == 66 && missing.stderr.contains("cannot read '/nonexistent.pem'"), "\(missing.stderr)")
        let serve = try sandbox.paddock([
            "serve", "secure", "--instances", "2", "--workers", "1", "--listen", "127.0.0.1:18664", "--server-name", "secure.example",
            "--tls-cert", certificate, "--tls-key", key, "--redirect-from", "127.0.0.1:18663",
        ])
        try #require(serve.status == 0, "\(serve.stdout)\n\(serve.stderr)")
        #expect(serve.stdout.contains("at https://secure.example:18664/"), "\(serve.stdout)")
        let redirect = try #require(Raw.get(18663, "/notes?x=1", host: "secure.example"))
        #expect(redirect.status == 301)
        #expect(redirect.header("location") == "https://secure.example:18664/notes?x=1", "\(redirect.head)")
        let https = try runProcess(
            URL(fileURLWithPath: "/usr/bin/curl"),
            ["-sS", "--cacert", certificate, "--resolve", "secure.example:18664:127.0.0.1", "-D", "-", "https://secure.example:18664/"])
        #expect(https.status == 0, "\(https.stderr)")
        #expect(https.stdout.hasPrefix("HTTP/1.1 200"), "\(https.stdout.prefix(400))")
        #expect(https.stdout.lowercased().contains("strict-transport-security: max-age=31536000"), "\(https.stdout.prefix(600))")
        #expect(https.stdout.contains("<h1>secure</h1>"))

        // Uninstalling a served app stops its farm and takes its site off the shared front.
        let removed = try sandbox.paddock(["uninstall", "blank-node", "--app", "two", "--yes"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(Self.eventually(5) { !HTTPProbe.isListening(port: port) }, "the front's last site on that port went with the app")
        let stillSecure = try runProcess(
            URL(fileURLWithPath: "/usr/bin/curl"),
            ["-sS", "--cacert", certificate, "--resolve", "secure.example:18664:127.0.0.1", "https://secure.example:18664/"])
        #expect(stillSecure.stdout.contains("<h1>secure</h1>"), "the other app is still served: \(stillSecure.stderr)")
    }

    @Test("--front apache: the seed's front; static files with Expires, a graceful reload, a rolling restart and kill -9 under a request loop", .requires(.debianPackages(rails: false)))
    func apacheFront() throws {
        let sandbox = try TemplateSandbox("paddock-serve-apache")
        defer { _ = try? sandbox.paddock(["serve", "stop", "seed"]) }
        let install = try sandbox.paddock(["install", "blank-node", "--app", "seed", "--yes"])
        try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let port = 18672
        let serve = try sandbox.paddock([
            "serve", "seed", "--front", "apache", "--instances", "2", "--workers", "2", "--listen", "127.0.0.1:\(port)", "--server-name", "seed.example",
        ])
        try #require(serve.status == 0, "\(serve.stdout)\n\(serve.stderr)")
        let page = try #require(Raw.get(port, "/", host: "seed.example"))
        #expect(page.status == 200 && page.text.contains("<h1>seed</h1>"), "\(page.text)")
        let style = try #require(Raw.get(port, "/static/style.css", host: "seed.example"))
        #expect(style.header("server") == "Apache", "\(style.head)")
        #expect(style.header("expires") != nil && style.header("cache-control") == "max-age=604800", "\(style.head)")
        let parts = try Self.parts(sandbox.paddock(["serve", "status", "seed", "--json"]).stdout)
        let front = try #require(parts.first { $0["part"] as? String == "front-apache" }?["supervisorPid"] as? Int)

        let loop = RequestLoop(port: port)
        let started = Date()
        loop.start()
        usleep(1_000_000)
        kill(pid_t(front), SIGHUP)  // Apache's graceful restart (USR1)
        usleep(1_500_000)
        let code = sandbox.root.appendingPathComponent("seed/app.js")
        try String(contentsOf: code, encoding: .utf8).replacingOccurrences(of: "Your paddock Node.js app is running.", with: "Behind Apache.")
            .write(to: code, atomically: true, encoding: .utf8)
        let rolled = try sandbox.paddock(["serve", "restart", "seed"])
        #expect(rolled.status == 0, "\(rolled.stderr)")
        #expect(Raw.get(port, "/", host: "seed.example")?.text.contains("Behind Apache.") == true)
        let instance = try #require(
            Self.parts(sandbox.paddock(["serve", "status", "seed", "--json"]).stdout).first { $0["part"] as? String == "instance-1" }?["enginePid"] as? Int)
        kill(pid_t(instance), SIGKILL)
        TemplateSandbox.sleep(untilSecondsAfter: started, 14)
        let counts = loop.stop()
        print("blank-node behind Apache: 14-second request loop through a graceful reload, a rolling restart and kill -9 of an instance: \(counts)")
        #expect(counts.ok > 50, "\(counts)")
        #expect(counts.failures == 0, "\(counts)")
        #expect(try sandbox.paddock(["serve", "stop", "seed"]).status == 0)
        #expect(!HTTPProbe.isListening(port: port), "Apache stopped with its last site")
    }

    @Test("bad options are refused with one line naming the value, before anything starts; a launched app is not served twice", .requires(.debianPackages(rails: false)))
    func refusals() throws {
        let sandbox = try TemplateSandbox("paddock-serve-bad")
        defer {
            _ = try? sandbox.paddock(["stop", "bad"])
            _ = try? sandbox.paddock(["serve", "stop", "bad"])
        }
        try #require(try sandbox.paddock(["install", "blank-node", "--app", "bad", "--yes"]).status == 0)
        let cases: [([String], Int32, String)] = [
            (["--listen", "example.org:80"], 64, "--listen 'example.org:80' is not an address"),
            (["--listen", "127.0.0.1:99999"], 64, "--listen '127.0.0.1:99999' is not an address"),
            (["--server-name", "a;b"], 64, "--server-name 'a;b' is not a host name"),
            (["--instances", "0"], 64, "--instances 0: give 1 to 64"),
            (["--front", "lighttpd"], 64, "--front lighttpd: give nginx (the default) or apache"),
        ]
        for (options, status, message) in cases {
            let result = try sandbox.paddock(["serve", "bad", "--listen", "127.0.0.1:18690"] + options)
            #expect(result.status == status && result.stderr.contains(message), "\(options): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
        #expect(!HTTPProbe.isListening(port: 18690), "nothing started")
        // The front's port taken by another program (here the test's own listener).
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(18692).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(holder, 8) == 0)
        let taken = try sandbox.paddock(["serve", "bad", "--listen", "127.0.0.1:18692"])
        #expect(taken.status == 69 && taken.stderr.contains("port 18692 is in use by another program"), "\(taken.stderr)")
        let unknown = try sandbox.paddock(["serve", "nosuch", "--listen", "127.0.0.1:18690"])
        #expect(unknown.status == 64 && unknown.stderr.contains("no app named 'nosuch'"), "\(unknown.stderr)")
        #expect(try sandbox.paddock(["serve", "restart", "bad"]).stderr.contains("'bad' is not served; start it with 'paddock serve bad'"))
        #expect(try sandbox.paddock(["launch", "bad", "--detach", "--port", "18691", "--workers", "1"]).status == 0)
        let launched = try sandbox.paddock(["serve", "bad", "--listen", "127.0.0.1:18690"])
        #expect(launched.status == 69 && launched.stderr.contains("'bad' is running under 'paddock launch'; stop it first"), "\(launched.stderr)")
    }

    // The other templates through the same farm: serve 2 instances, the page through the front
    // with the server name, a static file, a rolling restart and kill -9 of an instance under a
    // request loop (0 failures), stop.
    @Test("blank-perl (starman) through the farm", .requires(.perlWebStack))
    func perl() throws { try Self.quick(template: "blank-perl", app: "perlfarm", port: 18680, staticPath: "/static/css/site.css") }

    @Test("blank-mojolicious through the farm", .requires(.perlWebStack))
    func mojolicious() throws { try Self.quick(template: "blank-mojolicious", app: "mojofarm", port: 18682, staticPath: "/css/site.css") }

    @Test("blank-rails (Puma) through the farm", .requires(.debianPackages(rails: true)))
    func rails() throws { try Self.quick(template: "blank-rails", app: "railsfarm", port: 18684, staticPath: "/robots.txt") }

    @Test("blank-django (gunicorn) through the farm", .requires(.pypi))
    func django() throws { try Self.quick(template: "blank-django", app: "djfarm", port: 18686, staticPath: nil) }

    static func quick(template: String, app: String, port: Int, staticPath: String?) throws {
        let sandbox = try TemplateSandbox("paddock-serve-\(app)")
        defer { _ = try? sandbox.paddock(["serve", "stop", app]) }
        let install = try sandbox.paddock(["install", template, "--app", app, "--yes"])
        try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let serve = try sandbox.paddock([
            "serve", app, "--instances", "2", "--workers", "2", "--listen", "127.0.0.1:\(port)", "--server-name", "farm.example",
        ])
        try #require(serve.status == 0, "\(serve.stdout)\n\(serve.stderr)")
        let page = try #require(Raw.get(port, "/", host: "farm.example"))
        #expect(page.status == 200, "\(page.text.prefix(600))")
        #expect(page.text.contains(app), "the page names the app: \(page.text.prefix(600))")
        if let staticPath {
            let file = try #require(Raw.get(port, staticPath, host: "farm.example"))
            #expect(file.status == 200 && file.header("server")?.hasPrefix("nginx") == true && file.header("expires") != nil, "\(file.head)")
        }
        let loop = RequestLoop(port: port)
        let started = Date()
        loop.start()
        usleep(1_000_000)
        // 'paddock restart' of a served app is its rolling restart.
        let rolled = try sandbox.paddock(["restart", app])
        #expect(rolled.status == 0, "\(rolled.stdout)\n\(rolled.stderr)")
        #expect(rolled.stdout.contains("restarted '\(app)' at http://farm.example:\(port)/: 2 instances, one at a time"), "\(rolled.stdout)")
        let instance = try #require(
            Self.parts(sandbox.paddock(["serve", "status", app, "--json"]).stdout).first { $0["part"] as? String == "instance-2" }?["enginePid"] as? Int)
        kill(pid_t(instance), SIGKILL)
        TemplateSandbox.sleep(untilSecondsAfter: started, max(10, Date().timeIntervalSince(started) + 4))
        let counts = loop.stop()
        print("\(template): request loop through the farm during a rolling restart and kill -9 of an instance: \(counts)")
        #expect(counts.ok > 20, "\(counts)")
        #expect(counts.failures == 0, "\(counts)")
        // 'paddock stop' of a served app stops its farm.
        let stop = try sandbox.paddock(["stop", app])
        #expect(stop.status == 0 && stop.stdout.contains("stopped '\(app)'"), "\(stop.stdout)\n\(stop.stderr)")
        #expect(!HTTPProbe.isListening(port: port))
        #expect(try sandbox.paddock(["serve", "status", app]).status == 3)
    }

    static func farm(template: String, app: String, frontPort: Int, marker: String, codeFile: String, staticFile: String, staticFolder: String) throws {
        let sandbox = try TemplateSandbox("paddock-serve")
        defer { _ = try? sandbox.paddock(["serve", "stop", app]) }
        let install = try sandbox.paddock(["install", template, "--app", app, "--yes"])
        try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let appFolder = sandbox.root.appendingPathComponent(app)
        // A precompressed copy beside a static file: nginx sends it to a client that takes gzip.
        let big = appFolder.appendingPathComponent(staticFolder).appendingPathComponent("big.txt")
        try String(repeating: "paddock serves this file itself\n", count: 200).write(to: big, atomically: true, encoding: .utf8)
        _ = try runProcess(URL(fileURLWithPath: "/usr/bin/gzip"), ["-k", "-9", big.path])

        let started = Date()
        let serve = try sandbox.paddock([
            "serve", app, "--instances", "3", "--workers", "2", "--listen", "127.0.0.1:\(frontPort)", "--server-name", "farm.example",
        ])
        try #require(serve.status == 0, "\(serve.stdout)\n\(serve.stderr)")
        print("\(template): paddock serve took \(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(serve.stdout)")
        #expect(serve.stdout.contains("serving '\(app)' at http://farm.example:\(frontPort)/"), "\(serve.stdout)")

        // The page through the front with the server name; the app answers for it.
        let page = try #require(Raw.get(frontPort, "/", host: "farm.example"))
        #expect(page.status == 200, "\(page.text)")
        #expect(page.text.contains(marker), "\(page.text)")
        // Static files from nginx: its Server header, caching headers, the .gz sent as is.
        let style = try #require(Raw.get(frontPort, "/static/style.css", host: "farm.example"))
        #expect(style.status == 200)
        #expect(style.header("server")?.hasPrefix("nginx") == true, "\(style.head)")
        #expect(style.header("cache-control")?.contains("max-age=604800") == true, "\(style.head)")
        let zipped = try #require(Raw.get(frontPort, "/static/big.txt", host: "farm.example", extra: "Accept-Encoding: gzip\r\n"))
        #expect(zipped.header("content-encoding") == "gzip", "\(zipped.head)")
        #expect(Raw.get(frontPort, "/static/big.txt", host: "farm.example")?.text.contains("paddock serves this file itself") == true)
        // The access log is the front's.
        let accessLog = sandbox.home.appendingPathComponent("state/front/logs/\(app).access.log")
        #expect((try? String(contentsOf: accessLog, encoding: .utf8))?.contains("GET /static/style.css") == true)

        // Every instance up in the balancer.
        let status = try sandbox.paddock(["serve", "status", app, "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        let parts = try Self.parts(status.stdout)
        #expect(parts.count == 5, "front, balancer, 3 instances: \(status.stdout)")
        #expect(parts.filter { $0["balancer"] as? String == "UP" }.count == 3, "\(status.stdout)")
        let instance = try #require(parts.first { $0["part"] as? String == "instance-2" })
        let enginePid = try #require(instance["enginePid"] as? Int)

        // kill -9 of one instance's engine under a request loop: the balancer retries on another.
        var loop = RequestLoop(port: frontPort)
        var loopStarted = Date()
        loop.start()
        usleep(1_000_000)
        kill(pid_t(enginePid), SIGKILL)
        TemplateSandbox.sleep(untilSecondsAfter: loopStarted, 8)
        var counts = loop.stop()
        print("\(template): 8-second request loop through the front, kill -9 of instance 2: \(counts)")
        #expect(counts.ok > 50, "\(counts)")
        #expect(counts.failures == 0, "after kill -9 of an instance: \(counts)")
        #expect(
            Self.eventually(20) { (try? Self.parts(sandbox.paddock(["serve", "status", app, "--json"]).stdout))?.first { $0["part"] as? String == "instance-2" }?["restarts"] as? Int ?? 0 >= 1 },
            "the instance's supervisor restarted it")

        // A reload of the front and of the balancer under the loop.
        let frontPid = try #require(parts.first { $0["part"] as? String == "front" }?["supervisorPid"] as? Int)
        let balancerPid = try #require(parts.first { $0["part"] as? String == "balancer" }?["supervisorPid"] as? Int)
        loop = RequestLoop(port: frontPort)
        loopStarted = Date()
        loop.start()
        usleep(1_000_000)
        kill(pid_t(frontPid), SIGHUP)
        usleep(2_000_000)
        kill(pid_t(balancerPid), SIGHUP)
        usleep(2_000_000)
        kill(pid_t(frontPid), SIGHUP)
        kill(pid_t(balancerPid), SIGHUP)
        TemplateSandbox.sleep(untilSecondsAfter: loopStarted, 8)
        counts = loop.stop()
        print("\(template): 8-second request loop through two nginx and two HAProxy reloads: \(counts)")
        #expect(counts.ok > 50, "\(counts)")
        #expect(counts.failures == 0, "during the reloads: \(counts)")

        // The admin's include: kept across a rewrite of the configuration.
        let include = sandbox.home.appendingPathComponent("state/apps/\(app)/serve/front-include.conf")
        try "add_header X-Admin-Rule kept;\n".write(to: include, atomically: true, encoding: .utf8)

        // A code change rolled out instance by instance, three times, under the request loop and wrk.
        let code = appFolder.appendingPathComponent(codeFile)
        var source = try String(contentsOf: code, encoding: .utf8)
        loop = RequestLoop(port: frontPort)
        loopStarted = Date()
        loop.start()
        let wrk = Wrk(port: frontPort, seconds: 18)
        var previous = marker
        for round in 1...3 {
            let next = "Rolled out by the serve test, round \(round)."
            source = source.replacingOccurrences(of: previous, with: next)
            try source.write(to: code, atomically: true, encoding: .utf8)
            previous = next
            let rolled = try sandbox.paddock(["serve", "restart", app])
            #expect(rolled.status == 0, "\(rolled.stdout)\n\(rolled.stderr)")
            #expect(rolled.stdout.contains("restarted '\(app)': 3 instances, one at a time (deployed first)"), "\(rolled.stdout)")
            #expect(Raw.get(frontPort, "/", host: "farm.example")?.text.contains(next) == true, "every instance serves round \(round)")
        }
        let rollingSeconds = Date().timeIntervalSince(loopStarted)
        TemplateSandbox.sleep(untilSecondsAfter: loopStarted, 18)
        counts = loop.stop()
        let wrkCounts = wrk.wait()
        print("\(template): 3 rolling restarts in \(String(format: "%.1f", rollingSeconds)) s; request loop: \(counts); wrk -c 8: \(wrkCounts)")
        #expect(counts.ok > 50, "\(counts)")
        #expect(counts.failures == 0, "during 3 rolling restarts: \(counts)")
        #expect(wrkCounts.requests > 100, "\(wrkCounts)")
        #expect(wrkCounts.socketErrors == 0 && wrkCounts.non2xx == 0, "wrk during 3 rolling restarts: \(wrkCounts)")

        // Stop, serve again: the include is still the admin's, and in force.
        let stop = try sandbox.paddock(["serve", "stop", app])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(!HTTPProbe.isListening(port: frontPort), "the front stopped with its last site")
        #expect(try sandbox.paddock(["serve", "status", app]).status == 3)
        let again = try sandbox.paddock(["serve", app, "--instances", "2", "--workers", "1", "--listen", "127.0.0.1:\(frontPort)", "--server-name", "farm.example"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try String(contentsOf: include, encoding: .utf8) == "add_header X-Admin-Rule kept;\n")
        #expect(Raw.get(frontPort, "/", host: "farm.example")?.header("x-admin-rule") == "kept")
        #expect(try sandbox.paddock(["serve", "stop", app]).status == 0)
    }

    static func parts(_ json: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return object?["parts"] as? [[String: Any]] ?? []
    }

    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(200_000)
        }
        return condition()
    }
}

/// One HTTP/1.1 request over a plain socket, its head and body: the tests read headers that
/// `HTTPProbe` does not keep.
enum Raw {
    struct Response {
        var status: Int
        var head: String
        var text: String
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name { return parts[1].trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }
    }

    static func get(_ port: Int, _ path: String, host: String, extra: String = "") -> Response? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var time = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\(extra)Connection: close\r\n\r\n"
        guard request.withCString({ send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }) > 0 else { return nil }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let head = String(text[..<end.lowerBound])
        let fields = head.prefix { $0 != "\r" }.split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else { return nil }
        return Response(status: status, head: head, text: text)
    }
}

/// wrk through the front for the length of a case: its request count, non-2xx/3xx answers and
/// socket errors (connect, read, write, timeout), from its summary.
final class Wrk: @unchecked Sendable {
    struct Counts: CustomStringConvertible {
        var requests = 0
        var non2xx = 0
        var socketErrors = 0
        var summary = ""
        var description: String { "\(requests) requests, \(non2xx) non-2xx/3xx, \(socketErrors) socket errors" }
    }
    private let process = Process()
    private let output = Pipe()

    init(port: Int, seconds: Int) {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        process.arguments = ["-t", "2", "-c", "8", "-d", "\(seconds)s", "-H", "Host: farm.example", "http://127.0.0.1:\(port)/"]
        process.standardOutput = output
        process.standardError = output
        try? process.run()
    }

    func wait() -> Counts {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        var counts = Counts(summary: text)
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.contains("requests in") { counts.requests = Int(line.split(separator: " ")[0]) ?? 0 }
            if line.hasPrefix("Non-2xx or 3xx responses:") { counts.non2xx = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0 }
            if line.hasPrefix("Socket errors:") {
                // Socket errors: connect 0, read 0, write 0, timeout 0
                counts.socketErrors = line.dropFirst("Socket errors:".count).split(separator: ",").compactMap {
                    Int($0.split(separator: " ").last ?? "")
                }.reduce(0, +)
            }
        }
        return counts
    }
}

extension Requirement {
    /// Debian's front servers and load tool (scripts/install-test-deps.sh installs them).
    static let frontServers = Requirement("nginx, HAProxy and wrk") {
        for (path, package) in [
            ("/usr/sbin/nginx", "nginx"), ("/usr/sbin/haproxy", "haproxy"), ("/usr/bin/wrk", "wrk"), ("/usr/bin/gzip", "gzip"), ("/usr/bin/curl", "curl"), ("/usr/bin/openssl", "openssl"),
            ("/usr/sbin/apache2", "apache2"),
        ]
        where !FileManager.default.fileExists(atPath: path) {
            return "\(path) missing; install Debian package \(package) (scripts/install-test-deps.sh does)"
        }
        return nil
    }
}
