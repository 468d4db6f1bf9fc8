import FeedModel
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one check every path paddock did not choose itself goes through before anything is
/// created, moved or removed there: a destination or product id from a feed, an app name, a
/// parameter, a path read back from the state database or the journal. A feed that says
/// `destination="../../victim"` must not make paddock replace `victim`; a damaged journal row
/// must not make a rollback delete whatever its path names.
///
/// A path passes when, once `.` and `..` are taken lexically and every folder on the way that
/// exists is resolved through its symbolic links, it lies *strictly* under its root (the root
/// itself is never a target). The last component is not followed: removing or moving a
/// symbolic link acts on the link, not on what it points at.
public enum PathConfinement {
    /// A path that would leave its root, or could not be read as a path at all.
    public struct Escape: Error, Sendable, Hashable, CustomStringConvertible {
        /// What the path is, for the message ("the archive destination of 'foo'").
        public var what: String
        public var path: String
        public var root: String
        public var reason: String

        public init(what: String, path: String, root: String, reason: String) {
            self.what = what
            self.path = path
            self.root = root
            self.reason = reason
        }

        // The path may come from a hostile feed: its control characters are shown escaped.
        public var description: String { "\(what) '\(path.escapingControlCharacters)' \(reason) (it must stay inside \(root))" }
    }

    /// `relative` (a destination from a feed, a product id, an app name) placed under `root`.
    /// Refused: an absolute path, a NUL or other control character, `..` that climbs out,
    /// a path naming the root itself, and a folder on the way that is a link leading out.
    public static func resolve(_ relative: String, under root: URL, what: String) throws(Escape) -> URL {
        func refuse(_ reason: String) -> Escape { Escape(what: what, path: relative, root: root.path, reason: reason) }
        if relative.hasPrefix("/") { throw refuse("is an absolute path") }
        if relative.containsControlCharacter {
            throw refuse("contains a control character")
        }
        var components: [String] = []
        for component in relative.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                if components.isEmpty { throw refuse("climbs out of its folder with '..'") }
                components.removeLast()
            default: components.append(String(component))
            }
        }
        if components.isEmpty { throw refuse("names the folder itself, not something inside it") }
        let candidate = components.reduce(root.standardizedFileURL) { $0.appendingPathComponent($1) }
        try checkLinks(candidate.path, under: root, refuse: refuse)
        return candidate
    }

    /// An absolute `path` read back from paddock's own records (a receipt, a journal row),
    /// checked to lie strictly under one of `roots`. Returns the root it lies under.
    @discardableResult
    public static func check(_ path: String, under roots: [URL], what: String) throws(Escape) -> URL {
        let shown = roots.map(\.path).joined(separator: " or ")
        func refuse(_ reason: String) -> Escape { Escape(what: what, path: path, root: shown, reason: reason) }
        if let problem = problem(withRecorded: path) { throw refuse(problem) }
        var lastEscape: Escape?
        for root in roots {
            do throws(Escape) {
                guard isStrictlyInside(path, lexicallyUnder: root.standardizedFileURL.path) else {
                    throw refuse("lies outside")
                }
                try checkLinks(path, under: root, refuse: refuse)
                return root
            } catch {
                lastEscape = error
            }
        }
        throw lastEscape ?? refuse("lies outside")
    }

    /// Why `path` cannot be a path paddock recorded itself, or nil: recorded paths are written
    /// absolute and normalised, so one that is relative, holds `.` or `..`, or a control
    /// character, was not written by paddock.
    public static func problem(withRecorded path: String) -> String? {
        guard path.hasPrefix("/") else { return "is not an absolute path" }
        if path.containsControlCharacter { return "contains a control character" }
        if path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) { return "contains '.' or '..'" }
        return nil
    }

    /// Whether `path` lies strictly inside `root`, comparing whole components.
    public static func isStrictlyInside(_ path: String, lexicallyUnder root: String) -> Bool {
        let base = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(base) && path.count > base.count
    }

    /// The folders on the way to `path` (not `path` itself) resolved through their links must
    /// still lie under the root, resolved the same way.
    private static func checkLinks(_ path: String, under root: URL, refuse: (String) -> Escape) throws(Escape) {
        let parent = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let realRoot = resolvedExistingPrefix(root.standardizedFileURL.path)
        let realParent = resolvedExistingPrefix(parent)
        let real = realParent == "/" ? "/" + name : realParent + "/" + name
        guard isStrictlyInside(real, lexicallyUnder: realRoot) else {
            throw refuse("leads outside through a symbolic link (to \(realParent))")
        }
    }

    /// `path` with its longest existing prefix resolved by realpath(3) and the rest appended
    /// as written (what does not exist yet cannot be a link).
    static func resolvedExistingPrefix(_ path: String) -> String {
        var existing = path
        var rest: [String] = []
        while existing != "/" && !existing.isEmpty {
            if let real = realPath(existing) {
                return rest.reversed().reduce(real) { $0 == "/" ? "/" + $1 : $0 + "/" + $1 }
            }
            rest.append((existing as NSString).lastPathComponent)
            existing = (existing as NSString).deletingLastPathComponent
        }
        // Only "/" is left, and it always exists.
        let joined = rest.reversed().reduce("") { $0 + "/" + $1 }
        return joined.isEmpty ? "/" : joined
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// A path from a feed, a name or paddock's records that would leave its folder.
extension PathConfinement.Escape: PaddockError {
    public var exitStatus: ExitStatus { .dataError }
    public var userMessage: String { "refused: \(description)" }
}
