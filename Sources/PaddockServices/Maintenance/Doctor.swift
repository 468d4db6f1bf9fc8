import Foundation
import PaddockApps
import PaddockBasics
import PaddockDownload
import PaddockSQLite
import PaddockState
import PaddockStore
import PaddockSystem

#if canImport(Glibc)
    import Glibc
#endif

/// What `paddock doctor --json` prints.
public struct DoctorReport: Encodable, Sendable {
    public struct Check: Encodable, Sendable {
        public enum Status: String, Encodable, Sendable { case ok, repaired, problem }
        public var name: String
        public var status: Status
        public var summary: String
        public var details: [String]
    }
    public var checks: [Check]
    public var healthy: Bool { !checks.contains { $0.status == .problem } }

    private enum CodingKeys: String, CodingKey { case checks, healthy }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(checks, forKey: .checks)
        try container.encode(healthy, forKey: .healthy)
    }
}

/// The checks of `paddock doctor`, each repairing only what is paddock's own and safe to redo.
public struct Doctor {
    let context: ServiceContext
    typealias Check = DoctorReport.Check

    public init(context: ServiceContext) { self.context = context }

    public func run(wait: Bool) throws -> DoctorReport {
        // The lock first: the state database may be what is broken, and that is reported too.
        try FileManager.default.createDirectory(at: context.paths.state, withIntermediateDirectories: true)
        let lock = try StateLock(path: StateStore.lockPath(in: context.paths.state), wait: wait) { holder in
            context.emit(.waitingForLock(holder: holder))
        }
        defer { withExtendedLifetime(lock) {} }
        var checks: [Check] = []
        do {
            // Opened without the automatic recovery, so that the first check reports it.
            let state = try StateStore(directory: context.paths.state, ownedRoots: context.paths.ownedRoots, programs: context.paths.programs)
            checks.append(try transactions(state))
            checks.append(try database(state))
            checks.append(try schema(state))
            checks.append(catalogue())
            checks.append(builtinFeed())
            checks.append(try receipts(state))
            checks.append(try backups(state))
            checks.append(try apps(state))
        } catch {
            // A state database that cannot be read: what can be recovered, and the checks that
            // do not need it (StateRecovery.swift).
            guard let check = StateRecovery.check(for: error, paths: context.paths) else { throw error }
            checks.removeAll { $0.name == check.name }
            checks.append(check)
            if !checks.contains(where: { $0.name == "index database" }) { checks += [catalogue(), builtinFeed()] }
        }
        checks.append(downloads())
        return DoctorReport(checks: checks)
    }

    private func transactions(_ state: StateStore) throws -> Check {
        let open = try state.unfinishedTransactions()
        guard !open.isEmpty else { return Check(name: "transactions", status: .ok, summary: "none unfinished", details: []) }
        let undone = try state.recover(packages: context.kinds.undoer(context: context))
        return Check(
            name: "transactions", status: .repaired, summary: "rolled back \(undone.count) unfinished",
            details: zip(open, undone).map { "paddock \($1) (pid \($0.pid), dead)" })
    }

    private func database(_ state: StateStore) throws -> Check {
        let findings = try state.integrityCheck()
        if findings == ["ok"] { return Check(name: "state database", status: .ok, summary: "integrity_check ok", details: []) }
        return Check(
            name: "state database", status: .problem,
            summary: "integrity_check found damage in \(state.directory.appendingPathComponent("state.sqlite").path); back it up and restore an earlier copy",
            details: Array(findings.prefix(10)) + StateRecovery.recoverable(context.paths))
    }

    private func schema(_ state: StateStore) throws -> Check {
        let version = try state.schemaVersion
        let known = StateStore.knownSchemaVersion
        if version == known { return Check(name: "schema", status: .ok, summary: "version \(version)", details: []) }
        return Check(
            name: "schema", status: .problem,
            summary: "version \(version), but this paddock knows up to \(known): a newer paddock wrote it; use that one", details: [])
    }

    /// The feed that ships with paddock: found, turned off, or missing (every catalogue
    /// command warns of it too).
    private func builtinFeed() -> Check {
        let config: PaddockConfig
        do { config = try PaddockConfig.load(from: context.paths.configFile) } catch {
            return Check(name: "built-in feed", status: .problem, summary: "\(error)", details: [])
        }
        let location = BuiltinFeedLocator.locate(environment: context.environment)
        if let problem = location.problem(config: config, configFile: context.paths.configFile) {
            return Check(name: "built-in feed", status: .problem, summary: problem, details: [])
        }
        guard config.builtinFeedEnabled, !location.turnedOff else {
            return Check(name: "built-in feed", status: .ok, summary: "turned off", details: [])
        }
        return Check(name: "built-in feed", status: .ok, summary: config.builtinFeedPath ?? location.path ?? "", details: [])
    }

    /// The feed index can always be rebuilt from the feeds, so damage there is repaired by removing
    /// it and building it again from the registrations (`feeds.json`) and the cached copies.
    private func catalogue() -> Check {
        let path = context.paths.catalogDatabase.path
        guard FileManager.default.fileExists(atPath: path) else {
            return Check(name: "index database", status: .ok, summary: "not built yet", details: [])
        }
        let findings: [String]
        do {
            findings = try SQLiteDatabase(path: path, readOnly: true).query("PRAGMA integrity_check").compactMap { $0.first?.textValue }
        } catch {
            findings = ["\(error)"]
        }
        if findings == ["ok"] { return Check(name: "index database", status: .ok, summary: "integrity_check ok", details: []) }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return IndexRebuild.check(context: context, findings: Array(findings.prefix(10)))
    }

    private func receipts(_ state: StateStore) throws -> Check {
        var problems: [String] = []
        var count = 0
        let apps = Dictionary(try state.apps().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (productId, app, receipt) in try state.allReceipts() {
            count += 1
            let fix = "run: paddock uninstall \(productId)\(app.isEmpty ? "" : " --app \(app)") and install it again"
            if receipt.kind.isPath {
                if !FileManager.default.fileExists(atPath: receipt.path) { problems.append("\(productId): \(receipt.path) is missing; \(fix)") }
                continue
            }
            guard let kind = context.kinds.kind(named: receipt.kind.rawValue) else {
                problems.append("\(productId): a package of the kind '\(receipt.kind.rawValue)', which this paddock does not carry out, so it cannot check it")
                continue
            }
            let record = app.isEmpty ? nil : apps[app]
            if !app.isEmpty && record == nil {
                problems.append("\(productId): its app '\(app)' is not recorded; \(fix)")
                continue
            }
            if let missing = kind.missing(receipt, productId: productId, app: record, context: context) {
                problems.append("\(productId): \(missing); \(fix)")
            }
        }
        if problems.isEmpty { return Check(name: "receipts", status: .ok, summary: "\(count) checked, all present", details: []) }
        return Check(name: "receipts", status: .problem, summary: "\(problems.count) of \(count) missing", details: problems)
    }

    /// `PATH.paddock-backup-N` left when a paddock died after its commit and before dropping
    /// them (transaction N is no longer open, so nothing will restore them).
    private func backups(_ state: StateStore) throws -> Check {
        let open = try state.openTransactionIds()
        var folders: Set<String> = [context.paths.data.appendingPathComponent("programs").path]
        for (_, _, receipt) in try state.allReceipts() where receipt.kind.isPath {
            folders.insert((receipt.path as NSString).deletingLastPathComponent)
        }
        for app in try state.apps() {
            folders.insert((app.path as NSString).deletingLastPathComponent)
            folders.insert((app.stateDirectory as NSString).deletingLastPathComponent)
        }
        var removed: [String] = []
        for folder in folders.sorted() {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                guard let range = entry.range(of: ".paddock-backup-", options: .backwards), let id = Int64(entry[range.upperBound...]),
                    !open.contains(id)
                else { continue }
                let path = (folder as NSString).appendingPathComponent(entry)
                if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
            }
        }
        if removed.isEmpty { return Check(name: "backups", status: .ok, summary: "none left over", details: []) }
        return Check(name: "backups", status: .repaired, summary: "removed \(removed.count) left by a finished transaction", details: removed)
    }

    private func apps(_ state: StateStore) throws -> Check {
        var repaired: [String] = []
        var problems: [String] = []
        let records = try state.apps()
        for record in records {
            let layout = record.layout
            if !FileManager.default.fileExists(atPath: record.path) {
                problems.append("\(record.name): its folder \(record.path) is gone; run: paddock uninstall \(record.template) --app \(record.name)")
            }
            let pidText = try? String(contentsOf: layout.supervisorPid, encoding: .utf8)
            let pid = pidText.flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            let alive = pid.map { Self.isSupervisor($0) } ?? false
            if pidText != nil && !alive {
                try? FileManager.default.removeItem(at: layout.supervisorPid)
                repaired.append("\(record.name): removed a stale pid file (pid \(pid.map(String.init) ?? "?") is not its supervisor)")
            }
            if !alive, let status = SupervisorStatus.read(layout.statusFile) {
                try? FileManager.default.removeItem(at: layout.statusFile)
                repaired.append("\(record.name): removed a stale status file (said \(status.state.rawValue))")
                if let engine = status.enginePid, Spawn.isAlive(engine) {
                    problems.append("\(record.name): its engine (pid \(engine)) runs without a supervisor; stop it: kill \(engine), then paddock launch \(record.name)")
                }
            }
        }
        if !problems.isEmpty { return Check(name: "apps", status: .problem, summary: "\(problems.count) to fix", details: problems + repaired) }
        if !repaired.isEmpty { return Check(name: "apps", status: .repaired, summary: "\(repaired.count) stale files removed", details: repaired) }
        return Check(name: "apps", status: .ok, summary: "\(records.count) checked", details: [])
    }

    /// A pid that is alive and is a paddock supervisor (not a reused pid).
    static func isSupervisor(_ pid: pid_t) -> Bool {
        guard Spawn.isAlive(pid) else { return false }
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return true }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return arguments.contains("supervise")
    }

    private func downloads() -> Check {
        let cache = context.paths.downloadCache
        let files = FileManager.default
        var removed: [String] = []
        var count = 0
        let sha256 = cache.appendingPathComponent("sha256")
        for name in (try? files.contentsOfDirectory(atPath: sha256.path)) ?? [] {
            let file = sha256.appendingPathComponent(name)
            count += 1
            let actual = try? Hashing.sha256(ofFile: file)
            if actual != name.lowercased() {
                try? files.removeItem(at: file)
                removed.append("\(file.path): its content hashes to \(actual ?? "nothing readable")")
            }
        }
        // sha1/<hex> are links into sha256/: dangling ones go.
        let sha1 = cache.appendingPathComponent("sha1")
        for name in (try? files.contentsOfDirectory(atPath: sha1.path)) ?? [] {
            let link = sha1.appendingPathComponent(name)
            if !files.fileExists(atPath: link.path) {
                try? files.removeItem(at: link)
                removed.append("\(link.path): a link to a removed file")
            }
        }
        // Scratch folders of installs, named PID-UUID: a dead paddock's are garbage.
        let scratch = context.paths.cache.appendingPathComponent("tmp")
        for name in (try? files.contentsOfDirectory(atPath: scratch.path)) ?? [] {
            guard let dash = name.firstIndex(of: "-"), let pid = pid_t(name[..<dash]), !Spawn.isAlive(pid) else { continue }
            try? files.removeItem(at: scratch.appendingPathComponent(name))
            removed.append("\(scratch.appendingPathComponent(name).path): a temporary folder of a dead paddock (pid \(pid))")
        }
        if removed.isEmpty { return Check(name: "downloads", status: .ok, summary: "\(count) cached files match their hashes", details: []) }
        return Check(name: "downloads", status: .repaired, summary: "removed \(removed.count)", details: removed)
    }
}
