/// Why a request cannot be resolved, in plain sentences derived from the actual conflict.
public struct ResolutionFailure: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The innermost cause, for callers that react differently (exit codes, hints).
    public enum Kind: String, Sendable, Hashable, Codable {
        case unknownProduct, unknownSet, noInstaller, noMatchingVersion, installedVersionMismatch
        case incompatible, cycle, noBranch, invalidConstraint, conflict
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
