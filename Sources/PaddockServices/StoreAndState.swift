import Foundation
import PaddockApps
import PaddockBasics
import PaddockState
import PaddockStore

extension ServiceContext {
    /// Opens the feed store (the catalogue), saying once when the built-in feed is missing:
    /// without it, "no loaded feed defines blank-django" would be the only sign that paddock
    /// has lost its own feed.
    public func openStore() throws -> FeedStore {
        let config = try PaddockConfig.load(from: paths.configFile)
        let builtin = BuiltinFeedLocator.locate(environment: environment)
        if let problem = builtin.problem(config: config, configFile: paths.configFile) { emit(.warning(problem)) }
        return try FeedStore(paths: paths, config: config, builtinFeedPath: builtin.path)
    }

    /// Opens the state database, first rolling back what a paddock that died mid-transaction
    /// left (one warning). Every service that reads or writes installed state goes through here.
    public func openState() throws -> StateStore {
        let state = try StateStore(directory: paths.state, ownedRoots: paths.ownedRoots, programs: paths.programs)
        try recoverIfAbandoned(state)
        return state
    }

    /// Rolls back transactions left open by a dead paddock. The lock is tried without waiting
    /// and held only for the rollback: when a live paddock holds it, its transaction is its
    /// own and nothing is touched.
    public func recoverIfAbandoned(_ state: StateStore) throws {
        guard try !state.unfinishedTransactions().isEmpty else { return }
        guard let lock = try? StateLock(path: state.lockPath, wait: false) else { return }
        try withExtendedLifetime(lock) { try recoverUnfinished(state: state, context: self) }
    }
}

/// Finds the feed that ships with paddock: `PADDOCK_BUILTIN_FEED` (`off` for none), an
/// installed copy beside the binary (`../share/paddock/Feeds`, as the package puts it), or the
/// `Feeds/` folder of the checkout it was built in.
public enum BuiltinFeedLocator {
    public static let fileName = "paddock.xml"

    /// Where the feed is (nil when nowhere), and where it was looked for.
    public struct Location {
        public var path: String?
        /// Where it was looked for, in words.
        public var searched: String
        public var fromEnvironment = false
        public var turnedOff = false

        /// One line when the built-in feed should be loaded and cannot be: where paddock looked
        /// and what points it elsewhere; nil when it is found or turned off.
        public func problem(config: PaddockConfig, configFile: URL) -> String? {
            guard config.builtinFeedEnabled, !turnedOff else { return nil }
            if let configured = config.builtinFeedPath {
                if FileManager.default.fileExists(atPath: configured) { return nil }
                return "the built-in feed is not at '\(configured)' (builtin-feed-path in \(configFile.path)): fix that path, or set builtin-feed = false there"
            }
            if let path, FileManager.default.fileExists(atPath: path) { return nil }
            if fromEnvironment, let path {
                return "the built-in feed is not at '\(path)' (PADDOCK_BUILTIN_FEED): fix that variable, or set it to 'off'"
            }
            return "the built-in feed was not found (looked for \(searched)): reinstall paddock, or point PADDOCK_BUILTIN_FEED or builtin-feed-path in \(configFile.path) at a paddock.xml"
        }
    }

    public static func locate(environment: [String: String]) -> Location {
        if let path = environment["PADDOCK_BUILTIN_FEED"], !path.isEmpty {
            if path == "off" { return Location(path: nil, searched: "", turnedOff: true) }
            return Location(path: path, searched: path, fromEnvironment: true)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? executable.path)
            .deletingLastPathComponent()
        let installed = directory.appendingPathComponent("../share/paddock/Feeds/\(fileName)").standardizedFileURL.path
        let searched = "\(installed), and Feeds/\(fileName) in \(directory.path) and the 5 folders above it"
        if FileManager.default.fileExists(atPath: installed) { return Location(path: installed, searched: searched) }
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("Feeds/\(fileName)").path
            if FileManager.default.fileExists(atPath: candidate) { return Location(path: candidate, searched: searched) }
            directory = directory.deletingLastPathComponent()
        }
        return Location(path: nil, searched: searched)
    }
}
