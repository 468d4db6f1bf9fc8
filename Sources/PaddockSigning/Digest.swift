import Crypto
import Foundation

/// SHA-256 in lower-case hex, for a signed parent feed's snapshot of its children
/// (`paddock:sha256` on `<link rel="enclosure">`, docs/signing-and-offline.md).
public enum Digest {
    public static func sha256Hex(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The file's digest, read 1 MB at a time; nil when it cannot be read.
    public static func sha256Hex(file path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            // nil or empty at the end of the file (Foundation on Linux gives nil); a read error throws.
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch { return nil }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
