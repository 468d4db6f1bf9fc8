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
import PaddockServices
import PaddockStore

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a command needs from the outside world, made once per run: the terminal's side
/// (output, colours) and the services' context built on it.
struct CommandContext {
    let environment: [String: String]
    let paths: PaddockPaths
    let output: Output

    init(options: GlobalOptions, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        self.paths = PaddockPaths(environment: environment)
        self.output = Output(json: options.json, verbose: options.verbose, environment: environment)
    }

    /// The services' context: events shown on the terminal (or as JSON lines when
    /// `jsonEvents`), questions asked on it, download progress as a bar, the installer kinds
    /// (built in and defined as data under the config folder).
    func services(jsonEvents: Bool = false) throws -> ServiceContext {
        let events: any ServiceDelegate
        let downloads: any DownloadDelegate
        switch (output.json, jsonEvents) {
        case (false, _):
            events = TerminalEvents(output: output)
            downloads = TerminalProgressDelegate()
        case (true, true):
            events = JSONLinesDelegate()
            downloads = JSONLinesDownloadDelegate()
        case (true, false):
            events = QuietEvents(output: output)
            downloads = SilentDownloadDelegate()
        }
        return ServiceContext(
            environment: environment, paths: paths, events: events, prompter: TerminalPrompter(), kinds: try InstallerKinds.load(paths: paths),
            downloads: downloads, json: output.json)
    }

    func openStore() throws -> FeedStore { try services().openStore() }

    func openState() throws -> StateStore { try services().openState() }
}

/// Runs a command body, turning known errors into one line on stderr and a meaningful exit code.
func runReportingErrors(_ context: CommandContext, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as any PaddockError {
        // A Declined prompt says nothing more: the person already answered.
        if !error.description.isEmpty { context.output.error(error.description) }
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

/// A refusal of the command layer's own (options that do not fit together): a ServiceError
/// made from an exit code, as the commands wrote them before the services had kinds of failure.
typealias CommandError = ServiceError

extension ServiceError {
    init(message: String, exitCode: Int32) {
        self.init(message, ExitStatus(rawValue: exitCode) ?? .software)
    }
}
