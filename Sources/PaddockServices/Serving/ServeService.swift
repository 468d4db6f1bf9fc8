import FeedModel
import Foundation
import PaddockApps
import PaddockBasics

#if canImport(Glibc)
    import Glibc
#endif

/// Serving an app in production (docs/serving.md): N instances of its engine, each under a
/// supervisor of its own on its own loopback port; HAProxy balancing them; the nginx front
/// shared by every served app. Each part is a `paddock serve-part` process (the app
/// supervisor, `Supervisor`, with a folder of its own), so a part that dies is restarted and
/// the others go on serving. Restarts roll instance by instance through HAProxy's admin socket.
public struct ServeService {
    public let apps: AppService
    var context: ServiceContext { apps.context }

    public init(apps: AppService) { self.apps = apps }

    public struct Request: Sendable {
        public var instances: Int
        public var workers: Int?
        public var listen: String
        public var serverNames: [String]
        public var tlsCertificate: String?
        public var tlsKey: String?
        public var redirectFrom: String?
        public var front: String

        public init(
            instances: Int, workers: Int?, listen: String, serverNames: [String], tlsCertificate: String?, tlsKey: String?, redirectFrom: String?,
            front: String
        ) {
            self.instances = instances
            self.workers = workers
            self.listen = listen
            self.serverNames = serverNames
            self.tlsCertificate = tlsCertificate
            self.tlsKey = tlsKey
            self.redirectFrom = redirectFrom
            self.front = front
        }
    }

    /// The front's folder: one nginx (`front`), or one Apache (`front-apache`), for every
    /// served app of this paddock that names it.
    func frontPart(_ kind: String) -> String { kind == "apache" ? "front-apache" : "front" }
    func frontFolder(_ kind: String) -> URL { context.paths.state.appendingPathComponent(frontPart(kind)) }
    func frontLayout(_ kind: String) -> AppLayout { AppLayout(name: frontPart(kind), source: frontFolder(kind), state: frontFolder(kind)) }

    /// An instance runs in the app's folder; the balancer in its own, where its admin socket's
    /// short relative name (`run/admin.sock`) is (a Unix socket's path is at most 107 bytes).
    func partLayout(_ app: LoadedApp, _ part: String) -> AppLayout {
        let folder = ServeSettings.folder(app.layout).appendingPathComponent(part)
        return AppLayout(name: "\(app.record.name)/\(part)", source: part == "balancer" ? folder : app.layout.source, state: folder)
    }
    func adminSocketFolder(_ app: LoadedApp) -> URL { partLayout(app, "balancer").run }
    func haproxyConfig(_ app: LoadedApp) -> URL { ServeSettings.folder(app.layout).appendingPathComponent("haproxy.cfg") }
    func includeFile(_ app: LoadedApp, front: String) -> URL {
        ServeSettings.folder(app.layout).appendingPathComponent(front == "apache" ? "front-include-apache.conf" : "front-include.conf")
    }
    func siteFile(_ name: String, front: String) -> URL { frontFolder(front).appendingPathComponent("sites/\(name).conf") }

    static func supervisorPid(_ layout: AppLayout) -> pid_t? {
        guard let text = try? String(contentsOf: layout.supervisorPid, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), Spawn.isAlive(pid)
        else { return nil }
        return pid
    }

    func program(_ name: String) throws -> String {
        let path = (context.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        guard let found = Spawn.which(name, path: path) else {
            throw ServiceError("\(name) is not installed; install it with 'paddock install \(name)' (Debian's package)", .unavailable)
        }
        return found
    }

    // MARK: Serving

    public struct Served: Sendable, Encodable {
        public var app: String
        public var url: String
        public var instances: [Int]
        public var balancerPort: Int
        public var deployed: Bool
    }

    public func serve(_ name: String, request: Request, executable: String) throws -> Served {
        var loaded = try apps.load(name)
        // An unknown engine is refused here, with its message, before anything is written.
        _ = try apps.engineRun(loaded, port: 0, workers: 1)
        guard loaded.socketPath == nil else {
            throw ServiceError("the engine '\(loaded.manifest.engineName)' of '\(name)' listens on a Unix socket; 'paddock serve' runs instances on TCP ports only", .unavailable)
        }
        guard ["nginx", "apache"].contains(request.front) else {
            throw ServiceError("--front \(request.front): give nginx (the default) or apache", .usage)
        }
        guard (1...64).contains(request.instances) else { throw ServiceError("--instances \(request.instances): give 1 to 64", .usage) }
        if let workers = request.workers, !(1...256).contains(workers) { throw ServiceError("--workers \(workers): give 1 to 256", .usage) }
        if loaded.supervisorPid != nil {
            throw ServiceError("'\(name)' is running under 'paddock launch'; stop it first with 'paddock stop \(name)'", .unavailable)
        }
        if ServeSettings.read(loaded.layout) != nil, isServed(loaded) {
            throw ServiceError("'\(name)' is served already; 'paddock serve restart \(name)' rolls it, 'paddock serve stop \(name)' stops it", .unavailable)
        }
        let listen = try ServeSettings.parseAddress(request.listen, option: "--listen")
        let redirect = try request.redirectFrom.map { try ServeSettings.parseAddress($0, option: "--redirect-from") }
        let names = request.serverNames.isEmpty ? ["localhost"] : request.serverNames
        for serverName in names { try ServeSettings.checkServerName(serverName) }
        guard (request.tlsCertificate == nil) == (request.tlsKey == nil) else {
            throw ServiceError("--tls-cert and --tls-key go together; give both or neither", .usage)
        }
        for file in [request.tlsCertificate, request.tlsKey].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
            throw ServiceError("cannot read '\(file)'; give a PEM file paddock's user can read", .noInput)
        }
        let frontProgram = try program(request.front == "apache" ? "apache2" : "nginx")
        let haproxy = try program("haproxy")

        // Ports: the instances from the engine's range, never the app's own launch port; the
        // balancer from 9400-9499. Each is free when chosen.
        var taken: Set<Int> = [loaded.record.port ?? -1, listen.port, redirect?.port ?? -1]
        for other in try apps.state.apps() where other.name != name {
            if let settings = ServeSettings.read(other.layout) { taken.formUnion(settings.instances + [settings.balancerPort]) }
        }
        // The front's port held by another program (Debian's own nginx on 80, say) is refused:
        // the front would not bind it, and that program would answer instead.
        let frontPorts = try apps.state.apps().compactMap { record -> [Int]? in
            guard record.name != name, let other = ServeSettings.read(record.layout), other.front == request.front,
                FileManager.default.fileExists(atPath: siteFile(record.name, front: other.front).path)
            else { return nil }
            return [other.listenPort] + (other.redirectPort.map { [$0] } ?? [])
        }.flatMap { $0 }
        for port in [listen.port] + (redirect.map { [$0.port] } ?? []) where !frontPorts.contains(port) && HTTPProbe.isListening(port: port) {
            throw ServiceError("port \(port) is in use by another program; free it (Debian's own server: 'systemctl disable --now nginx') or choose another with --listen", .unavailable)
        }
        var ports: [Int] = []
        for _ in 0..<request.instances {
            guard let port = loaded.portRange.first(where: { !taken.contains($0) && HTTPProbe.freePort(in: $0...$0) != nil }) else {
                throw ServiceError("no free port left from \(loaded.portRange.lowerBound) to \(loaded.portRange.upperBound) for \(request.instances) instances", .unavailable)
            }
            taken.insert(port)
            ports.append(port)
        }
        guard let balancerPort = (9400...9499).first(where: { !taken.contains($0) && HTTPProbe.freePort(in: $0...$0) != nil }) else {
            throw ServiceError("no free port from 9400 to 9499 on 127.0.0.1 for the balancer", .unavailable)
        }
        let settings = ServeSettings(
            instances: ports, workers: request.workers ?? 2, balancerPort: balancerPort, listenHost: listen.host, listenPort: listen.port,
            serverNames: names, tlsCertificate: request.tlsCertificate.map(absolute), tlsKey: request.tlsKey.map(absolute),
            redirectHost: redirect?.host, redirectPort: redirect?.port, front: request.front)

        let deployed = try apps.deployIfNeeded(&loaded)
        try settings.write(loaded.layout)
        try writeConfigs(loaded, settings)
        try check([haproxy, "-c", "-f", haproxyConfig(loaded).path], what: "HAProxy")
        try check(frontArguments(settings.front, program: frontProgram) + ["-t"], what: settings.front)

        do {
            try startParts(loaded, settings, executable: executable)
        } catch {
            // Nothing half-started is left running: the parts that came up are stopped.
            _ = try? stop(name)
            throw error
        }
        let scheme = settings.tlsCertificate == nil ? "http" : "https"
        return Served(
            app: name, url: "\(scheme)://\(names[0]):\(settings.listenPort)/", instances: ports, balancerPort: balancerPort, deployed: deployed)
    }

    private func startParts(_ loaded: LoadedApp, _ settings: ServeSettings, executable: String) throws {
        let (name, ports) = (loaded.record.name, settings.instances)
        for index in ports.indices {
            try startInstance(loaded, settings, index: index, executable: executable)
        }
        try startPart(partLayout(loaded, "balancer"), arguments: [executable, "serve-part", "balancer", name])
        guard waitFor(seconds: 15, { serverStates(loaded).values.filter { $0 == "UP" }.count == ports.count }) else {
            throw ServiceError("HAProxy for '\(name)' did not see its instances up; see \(partLayout(loaded, "balancer").appLog.path)", .failure)
        }
        try reloadOrStartFront(settings.front, executable: executable)
        guard waitFor(seconds: 15, { HTTPProbe.isListening(port: settings.listenPort) }) else {
            throw ServiceError("the front did not listen on port \(settings.listenPort); see \(frontLayout(settings.front).appLog.path)", .failure)
        }
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    func writeConfigs(_ loaded: LoadedApp, _ settings: ServeSettings) throws {
        let folder = ServeSettings.folder(loaded.layout)
        for sub in ["balancer/run", "balancer/logs"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let host = Placeholders.render(loaded.healthHost ?? "127.0.0.1", ["host": "127.0.0.1"])
        let haproxyText = try ServeConfigs.haproxy(
            .init(app: loaded.record.name, settings: settings, healthPath: loaded.healthPath, healthHost: host, adminSocket: "unix@run/admin.sock"))
        try haproxyText.write(to: haproxyConfig(loaded), atomically: true, encoding: .utf8)
        // The admin's own lines: created empty once, never rewritten.
        let include = includeFile(loaded, front: settings.front)
        if !FileManager.default.fileExists(atPath: include.path) {
            try "# Your own \(settings.front) lines for this site (rewrites, headers); paddock keeps this file.\n"
                .write(to: include, atomically: true, encoding: .utf8)
        }
        var staticFolder: String?
        if let path = loaded.manifest.staticPath, loaded.manifest.staticURL != nil {
            let rendered = Placeholders.render(path, loaded.values(port: 0, workers: 1))
            staticFolder = try PathConfinement.resolve(rendered, under: loaded.layout.source, what: "the manifest's static path").path
        }
        let front = frontFolder(settings.front)
        for sub in ["sites", "run", "logs", "tmp"] {
            try FileManager.default.createDirectory(at: front.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let siteValues = ServeConfigs.Site(
            app: loaded.record.name, settings: settings, balancerPort: settings.balancerPort, staticURL: loaded.manifest.staticURL,
            staticFolder: staticFolder, accessLog: front.appendingPathComponent("logs/\(loaded.record.name).access.log").path,
            include: include.path)
        if settings.front == "apache" {
            try ServeConfigs.apacheSite(siteValues).write(to: siteFile(loaded.record.name, front: "apache"), atomically: true, encoding: .utf8)
            try writeApacheMain()
        } else {
            try ServeConfigs.nginxSite(siteValues).write(to: siteFile(loaded.record.name, front: "nginx"), atomically: true, encoding: .utf8)
            try ServeConfigs.nginxMain(folder: front).write(to: front.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        }
    }

    /// Apache takes each address in one `Listen`: those of every app whose site is on it, so it
    /// is written again whenever a site comes or goes.
    func writeApacheMain() throws {
        var listens: Set<String> = []
        for record in try apps.state.apps() {
            guard let other = ServeSettings.read(record.layout), other.front == "apache",
                FileManager.default.fileExists(atPath: siteFile(record.name, front: "apache").path)
            else { continue }
            listens.insert("\(other.listenHost):\(other.listenPort)")
            if other.tlsCertificate != nil, let host = other.redirectHost, let port = other.redirectPort { listens.insert("\(host):\(port)") }
        }
        let front = frontFolder("apache")
        try ServeConfigs.apacheMain(folder: front, listens: listens.sorted())
            .write(to: front.appendingPathComponent("apache2.conf"), atomically: true, encoding: .utf8)
    }

    /// The front's command line (and, with `-t`, its configuration test).
    func frontArguments(_ kind: String, program: String) -> [String] {
        let folder = frontFolder(kind)
        if kind == "apache" { return [program, "-d", folder.path, "-f", folder.appendingPathComponent("apache2.conf").path] }
        return [program, "-p", folder.path, "-c", folder.appendingPathComponent("nginx.conf").path, "-e", folder.appendingPathComponent("logs/error.log").path]
    }

    /// A configuration test (`haproxy -c`, `nginx -t`): its complaint, with the file and line, stops
    /// the command before anything is started or reloaded.
    func check(_ arguments: [String], what: String) throws {
        let result = try context.runner.run(arguments, environment: context.environment, check: false, deadline: 30)
        guard result.status == 0 else {
            throw ServiceError("\(what) refused the configuration paddock wrote: \(result.output.trimmingCharacters(in: .whitespacesAndNewlines))", .software)
        }
    }

    func startPart(_ layout: AppLayout, arguments: [String]) throws {
        try layout.createStateFolders()
        _ = try Spawn.start(
            arguments, environment: context.environment,
            options: Spawn.Options(directory: layout.source.path, output: .file(layout.supervisorLog.path), newSession: true))
    }

    func startInstance(_ loaded: LoadedApp, _ settings: ServeSettings, index: Int, executable: String) throws {
        let layout = partLayout(loaded, "instance-\(index + 1)")
        try startPart(layout, arguments: [executable, "serve-part", "instance-\(index + 1)", loaded.record.name])
        let port = settings.instances[index]
        guard HealthWaiter(app: loaded).wait(port: port, alive: { true }) != nil else {
            throw ServiceError(
                "instance \(index + 1) of '\(loaded.record.name)' did not answer on port \(port); last lines of \(layout.appLog.path):\n"
                    + DeployHook.tail(layout.appLog, lines: 15).map { "    " + $0 }.joined(separator: "\n"), .failure)
        }
    }

    func reloadOrStartFront(_ kind: String, executable: String) throws {
        if let pid = Self.supervisorPid(frontLayout(kind)) {
            // The front's supervisor reloads it by its strategy (nginx HUP, Apache USR1: a
            // graceful restart, new workers on the same sockets).
            kill(pid, SIGHUP)
            Thread.sleep(forTimeInterval: 0.5)
        } else {
            try startPart(frontLayout(kind), arguments: [executable, "serve-part", frontPart(kind)])
        }
    }

    /// Whether any part of the app's farm runs (`paddock stop` and `paddock restart` ask).
    public func isServed(_ name: String) -> Bool {
        guard let loaded = try? apps.load(name) else { return false }
        return isServed(loaded)
    }

    func isServed(_ loaded: LoadedApp) -> Bool {
        guard let settings = ServeSettings.read(loaded.layout) else { return false }
        let parts = ["balancer"] + settings.instances.indices.map { "instance-\($0 + 1)" }
        return parts.contains { Self.supervisorPid(partLayout(loaded, $0)) != nil }
    }

    // MARK: The parts' supervisors

    /// What `paddock serve-part` runs: the supervisor of one part, on this thread.
    public func runPart(_ part: String, app name: String?) throws -> Int32 {
        if part == "front" || part == "front-apache" {
            let kind = part == "front" ? "nginx" : "apache"
            let arguments = frontArguments(kind, program: try program(kind == "apache" ? "apache2" : "nginx")) + (kind == "apache" ? ["-DFOREGROUND"] : [])
            let run = EngineRun(
                engineName: kind, arguments: arguments, environment: context.environment, port: 0, reload: .signal(kind == "apache" ? "USR1" : "HUP"),
                gracefulTimeout: 10)
            return Supervisor(layout: frontLayout(kind), run: run).run()
        }
        guard let name else { throw ServiceError("serve-part \(part) needs the app's name", .usage) }
        let loaded = try apps.load(name)
        guard let settings = ServeSettings.read(loaded.layout) else {
            throw ServiceError("'\(name)' is not served; start it with 'paddock serve \(name)'", .usage)
        }
        if part == "balancer" {
            let run = EngineRun(
                engineName: "haproxy", arguments: [try program("haproxy"), "-W", "-f", haproxyConfig(loaded).path], environment: context.environment,
                port: settings.balancerPort, reload: .signal("USR2"), gracefulTimeout: 10)
            return Supervisor(layout: partLayout(loaded, part), run: run).run()
        }
        guard part.hasPrefix("instance-"), let index = Int(part.dropFirst("instance-".count)), (1...settings.instances.count).contains(index) else {
            throw ServiceError("serve-part: no part '\(part)' of '\(name)' (front, balancer, instance-1...instance-\(settings.instances.count))", .usage)
        }
        var run = try apps.engineRun(loaded, port: settings.instances[index - 1], workers: settings.workers)
        // The app answers for the front's server names too (the template contract's ALLOWED_HOSTS).
        let allowed = (run.environment["ALLOWED_HOSTS"] ?? "127.0.0.1,localhost").split(separator: ",").map(String.init)
        run.environment["ALLOWED_HOSTS"] = (allowed + settings.serverNames.filter { !allowed.contains($0) }).joined(separator: ",")
        return Supervisor(layout: partLayout(loaded, part), run: run).run()
    }

    // MARK: The balancer's admin socket

    /// One command on HAProxy's admin socket; its answer.
    func admin(_ loaded: LoadedApp, _ command: String) -> String? {
        HAProxyAdmin.send(command, folder: adminSocketFolder(loaded), name: "admin.sock")
    }

    /// Each server's status (`UP`, `DOWN`, `MAINT`, `DRAIN`...) by its name (`i1`...).
    func serverStates(_ loaded: LoadedApp) -> [String: String] {
        HAProxyAdmin.stat(admin(loaded, "show stat") ?? "", backend: "app", column: "status")
    }

    func waitFor(seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return condition()
    }

    // MARK: Rolling restart, stop, status

    public struct Rolled: Sendable, Encodable {
        public var app: String
        public var deployed: Bool
        public var instances: Int
    }

    /// Deploys when the files changed (a failing hook stops here: every instance keeps serving
    /// the running version), then, one instance at a time: drain it in the balancer (no new
    /// requests; those in flight finish), take it out, stop it gracefully, start it on its port,
    /// health-check it, put it back, and wait until the balancer sees it up.
    public func restart(_ name: String, executable: String) throws -> Rolled {
        var loaded = try apps.load(name)
        guard let settings = ServeSettings.read(loaded.layout), isServed(loaded) else {
            throw ServiceError("'\(name)' is not served; start it with 'paddock serve \(name)'", .usage)
        }
        let deployed = try apps.deployIfNeeded(&loaded)
        let grace = TimeInterval(loaded.engine?.gracefulTimeout ?? 30)
        for index in settings.instances.indices {
            let server = "app/i\(index + 1)"
            context.emit(.note("instance \(index + 1) of '\(name)': draining"))
            _ = admin(loaded, "set server \(server) state drain")
            _ = waitFor(seconds: grace) {
                Int(HAProxyAdmin.stat(admin(loaded, "show stat") ?? "", backend: "app", column: "scur")["i\(index + 1)"] ?? "0") == 0
            }
            _ = admin(loaded, "set server \(server) state maint")
            let layout = partLayout(loaded, "instance-\(index + 1)")
            if let pid = Self.supervisorPid(layout) {
                kill(pid, SIGTERM)
                _ = waitFor(seconds: grace + 10) { !Spawn.isAlive(pid) }
            }
            try startInstance(loaded, settings, index: index, executable: executable)
            _ = admin(loaded, "set server \(server) state ready")
            guard waitFor(seconds: 15, { serverStates(loaded)["i\(index + 1)"] == "UP" }) else {
                throw ServiceError("instance \(index + 1) of '\(name)' answers but HAProxy does not see it up; see \(layout.appLog.path)", .failure)
            }
        }
        return Rolled(app: name, deployed: deployed, instances: settings.instances.count)
    }

    /// Stops the app's instances and balancer, takes its site off the front (the front stops
    /// with the last site). False when it was not served.
    @discardableResult
    public func stop(_ name: String) throws -> Bool {
        let loaded = try apps.load(name)
        guard let settings = ServeSettings.read(loaded.layout) else { return false }
        let served = isServed(loaded)
        try? FileManager.default.removeItem(at: siteFile(name, front: settings.front))
        if settings.front == "apache" { try? writeApacheMain() }
        let sites = (try? FileManager.default.contentsOfDirectory(atPath: frontFolder(settings.front).appendingPathComponent("sites").path)) ?? []
        if let front = Self.supervisorPid(frontLayout(settings.front)) {
            if sites.contains(where: { $0.hasSuffix(".conf") }) {
                kill(front, SIGHUP)
            } else {
                kill(front, SIGTERM)
                _ = waitFor(seconds: 20) { !Spawn.isAlive(front) }
            }
        }
        let parts = ["balancer"] + settings.instances.indices.map { "instance-\($0 + 1)" }
        let pids = parts.compactMap { Self.supervisorPid(partLayout(loaded, $0)) }
        for pid in pids { kill(pid, SIGTERM) }
        let grace = TimeInterval(loaded.engine?.gracefulTimeout ?? 30)
        _ = waitFor(seconds: grace + 10) { pids.allSatisfy { !Spawn.isAlive($0) } }
        return served
    }

    public struct PartStatus: Sendable, Encodable {
        public var part: String
        public var running: Bool
        public var port: Int?
        public var supervisorPid: Int32?
        public var enginePid: Int32?
        public var restarts: Int?
        /// The balancer's view of an instance (UP, DOWN, DRAIN, MAINT).
        public var balancer: String?
    }

    public struct Status: Sendable, Encodable {
        public var app: String
        public var served: Bool
        public var url: String?
        public var parts: [PartStatus]
    }

    public func status(_ name: String) throws -> Status {
        let loaded = try apps.load(name)
        guard let settings = ServeSettings.read(loaded.layout) else { return Status(app: name, served: false, parts: []) }
        let states = serverStates(loaded)
        var parts: [PartStatus] = []
        func part(_ label: String, _ layout: AppLayout, port: Int?, balancer: String? = nil) {
            let pid = Self.supervisorPid(layout)
            let status = pid == nil ? nil : SupervisorStatus.read(layout.statusFile)
            parts.append(
                PartStatus(
                    part: label, running: pid != nil, port: port, supervisorPid: pid, enginePid: status?.enginePid, restarts: status?.restarts,
                    balancer: balancer))
        }
        part(frontPart(settings.front), frontLayout(settings.front), port: settings.listenPort)
        part("balancer", partLayout(loaded, "balancer"), port: settings.balancerPort)
        for (index, port) in settings.instances.enumerated() {
            part("instance-\(index + 1)", partLayout(loaded, "instance-\(index + 1)"), port: port, balancer: states["i\(index + 1)"])
        }
        let scheme = settings.tlsCertificate == nil ? "http" : "https"
        return Status(
            app: name, served: isServed(loaded), url: "\(scheme)://\(settings.serverNames.first ?? "localhost"):\(settings.listenPort)/", parts: parts)
    }
}
