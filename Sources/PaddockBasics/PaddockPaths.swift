import Foundation
import PaddockBasics

/// Where paddock keeps things, following the XDG base directories. `PADDOCK_HOME` puts
/// everything under one folder instead (tests and CI use it).
public struct PaddockPaths: Sendable, Hashable {
    public var config: URL
    public var data: URL
    public var cache: URL
    public var state: URL

    public init(config: URL, data: URL, cache: URL, state: URL) {
        self.config = config
        self.data = data
        self.cache = cache
        self.state = state
    }

    /// Derived from an environment (passed in, so tests need not touch the process's own).
    public init(environment: [String: String]) {
        if let home = environment["PADDOCK_HOME"], !home.isEmpty {
            let root = URL(fileURLWithPath: home, isDirectory: true)
            self.init(
                config: root.appendingPathComponent("config"), data: root.appendingPathComponent("data"),
                cache: root.appendingPathComponent("cache"), state: root.appendingPathComponent("state"))
            return
        }
        let userHome = URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory(), isDirectory: true)
        func base(_ variable: String, _ fallback: String) -> URL {
            // XDG says a relative path in these variables is invalid and must be ignored.
            if let value = environment[variable], value.hasPrefix("/") {
                return URL(fileURLWithPath: value, isDirectory: true).appendingPathComponent("paddock")
            }
            return userHome.appendingPathComponent(fallback).appendingPathComponent("paddock")
        }
        self.init(
            config: base("XDG_CONFIG_HOME", ".config"), data: base("XDG_DATA_HOME", ".local/share"),
            cache: base("XDG_CACHE_HOME", ".cache"), state: base("XDG_STATE_HOME", ".local/state"))
    }

    public var configFile: URL { config.appendingPathComponent("config.toml") }
    public var catalogDatabase: URL { data.appendingPathComponent("catalog.sqlite") }
    /// The feeds the user added (names, sources, keys, rollback baselines): kept apart from the
    /// index, which can be rebuilt from them and the cached copies, and never deleted with it.
    public var feedRegistrations: URL { data.appendingPathComponent("feeds.json") }
    /// paddock's record of what it installed (`StateStore`'s file in `state`).
    public var stateDatabase: URL { state.appendingPathComponent("state.sqlite") }
    public var feedCache: URL { data.appendingPathComponent("feeds", isDirectory: true) }
    public var downloadCache: URL { cache.appendingPathComponent("downloads", isDirectory: true) }
    /// Where archive products are unpacked, each in a folder of its own.
    public var programs: URL { data.appendingPathComponent("programs", isDirectory: true) }
    /// The folders that are paddock's own: what it creates, replaces or removes lies under one
    /// of them, or is an app's own folder.
    public var ownedRoots: [URL] { [data, cache, state] }

    public func createDirectories() throws {
        for directory in [config, data, cache, state, feedCache] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
    }
}
