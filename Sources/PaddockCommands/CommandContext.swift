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
        self.output = Output(json: options.json, verbose: options.verbose, quiet: options.quiet, color: options.color, environment: environment)
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
            downloads = output.quiet ? SilentDownloadDelegate() : TerminalProgressDelegate()
        case (true, true):
            events = JSONLinesDelegate()
            downloads = JSONLinesDownloadDelegate()
        case (true, false):
            events = QuietEvents(output: output)
            downloads = SilentDownloadDelegate()
        }
        // Every line the steps' programs print reaches the events as it comes: a terminal shows
        // the last one on the step's live line (all of them with -v), --json streams them.
        let runner = ProcessRunner(lines: { [events] program, line in events.handle(.output(step: program, line: String(line))) })
        return ServiceContext(
            environment: environment, paths: paths, events: events, prompter: TerminalPrompter(), runner: runner,
            kinds: try InstallerKinds.load(paths: paths), downloads: downloads, json: output.json)
    }

    func openStore() throws -> FeedStore { try services().openStore() }

    func openState() throws -> StateStore { try services().openState() }
}

/// Runs a command body, turning known errors into one line on stderr and a meaningful exit code.
func runReportingErrors(_ context: CommandContext, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as any PaddockError {
        // Every error the user can act on says so itself: its line and its kind of failure.
        // A Declined prompt says nothing more: the person already answered.
        if !error.userMessage.isEmpty { context.output.error(error.userMessage) }
        throw ExitCode(error.exitStatus.rawValue)
    } catch let error as ExitCode {
        throw error
    } catch let error as SQLiteError {
        // Each database names itself in its errors; the advice differs by database and needs
        // paddock's folders (DatabaseFailure.swift).
        context.output.error(DatabaseFailure.message(error, paths: context.paths))
        throw ExitCode(ExitStatus.ioError.rawValue)
    } catch {
        // A full disk, a folder paddock may not write, a file system gone read-only: the
        // machine's doing, not a bug of paddock's, and said as such.
        if let problem = FileSystemProblem(error) {
            context.output.error(problem.description)
            throw ExitCode(ExitStatus.ioError.rawValue)
        }
        context.output.error("internal error: \(error); please report it")
        throw ExitCode(ExitStatus.software.rawValue)
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
