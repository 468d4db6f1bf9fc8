import Crypto
import Foundation

/// What is wrong with a key or a signature, in words a user can act on.
public enum SignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not a minisign key or signature file (what was expected, in words).
    case malformed(String)
    case unsupportedAlgorithm(String)
    /// The signature names another key than the one trusted.
    case otherKey(signatureKeyId: String, trustedKeyId: String)
    /// The file's bytes do not match the signature.
    case contentMismatch
    /// The trusted comment (with its timestamp) was changed after signing.
    case commentMismatch
    /// A password-protected secret key: paddock cannot decrypt it (minisign's scrypt).
    case encryptedSecretKey

    public var description: String {
        switch self {
        case .malformed(let what): return what
        case .unsupportedAlgorithm(let name): return "unsupported signature algorithm '\(name)' (paddock knows minisign's Ed25519: 'Ed' and 'ED')"
        case .otherKey(let signatureKeyId, let trustedKeyId):
            return "it was made with key \(signatureKeyId), not the trusted key \(trustedKeyId)"
        case .contentMismatch: return "the feed's bytes do not match the signature: the feed was changed after it was signed"
        case .commentMismatch: return "the trusted comment does not match its signature: the signature file was tampered with"
        case .encryptedSecretKey:
            return "the secret key is password-protected; paddock reads unencrypted keys only (make one with 'paddock feed keygen', or sign with 'minisign -S -l -m FEED -x FEED.sig')"
        }
    }
}

private let untrustedPrefix = "untrusted comment: "
private let trustedPrefix = "trusted comment: "

/// The lines of a minisign file, with line ends removed as minisign does (`\r` and `\n`).
/// Split by scalar: to a Swift `String`, "\r\n" is one character, not a "\n".
private func lines(_ text: String) -> [String] {
    text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
        String(String.UnicodeScalarView($0.last == "\r" ? $0.dropLast() : $0[...]))
    }
}

private func decode(_ base64: String, count: Int, what: String) throws -> [UInt8] {
    guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespaces)), data.count == count else {
        throw SignatureError.malformed("this is not \(what) (expected \(count) bytes in base64)")
    }
    return [UInt8](data)
}

/// minisign prints key ids as the 8 bytes read as a little-endian number, in upper-case hex.
private func keyIdText(_ keyId: [UInt8]) -> String {
    keyId.reversed().map { String(format: "%02X", $0) }.joined()
}

/// A minisign public key: "Ed", an 8-byte key id, the 32-byte Ed25519 key; written as base64
/// (`RW...`), alone or under an `untrusted comment:` line in a `.pub` file.
public struct MinisignPublicKey: Sendable, Hashable {
    public let keyId: [UInt8]
    public let rawKey: [UInt8]

    public init(keyId: [UInt8], rawKey: [UInt8]) {
        self.keyId = keyId
        self.rawKey = rawKey
    }

    /// The base64 line, as `minisign -P` takes it.
    public init(base64: String) throws {
        let bytes = try decode(base64, count: 42, what: "a minisign public key")
        guard bytes[0] == UInt8(ascii: "E"), bytes[1] == UInt8(ascii: "d") else {
            throw SignatureError.unsupportedAlgorithm(String(decoding: bytes[0..<2], as: UTF8.self))
        }
        self.init(keyId: Array(bytes[2..<10]), rawKey: Array(bytes[10..<42]))
    }

    /// A `.pub` file: an optional `untrusted comment:` line, then the base64 line.
    public init(fileText: String) throws {
        let content = lines(fileText).filter { !$0.isEmpty && !$0.hasPrefix(untrustedPrefix) }
        guard let first = content.first else { throw SignatureError.malformed("the public key file is empty") }
        try self.init(base64: first)
    }

    public var base64: String { Data(Array("Ed".utf8) + keyId + rawKey).base64EncodedString() }
    /// As minisign prints it: 16 upper-case hex digits.
    public var keyIdText: String { PaddockSigning.keyIdText(keyId) }
    public var fileText: String { "\(untrustedPrefix)minisign public key \(keyIdText)\n\(base64)\n" }

    func verify(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// A minisign secret key, unencrypted (`minisign -G -W`, or `paddock feed keygen`):
/// "Ed", KDF "\0\0" (none), checksum "B2", 32 salt bytes, opslimit and memlimit (8 bytes each),
/// then key id (8), secret key (64: seed and public key) and BLAKE2b-256 checksum (32).
public struct MinisignSecretKey: Sendable {
    public let keyId: [UInt8]
    private let seed: [UInt8]
    public let publicKey: MinisignPublicKey

    private init(keyId: [UInt8], seed: [UInt8]) throws {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        self.keyId = keyId
        self.seed = seed
        self.publicKey = MinisignPublicKey(keyId: keyId, rawKey: [UInt8](key.publicKey.rawRepresentation))
    }

    public static func generate() -> MinisignSecretKey {
        var generator = SystemRandomNumberGenerator()
        let keyId = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let seed = [UInt8](Curve25519.Signing.PrivateKey().rawRepresentation)
        return try! MinisignSecretKey(keyId: keyId, seed: seed)  // a fresh 32-byte seed is always valid
    }

    public init(fileText: String) throws {
        let content = lines(fileText).filter { !$0.isEmpty && !$0.hasPrefix(untrustedPrefix) }
        guard let first = content.first else { throw SignatureError.malformed("the secret key file is empty") }
        let bytes = try decode(first, count: 158, what: "a minisign secret key")
        guard bytes[0] == UInt8(ascii: "E"), bytes[1] == UInt8(ascii: "d") else {
            throw SignatureError.unsupportedAlgorithm(String(decoding: bytes[0..<2], as: UTF8.self))
        }
        if bytes[2] == UInt8(ascii: "S") && bytes[3] == UInt8(ascii: "c") { throw SignatureError.encryptedSecretKey }
        guard bytes[2] == 0, bytes[3] == 0 else { throw SignatureError.malformed("unknown key derivation in the secret key") }
        let keyId = Array(bytes[54..<62])
        let secret = Array(bytes[62..<126])
        try self.init(keyId: keyId, seed: Array(secret[0..<32]))
        guard Array(secret[32..<64]) == publicKey.rawKey else {
            throw SignatureError.malformed("the secret key file is damaged: its public half does not match")
        }
    }

    public var fileText: String {
        let secret = seed + publicKey.rawKey
        var checksum = Blake2b(outputLength: 32)
        checksum.update(Array("Ed".utf8) + keyId + secret)
        var bytes = Array("Ed".utf8) + [0, 0] + Array("B2".utf8)
        bytes += [UInt8](repeating: 0, count: 32 + 8 + 8)  // salt, opslimit, memlimit: unused without a KDF
        bytes += keyId + secret + checksum.finalize()
        return "\(untrustedPrefix)minisign secret key (unencrypted) \(publicKey.keyIdText)\n\(Data(bytes).base64EncodedString())\n"
    }

    /// Signs `message` as `minisign -S -l` does (legacy: Ed25519 over the bytes themselves),
    /// or `minisign -S` (prehashed: over their BLAKE2b-512).
    public func sign(_ message: [UInt8], trustedComment: String, untrustedComment: String = "signature from paddock secret key", prehashed: Bool = false) throws -> MinisignSignature {
        guard !trustedComment.contains("\n"), !trustedComment.contains("\r"), !untrustedComment.contains("\n") else {
            throw SignatureError.malformed("a comment must be one line")
        }
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let signed = prehashed ? Blake2b.hash(message) : message
        let signature = [UInt8](try key.signature(for: signed))
        let global = [UInt8](try key.signature(for: signature + Array(trustedComment.utf8)))
        return MinisignSignature(
            untrustedComment: untrustedComment, prehashed: prehashed, keyId: keyId, signature: signature,
            trustedComment: trustedComment, globalSignature: global)
    }
}

/// A minisign signature file: four lines.
///
///     untrusted comment: <text>
///     base64("Ed" or "ED" || key id (8) || Ed25519 signature (64))
///     trusted comment: <text, e.g. timestamp:1700000000	file:feed.xml>
///     base64(Ed25519 signature of (the signature above || the trusted comment))
public struct MinisignSignature: Sendable, Hashable {
    public var untrustedComment: String
    /// "ED": the signature covers the BLAKE2b-512 of the file; "Ed" (legacy): the file itself.
    public var prehashed: Bool
    public var keyId: [UInt8]
    public var signature: [UInt8]
    public var trustedComment: String
    public var globalSignature: [UInt8]

    public init(untrustedComment: String, prehashed: Bool, keyId: [UInt8], signature: [UInt8], trustedComment: String, globalSignature: [UInt8]) {
        self.untrustedComment = untrustedComment
        self.prehashed = prehashed
        self.keyId = keyId
        self.signature = signature
        self.trustedComment = trustedComment
        self.globalSignature = globalSignature
    }

    public init(fileText: String) throws {
        let all = lines(fileText)
        guard all.count >= 4, all[0].hasPrefix(untrustedPrefix) else {
            throw SignatureError.malformed("this is not a minisign signature (it should start with '\(untrustedPrefix)')")
        }
        guard all[2].hasPrefix(trustedPrefix) else {
            throw SignatureError.malformed("the signature has no trusted comment (its third line should start with '\(trustedPrefix)')")
        }
        let bytes = try decode(all[1], count: 74, what: "a minisign signature")
        let algorithm = String(decoding: bytes[0..<2], as: UTF8.self)
        guard algorithm == "Ed" || algorithm == "ED" else { throw SignatureError.unsupportedAlgorithm(algorithm) }
        self.init(
            untrustedComment: String(all[0].dropFirst(untrustedPrefix.count)), prehashed: algorithm == "ED",
            keyId: Array(bytes[2..<10]), signature: Array(bytes[10..<74]),
            trustedComment: String(all[2].dropFirst(trustedPrefix.count)),
            globalSignature: try decode(all[3], count: 64, what: "a minisign comment signature"))
    }

    public var fileText: String {
        let head = Data(Array((prehashed ? "ED" : "Ed").utf8) + keyId + signature).base64EncodedString()
        return "\(untrustedPrefix)\(untrustedComment)\n\(head)\n\(trustedPrefix)\(trustedComment)\n\(Data(globalSignature).base64EncodedString())\n"
    }

    public var keyIdText: String { PaddockSigning.keyIdText(keyId) }

    /// `timestamp:N` of the trusted comment (minisign writes it by default), if present.
    public var timestamp: Int? { field("timestamp:") }

    /// `expires:N` of the trusted comment (seconds since 1970), written by
    /// `paddock feed sign --expires`: signed with the comment, so it cannot be moved without the
    /// key (TUF's freeze attack, docs/signing-and-offline.md).
    public var expires: Int? { field("expires:") }

    private func field(_ prefix: String) -> Int? {
        for field in trustedComment.split(whereSeparator: { $0 == "\t" || $0 == " " }) where field.hasPrefix(prefix) {
            return Int(field.dropFirst(prefix.count))
        }
        return nil
    }

    /// Checks, as `minisign -V` does: the key id, the signature over the message, then the
    /// signature over the trusted comment. Throws what failed.
    public func verify(_ message: [UInt8], with key: MinisignPublicKey) throws {
        guard keyId == key.keyId else { throw SignatureError.otherKey(signatureKeyId: keyIdText, trustedKeyId: key.keyIdText) }
        let signed = prehashed ? Blake2b.hash(message) : message
        guard key.verify(signature, of: signed) else { throw SignatureError.contentMismatch }
        guard key.verify(globalSignature, of: signature + Array(trustedComment.utf8)) else { throw SignatureError.commentMismatch }
    }
}
