/// What kind of failure an exit status says, as BSD's sysexits.h names them (and as apt,
/// Homebrew's scripts and argument-parser's `ValidationError` use them). One status per kind
/// of failure, so that a script can tell "you asked wrongly" from "try again later".
public enum ExitStatus: Int32, Sendable, Hashable, CaseIterable {
    /// The step of somebody else's program failed (pip, a deploy hook), or the user said no.
    case failure = 1
    /// The command was used wrongly: an unknown name, a missing option.
    case usage = 64
    /// Input is damaged or refused: a feed, an archive, a journal row, a hash.
    case dataError = 65
    /// A file the user named cannot be read.
    case noInput = 66
    /// A server, a program or a port paddock needs is not there or not answering.
    case unavailable = 69
    /// A bug of paddock's.
    case software = 70
    /// A folder paddock would create already exists.
    case cannotCreate = 73
    /// The disk: full, read-only, denied, broken.
    case ioError = 74
    /// Another paddock holds the lock, or something changed meanwhile: try again.
    case tryAgain = 75
    /// Root is needed.
    case noPermission = 77
    /// paddock's own settings (config.toml) cannot be read.
    case configuration = 78
}

/// An error that knows what it means for the user: one line to print (naming the file, line
/// or value and what to do), and the kind of failure its exit status says. Every error a
/// service throws for a reason the user can act on conforms; the command layer prints
/// `description` and exits with `exitStatus`, in one place.
public protocol PaddockError: Error, CustomStringConvertible, Sendable {
    var exitStatus: ExitStatus { get }
    /// The line the user sees (after "paddock: error: "); the description unless the error
    /// reads differently on its own (a refusal says "refused:", text from a file is escaped).
    var userMessage: String { get }
}

extension PaddockError {
    public var userMessage: String { description }
}

/// A refusal or failure that is only a message and its kind: what the services throw where no
/// error type of its own would tell the caller more.
public struct ServiceError: PaddockError, Hashable {
    public var message: String
    public var exitStatus: ExitStatus

    public init(_ message: String, _ exitStatus: ExitStatus) {
        self.message = message
        self.exitStatus = exitStatus
    }

    public var description: String { message }
}
