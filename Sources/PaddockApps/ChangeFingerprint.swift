import Foundation
import PaddockBasics

#if canImport(Glibc)
    import Glibc
#endif

/// A fingerprint of an app's files, to know whether they changed since the last successful
/// deploy (Helicon Zoo re-ran deploy.py after every restart; paddock runs it only when needed).
/// FNV-1a over paths and contents: a change detector, not a security check.
public enum ChangeFingerprint {
    /// Names that are never an app's code, whatever its engine: version control folders. An
    /// engine adds its own (its environment, caches, compiled files) as shell patterns.
    public static let alwaysIgnored: [String] = [".git", ".hg", ".svn"]

    /// `ignoring`: paths relative to the app folder (the manifest's static folder);
    /// `ignoredNames`: file or folder names, as shell patterns, skipped wherever they are.
    public static func compute(_ root: URL, ignoring extra: [String] = [], ignoredNames: [String] = []) -> String {
        let names = alwaysIgnored + ignoredNames
        let ignoredPaths = Set(extra.map { root.appendingPathComponent($0).standardizedFileURL.path })
        var files: [String] = []
        var visited: Set<FileIdentity> = []
        if let identity = FileIdentity(root.path) { visited.insert(identity) }
        collect(root.standardizedFileURL, into: &files, ignoredPaths: ignoredPaths, ignoredNames: names, visited: &visited)
        var hash = FNV1a()
        func mix(_ bytes: some Sequence<UInt8>) { hash.mix(bytes) }
        let base = root.standardizedFileURL.path
        for file in files.sorted() {
            mix(file.dropFirst(base.count).utf8)
            mix([0])
            if let data = FileManager.default.contents(atPath: file) { mix(data) }
            mix([0])
        }
        return hash.hex
    }

    /// A directory as the kernel knows it (device and inode), whatever path reaches it.
    private struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
        init?(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Symbolic links are followed, but each directory is read once: links that lead back up
    /// the tree (`a -> ..`) otherwise made the walk grow exponentially until ELOOP. Entries in
    /// name order, so which path reaches a directory first does not depend on readdir.
    private static func collect(
        _ directory: URL, into files: inout [String], ignoredPaths: Set<String>, ignoredNames: [String], visited: inout Set<FileIdentity>
    ) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in entries.sorted() where !ignoredNames.contains(where: { fnmatch($0, name, 0) == 0 }) {
            let url = directory.appendingPathComponent(name)
            if ignoredPaths.contains(url.path) { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                guard let identity = FileIdentity(url.path), visited.insert(identity).inserted else { continue }
                collect(url, into: &files, ignoredPaths: ignoredPaths, ignoredNames: ignoredNames, visited: &visited)
            } else {
                files.append(url.path)
            }
        }
    }
}
