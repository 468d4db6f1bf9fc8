import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockState
import PaddockXML

/// `paddock config`: the app's settings are its environment file (docs/cli.md); a change is
/// made under the state lock, checked as parameters are, and written atomically. The running
/// engine keeps the environment it started with until `paddock restart`, which then stops and
/// starts it (a reload would keep the old environment) and says so.
extension AppService {
    public struct Setting: Encodable, Sendable, Equatable {
        public var name: String
        /// The value; for a secret, `********` (its length is not shown either).
        public var value: String
        public var secret: Bool
        public init(name: String, value: String, secret: Bool) {
            self.name = name
            self.value = value
            self.secret = secret
        }
    }

    public struct ConfigListing: Encodable, Sendable {
        public var app: String
        public var engine: String
        public var settings: [Setting]
        /// The settings changed since the running engine started: `paddock restart` applies them.
        public var pendingRestart: Bool
    }

    public struct ConfigChange: Sendable, Equatable {
        public var set: [String]
        public var unset: [String]
        /// Running: the change takes effect at the next restart.
        public var running: Bool
        public init(set: [String], unset: [String], running: Bool) {
            self.set = set
            self.unset = unset
            self.running = running
        }
    }

    /// A setting whose value the listing hides: a name with SECRET, PASSWORD, PASSWD, TOKEN,
    /// PRIVATE or a KEY part (SECRET_KEY, API_KEY) in it.
    public static func isSecret(_ name: String) -> Bool {
        let parts = name.uppercased().split(separator: "_")
        return parts.contains { ["SECRET", "PASSWORD", "PASSWD", "TOKEN", "PRIVATE", "KEY", "CREDENTIALS"].contains(String($0)) }
            || name.uppercased().contains("PASSWORD") || name.uppercased().contains("SECRET")
    }

    public static let masked = "********"

    /// A value as the listing shows it: a secret masked whole; a URL's password
    /// (`DATABASE_URL=postgres://user:PASSWORD@host/db`) masked where it stands.
    public static func shown(_ name: String, _ value: String) -> String {
        if isSecret(name) { return masked }
        guard let scheme = value.range(of: "://"), let at = value[scheme.upperBound...].firstIndex(of: "@"),
            let colon = value[scheme.upperBound..<at].firstIndex(of: ":")
        else { return value }
        return String(value[...colon]) + masked + String(value[at...])
    }

    public func config(_ name: String) throws -> ConfigListing {
        let loaded = try load(name)
        let values = EnvironmentFile.read(loaded.layout.environmentFile)
        // The engine's choice is shown as the engine, not as a setting.
        let settings = values.keys.sorted().filter { $0 != Self.engineSetting }.map { key in
            Setting(name: key, value: Self.shown(key, values[key] ?? ""), secret: Self.isSecret(key))
        }
        return ConfigListing(
            app: name, engine: loaded.engine?.name ?? loaded.manifest.engineName, settings: settings,
            pendingRestart: loaded.supervisorPid != nil && settingsChangedSinceLaunch(loaded))
    }

    /// Sets and unsets settings under the state lock; nothing is written when any is refused.
    /// `engine` is not a variable: it chooses the app's engine among those of its manifest's
    /// engine's runtime, kept as `PADDOCK_ENGINE` in its environment file (removed when it is
    /// the manifest's own). `paddock restart` then stops the app and starts it on that engine.
    public func changeConfig(_ name: String, set assignments: [(name: String, value: String)], unset: [String]) throws -> ConfigChange {
        var variables: [(String, String)] = []
        var engineChoice: String??
        for (key, value) in assignments {
            if key == "engine" || key == Self.engineSetting {
                engineChoice = .some(try checkEngineChoice(name, value))
                continue
            }
            if let problem = EnvironmentFile.problem(key: key, value: value) { throw ServiceError("\(key): \(problem)", .usage) }
            variables.append((key, value))
        }
        var unset = unset
        if let index = unset.firstIndex(where: { $0 == "engine" || $0 == Self.engineSetting }) {
            unset.remove(at: index)
            engineChoice = .some(nil)
        }
        for key in unset where !EnvironmentFile.isValidName(key) {
            throw ServiceError("--unset \(key): not a setting name (letters, digits and '_', not starting with a digit)", .usage)
        }
        if let both = Set(variables.map(\.0)).intersection(unset).sorted().first {
            throw ServiceError("'\(both)' is both set and unset; say one", .usage)
        }
        let events = context.events
        let lock = try StateLock(path: state.lockPath, wait: true) { holder in events.handle(.waitingForLock(holder: holder)) }
        defer { withExtendedLifetime(lock) {} }
        try recoverUnfinished(state: state, context: context)
        let loaded = try load(name)
        var values = EnvironmentFile.read(loaded.layout.environmentFile)
        let missing = unset.filter { values[$0] == nil }
        if !missing.isEmpty {
            throw ServiceError(
                "'\(name)' has no setting \(missing.map { "'\($0)'" }.joined(separator: ", ")); see 'paddock config \(name)'", .usage)
        }
        for (key, value) in variables { values[key] = value }
        for key in unset { values[key] = nil }
        var changedEngine = false
        if let choice = engineChoice {
            changedEngine = values[Self.engineSetting] != choice
            values[Self.engineSetting] = choice
            if changedEngine {
                variables.append(("engine", try choice ?? AppManifestReader.read(path: loaded.layout.manifest.path).engineName))
            }
        }
        if !variables.isEmpty || !unset.isEmpty || changedEngine {
            do {
                try EnvironmentFile.write(values, to: loaded.layout.environmentFile)
            } catch let failure as EnvironmentFile.Failure {
                throw ServiceError(failure.message, .ioError)
            }
        }
        return ConfigChange(set: variables.map(\.0), unset: unset, running: loaded.supervisorPid != nil)
    }

    /// The engine's own name when the app may run on it, nil when it is the manifest's own
    /// (nothing to keep); refused, naming the engines that may, when its runtime is another.
    private func checkEngineChoice(_ name: String, _ wanted: String) throws -> String? {
        let loaded = try load(name)
        let manifestEngine = try AppManifestReader.read(path: loaded.layout.manifest.path).engineName
        return try Self.engineChoice(wanted, manifestEngine: manifestEngine, engines: engines, app: name, option: "engine=\(wanted)")
    }

    /// Checks a choice of engine against the engine a manifest names: the same runtime
    /// (python3), or refused naming the engines of that runtime. The chosen engine's name, or
    /// nil when it is the manifest's own.
    public static func engineChoice(_ wanted: String, manifestEngine: String, engines: EngineCatalog, app: String, option: String) throws -> String? {
        guard let own = engines.engine(named: manifestEngine) else {
            throw ServiceError("\(option): the engine '\(manifestEngine)' that the manifest of '\(app)' names is not defined; see 'paddock engines'", .dataError)
        }
        let fitting = engines.sorted.filter { $0.runtime == own.runtime }.map(\.name)
        guard let engine = engines.engine(named: wanted) else {
            throw ServiceError(
                "\(option): no such engine; '\(app)' can run on \(fitting.joined(separator: ", ")) (runtime \(own.runtime)); see 'paddock engines'", .usage)
        }
        guard engine.runtime == own.runtime else {
            throw ServiceError(
                "\(option): '\(engine.name)' runs \(engine.runtime) apps and '\(app)' is a \(own.runtime) app; it can run on \(fitting.joined(separator: ", "))",
                .usage)
        }
        return engine.name == own.name ? nil : engine.name
    }

    // MARK: Settings the engine started with

    /// A digest of the environment file (FNV-1a, 64 bits: a change detector, not a secret).
    static func settingsDigest(_ layout: AppLayout) -> String {
        let bytes = (try? Data(contentsOf: layout.environmentFile)) ?? Data()
        var hash = FNV1a()
        hash.mix(bytes)
        return hash.hex
    }

    static func launchedSettingsFile(_ layout: AppLayout) -> URL { layout.run.appendingPathComponent("settings.launched") }

    /// Notes which settings the engine about to start gets (the supervisor calls it).
    func recordLaunchedSettings(_ app: LoadedApp) {
        try? app.layout.createStateFolders()
        try? Data(Self.settingsDigest(app.layout).utf8).write(to: Self.launchedSettingsFile(app.layout))
    }

    /// True when the environment file changed since the running engine started (false when
    /// that is not known: an app launched before paddock noted it).
    public func settingsChangedSinceLaunch(_ app: LoadedApp) -> Bool {
        guard let launched = try? String(contentsOf: Self.launchedSettingsFile(app.layout), encoding: .utf8) else { return false }
        return launched != Self.settingsDigest(app.layout)
    }
}
