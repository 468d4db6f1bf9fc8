/// paddock's version constraint (`pd:version`): comma-separated clauses that must all hold,
/// such as `>=3.10`, `>=5.2,<6`, `==5.2.*`, `~=3.1`, `!=1.0`. A bare version means `==`.
///
/// Comparison is plain version order: `>=5.2` excludes `5.2rc1` because `5.2rc1 < 5.2`.
public struct VersionConstraint: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case greaterOrEqual = ">=", lessOrEqual = "<=", greater = ">", less = "<"
        case equal = "==", notEqual = "!=", compatible = "~="
    }

    public struct Clause: Sendable, Hashable, CustomStringConvertible {
        public let op: Operator
        public let version: Version
        /// `==5.2.*` / `!=5.2.*`: compare only the release prefix.
        public let isWildcard: Bool

        public func isSatisfied(by candidate: Version) -> Bool {
            switch op {
            case .greaterOrEqual: return candidate >= version
            case .lessOrEqual: return candidate <= version
            case .greater: return candidate > version
            case .less: return candidate < version
            case .equal: return isWildcard ? candidate.releaseStarts(with: version.release) : candidate == version
            case .notEqual: return isWildcard ? !candidate.releaseStarts(with: version.release) : candidate != version
            case .compatible:
                // `~=3.1.2` means `>=3.1.2, ==3.1.*`: every release part but the last must match.
                return candidate >= version && candidate.releaseStarts(with: Array(version.release.dropLast()))
            }
        }

        public var description: String { "\(op.rawValue) \(version.text)\(isWildcard ? ".*" : "")" }
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let constraint: String
        public let reason: String
        public init(constraint: String, reason: String) {
            self.constraint = constraint
            self.reason = reason
        }
        public var description: String { "invalid version constraint \"\(constraint)\": \(reason)" }
    }

    public let clauses: [Clause]
    public let text: String

    public init(parsing text: String) throws(ParseError) {
        self.text = text
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        if pieces.allSatisfy(\.isEmpty) { throw ParseError(constraint: text, reason: "it is empty") }
        var parsed: [Clause] = []
        for piece in pieces { parsed.append(try VersionConstraint.parseClause(piece, in: text)) }
        clauses = parsed
    }

    private static func parseClause(_ piece: String, in text: String) throws(ParseError) -> Clause {
        if piece.isEmpty { throw ParseError(constraint: text, reason: "it has an empty clause between commas") }
        // Longest operators first, so `>=` is not read as `>` followed by `=3`.
        let ordered: [Operator] = [.greaterOrEqual, .lessOrEqual, .equal, .notEqual, .compatible, .greater, .less]
        var op = Operator.equal
        var rest = Substring(piece)
        if let found = ordered.first(where: { piece.hasPrefix($0.rawValue) }) {
            op = found
            rest = rest.dropFirst(found.rawValue.count)
        } else if piece.hasPrefix("=>") || piece.hasPrefix("=<") || (piece.hasPrefix("=") && !piece.hasPrefix("==")) {
            let written = piece.prefix { "<>=!~".contains($0) }
            throw ParseError(constraint: text, reason: "unknown operator \"\(written)\" (use >=, <=, >, <, ==, !=, ~=)")
        } else if let first = piece.first, "<>=!~".contains(first) {
            let written = piece.prefix { "<>=!~".contains($0) }
            throw ParseError(constraint: text, reason: "unknown operator \"\(written)\" (use >=, <=, >, <, ==, !=, ~=)")
        }
        var versionText = String(rest).trimmingWhitespace()
        if versionText.isEmpty {
            throw ParseError(constraint: text, reason: "\"\(op.rawValue)\" is not followed by a version")
        }
        var isWildcard = false
        if versionText.hasSuffix(".*") {
            guard op == .equal || op == .notEqual else {
                throw ParseError(constraint: text, reason: "a wildcard \".*\" only goes with == or !=, not \(op.rawValue)")
            }
            isWildcard = true
            versionText.removeLast(2)
        }
        if versionText.contains("*") {
            throw ParseError(constraint: text, reason: "\"*\" may only end a version, as in ==5.2.*")
        }
        let version: Version
        do {
            version = try Version(parsing: versionText)
        } catch {
            throw ParseError(constraint: text, reason: error.description)
        }
        if op == .compatible, versionText.split(separator: ".").count < 2 {
            throw ParseError(constraint: text, reason: "~= needs at least two release numbers, as in ~=3.1")
        }
        return Clause(op: op, version: version, isWildcard: isWildcard)
    }

    public func isSatisfied(by version: Version) -> Bool { clauses.allSatisfy { $0.isSatisfied(by: version) } }

    /// Whether a version written as text satisfies the constraint; text that is not a version never does.
    public func isSatisfied(byText versionText: String?) -> Bool {
        guard let versionText, let version = Version(versionText) else { return false }
        return isSatisfied(by: version)
    }

    /// For messages: `>= 5.2, < 6`.
    public var description: String { clauses.map(\.description).joined(separator: ", ") }
}
