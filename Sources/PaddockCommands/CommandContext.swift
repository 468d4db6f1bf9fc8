import PaddockSQLite
import ArgumentParser
import FeedModel
import PaddockXML
import Foundation
import PaddockBasics
import PaddockApps
import PaddockArchive
import PaddockDownload
import PaddockState
import PaddockSystem
import PaddockStore

#if canImport(Glibc)
import Glibc
#endif

/// Everything a command needs from the outside world, made once per run.
struct CommandContext {
    let environment: [String: String]
    let paths: PaddockPaths
    let output: Output

    init(options: GlobalOptions, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        self.paths = PaddockPaths(environment: environment)
        self.output = Output(json: options.json, verbose: options.verbose, environment: environment)
    }

    func openStore() throws -> FeedStore {
        let config = try PaddockConfig.load(from: paths.configFile)
        let builtin = BuiltinFeedLocator.locate(environment: environment)
        // Said on every command that reads the catalogue: without it, "no loaded feed defines
        // blank-django" would be the only sign that paddock has lost its own feed.
        if let problem = builtin.problem(config: config, configFile: paths.configFile) { output.warning(problem) }
        return try FeedStore(paths: paths, config: config, builtinFeedPath: builtin.path)
    }
}

extension CommandContext {
    var stateDirectory: URL { paths.state }

    /// Opens the state database, first rolling back what a paddock that died mid-transaction
    /// left (one warning line). Every command that reads or writes installed state goes
    /// through here.
    func openState() throws -> StateStore {
        let state = try StateStore(directory: paths.state, ownedRoots: paths.ownedRoots, programs: paths.programs)
        try recoverIfAbandoned(state)
        return state
    }

    /// Rolls back transactions left open by a dead paddock. The lock is tried without waiting
    /// and held only for the rollback: when a live paddock holds it, its transaction is its
    /// own and nothing is touched.
    func recoverIfAbandoned(_ state: StateStore) throws {
        guard try !state.unfinishedTransactions().isEmpty else { return }
        guard let lock = try? StateLock(path: state.lockPath, wait: false) else { return }
        defer { withExtendedLifetime(lock) {} }
        try recoverUnfinished(state: state, context: self)
    }
}

/// Finds the feed that ships with paddock: `PADDOCK_BUILTIN_FEED` (`off` for none), an
/// installed copy beside the binary (`../share/paddock/Feeds`, as the package puts it), or the
/// `Feeds/` folder of the checkout it was built in.
enum BuiltinFeedLocator {
    static let fileName = "paddock.xml"

    /// Where the feed is (nil when nowhere), and where it was looked for.
    struct Location {
        var path: String?
        /// Where it was looked for, in words.
        var searched: String
        var fromEnvironment = false
        var turnedOff = false

        /// One line when the built-in feed should be loaded and cannot be: where paddock looked
        /// and what points it elsewhere; nil when it is found or turned off.
        func problem(config: PaddockConfig, configFile: URL) -> String? {
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

    static func locate(environment: [String: String]) -> Location {
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

/// Runs a command body, turning known errors into one line on stderr and a meaningful exit code.
func runReportingErrors(_ context: CommandContext, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as any PaddockError {
        context.output.error(error.description)
        throw ExitCode(error.exitStatus.rawValue)
    } catch let error as StoreError {
        context.output.error(error.description)
        throw ExitCode(error.exitCode)
    } catch let error as DownloadError {
        context.output.error(error.description)  // A server misbehaving, or a file not as declared.
        if case .diskFull = error { throw ExitCode(74) }
        throw ExitCode(69)
    } catch let error as XMLSyntaxError {
        context.output.error(error.description)
        throw ExitCode(65)
    } catch let error as CommandError {
        context.output.error(error.message)
        throw ExitCode(error.exitCode)
    } catch let error as DeployFailure {
        // The app's own step failed: its log says why; status 1, as the hook's failure.
        context.output.error(error.description)
        throw ExitCode(1)
    } catch let error as CommandFailure {
        // A step of an install (apt, pip, a venv, a command installer) failed: the command and
        // its last line of output, on one line; the whole output is in the install log.
        let last = error.output.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let command = error.arguments.joined(separator: " ").escapingControlCharacters
        context.output.error(
            "'\(command)' exited with status \(error.status)\(last.map { ": \(String($0).escapingControlCharacters)" } ?? "")"
                + "; what the command had changed is undone (the whole output is in \(context.paths.state.path)/logs)")
        throw ExitCode(1)
    } catch let error as PathConfinement.Escape {
        // A path from a feed, a name or paddock's records that would leave its folder.
        context.output.error("refused: \(error)")
        throw ExitCode(65)
    } catch let error as JournalError {
        context.output.error(error.description)
        throw ExitCode(65)
    } catch let error as StateLock.Failure {
        context.output.error(error.description)
        throw ExitCode(75)  // EX_TEMPFAIL: try again later.
    } catch let error as ExitCode {
        throw error
    } catch let error as SQLiteError {
        // Each database names itself in its errors; the advice differs (DatabaseFailure.swift).
        context.output.error(DatabaseFailure.message(error, paths: context.paths))
        throw ExitCode(74)
    } catch let error as StateDatabaseError {
        context.output.error(error.description)
        throw ExitCode(74)
    } catch let error as ArchiveError {
        context.output.error(error.description.escapingControlCharacters)
        throw ExitCode(65)
    } catch let error as Spawn.Failure {
        context.output.error(error.message)
        throw ExitCode(69)
    } catch {
        // A full disk, a folder paddock may not write, a file system gone read-only: the
        // machine's doing, not a bug of paddock's, and said as such.
        if let problem = FileSystemProblem(error) {
            context.output.error(problem.description)
            throw ExitCode(74)
        }
        context.output.error("internal error: \(error); please report it")
        throw ExitCode(70)
    }
}

/// An error of the file system, from Foundation (CocoaError, NSError in the POSIX domain) or
/// SQLite (SQLITE_FULL), read as what it means for the user.
struct FileSystemProblem: CustomStringConvertible {
    var errno: Int32
    var path: String?

    init?(_ error: any Error) {
        guard let code = FileSystemErrno.of(error), [ENOSPC, EDQUOT, EACCES, EPERM, EROFS, EIO].contains(code) else { return nil }
        errno = code
        path = FileSystemErrno.path(of: error)
    }

    var description: String {
        let place = path.map { " (\($0.escapingControlCharacters))" } ?? ""
        switch errno {
        case ENOSPC, EDQUOT:
            return "the disk is full\(place); free some space and run the command again (what it had begun is undone)"
        case EROFS:
            return "the file system is read-only\(place); paddock cannot write there"
        case EACCES, EPERM:
            return "permission denied\(place); run paddock as the user who owns its folders, or point PADDOCK_HOME elsewhere"
        default:
            return "an input/output error\(place): \(String(cString: strerror(errno))); check the disk"
        }
    }
}

struct CommandError: Error {
    var message: String
    var exitCode: Int32
}
