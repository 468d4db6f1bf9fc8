import Foundation
import PaddockBasics

/// Something paddock left on disk that shows it installed things (`StateStore.footprints`).
public struct StateFootprint: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable { case program = "program folder", app = "app folder", installLog = "install log" }
    public var kind: Kind
    public var path: String
    public init(kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }
    public var description: String { "\(kind.rawValue) \(path)" }
}

/// The state database cannot be trusted to say what is installed.
public enum StateDatabaseError: Error, CustomStringConvertible, Sendable {
    /// `state.sqlite` is missing, empty or without its tables, but paddock's folders hold what
    /// it installed: the record of it is lost. Nothing is created over it.
    case lost(path: String, condition: String, found: [StateFootprint])

    public var description: String {
        switch self {
        case .lost(let path, let condition, let found):
            let shown = found.prefix(3).map(\.description).joined(separator: ", ") + (found.count > 3 ? " and \(found.count - 3) more" : "")
            return "the state database '\(path)' \(condition), but paddock's folders show that it installed things (\(shown)): "
                + "paddock no longer knows what is installed, so it changes nothing. Run 'paddock doctor' to see what it found; "
                + "restore state.sqlite from a backup, or, to start afresh, move what it names aside"
        }
    }
}

extension StateDatabaseError: PaddockError {
    public var exitStatus: ExitStatus { .ioError }
}
