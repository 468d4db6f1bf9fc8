import Foundation
import PaddockSigning
import Testing

/// The snapshot digests: a file's SHA-256 read in pieces must equal the digest of its bytes,
/// for an empty file and one past the 1 MB piece (Foundation on Linux ends a read with nil).
@Suite("SHA-256 of bytes and files")
struct DigestTests {
    @Test("known digests; a file of 0 bytes and of 2.5 MB read in pieces gives the same as its bytes")
    func digests() throws {
        #expect(Digest.sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("paddock-digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty")
        try Data().write(to: empty)
        #expect(Digest.sha256Hex(file: empty.path) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let large = Data((0..<2_621_440).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let file = folder.appendingPathComponent("large")
        try large.write(to: file)
        #expect(Digest.sha256Hex(file: file.path) == Digest.sha256Hex(large))
        #expect(Digest.sha256Hex(file: folder.appendingPathComponent("missing").path) == nil)
    }
}
