import Foundation

/// A fingerprint of an app's files, to know whether they changed since the last successful
/// deploy (Helicon Zoo re-ran deploy.py after every restart; paddock runs it only when needed).
/// FNV-1a over paths and contents: a change detector, not a security check.
public enum ChangeFingerprint {
    /// Folders that are not the app's code: its environment, caches, collected static files.
    public static let ignoredNames: Set<String> = [".venv", "__pycache__", ".git", "node_modules", ".pytest_cache", ".mypy_cache"]

    public static func compute(_ root: URL, ignoring extra: [String] = []) -> String {
        let ignoredPaths = Set(extra.map { root.appendingPathComponent($0).standardizedFileURL.path })
        var files: [String] = []
        collect(root.standardizedFileURL, into: &files, ignoredPaths: ignoredPaths)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }
        let base = root.standardizedFileURL.path
        for file in files.sorted() {
            mix(file.dropFirst(base.count).utf8)
            mix([0])
            if let data = FileManager.default.contents(atPath: file) { mix(data) }
            mix([0])
        }
        return String(hash, radix: 16)
    }

    private static func collect(_ directory: URL, into files: inout [String], ignoredPaths: Set<String>) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in entries where !ignoredNames.contains(name) && !name.hasSuffix(".pyc") {
            let url = directory.appendingPathComponent(name)
            if ignoredPaths.contains(url.path) { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                collect(url, into: &files, ignoredPaths: ignoredPaths)
            } else {
                files.append(url.path)
            }
        }
    }
}
