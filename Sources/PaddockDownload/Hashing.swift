import Crypto
import Foundation

/// The digests paddock checks downloads against.
public enum HashAlgorithm: String, Sendable, Codable, CaseIterable {
    case sha256, sha1
}

/// Streaming SHA-256 and SHA-1 (swift-crypto), as lowercase hex.
public enum Hashing {
    /// Hex digest of a file, read in 1 MiB chunks.
    public static func hex(ofFile url: URL, algorithm: HashAlgorithm) throws -> String {
        var digest = StreamingDigest(sha1: algorithm == .sha1)
        try digest.update(contentsOf: url)
        let result = digest.finalize()
        return algorithm == .sha1 ? result.sha1! : result.sha256
    }

    public static func sha256(ofFile url: URL) throws -> String { try hex(ofFile: url, algorithm: .sha256) }
    public static func sha1(ofFile url: URL) throws -> String { try hex(ofFile: url, algorithm: .sha1) }

    public static func sha256(_ bytes: some DataProtocol) -> String { hexString(SHA256.hash(data: bytes)) }
    public static func sha1(_ bytes: some DataProtocol) -> String { hexString(Insecure.SHA1.hash(data: bytes)) }

    static func hexString(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var characters: [UInt8] = []
        for byte in digest {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: characters, as: UTF8.self)
    }
}

/// SHA-256 always, SHA-1 on request, fed as bytes arrive.
public struct StreamingDigest: Sendable {
    private var sha256 = SHA256()
    private var sha1: Insecure.SHA1?
    public private(set) var count: Int64 = 0

    public init(sha1: Bool = false) {
        if sha1 { self.sha1 = Insecure.SHA1() }
    }

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        sha256.update(bufferPointer: buffer)
        sha1?.update(bufferPointer: buffer)
        count += Int64(buffer.count)
    }

    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    public mutating func update(contentsOf url: URL) throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            update(chunk)
        }
    }

    public func finalize() -> (sha256: String, sha1: String?) {
        (Hashing.hexString(sha256.finalize()), sha1.map { Hashing.hexString($0.finalize()) })
    }
}
