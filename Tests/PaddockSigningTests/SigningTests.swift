import Foundation
import PaddockSigning
import Testing

@Suite("BLAKE2b")
struct Blake2bTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    // Digests from Python's hashlib.blake2b (RFC 7693's "abc" among them); the lengths cross
    // the 128-byte block boundary both ways.
    static let vectors: [(input: [UInt8], b512: String, b256: String)] = [
        (
            [], "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce",
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
        ),
        (
            Array("abc".utf8), "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
        ),
        (
            [UInt8](repeating: 0, count: 128), "865939e120e6805438478841afb739ae4250cf372653078a065cdcfffca4caf798e6d462b65d658fc165782640eded70963449ae1500fb0f24981d7727e22c41",
            "378d0caaaa3855f1b38693c1d6ef004fd118691c95c959d4efa950d6d6fcf7c1"
        ),
        (
            [UInt8](repeating: 0, count: 129), "a60edba343e7a6933c14d203d2e535f35e6deb6c8a4f8e624c1a6f6e2612860447cb4c37e5aa11bcf03b7c3eea7228eb8b998f922794f2d1b8f2dc63f03bd3fa",
            "baadfb64c3bd2cd187b54accc5e61a0720ed86bf48c28017873536cf9015d1b8"
        ),
        (
            Array((0..<1024).map { UInt8($0 % 256) }), "6b490f42e902f61b1ee12d3c85e34152e37c94d07ab9ea577cad6a6eb4690fad38064f53a19c225703a5c52cdc9a85add71b339d327e1630ee3432b920240e8a",
            "f1551feeb252c7e60bb362205bd1ac2f70b145260a91d41e8c5d0a187549a5f2"
        ),
    ]

    @Test("known digests, 512 and 256 bits", arguments: 0..<5)
    func known(index: Int) {
        let vector = Self.vectors[index]
        #expect(Self.hex(Blake2b.hash(vector.input)) == vector.b512)
        #expect(Self.hex(Blake2b.hash(vector.input, outputLength: 32)) == vector.b256)
    }

    @Test("fed in pieces, the same digest")
    func incremental() {
        let input = Self.vectors[4].input
        var hasher = Blake2b()
        hasher.update(input[0..<1])
        hasher.update(input[1..<128])
        hasher.update(input[128..<300])
        hasher.update(input[300...])
        #expect(Self.hex(hasher.finalize()) == Self.vectors[4].b512)
    }
}

@Suite("minisign keys and signatures")
struct MinisignTests {
    let message = Array("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>\n".utf8)

    @Test("a key pair written and read back signs and verifies, legacy and prehashed")
    func roundTrip() throws {
        let secret = MinisignSecretKey.generate()
        let reread = try MinisignSecretKey(fileText: secret.fileText)
        let publicKey = try MinisignPublicKey(fileText: secret.publicKey.fileText)
        #expect(publicKey == secret.publicKey)
        #expect(try MinisignPublicKey(base64: publicKey.base64) == publicKey)
        #expect(publicKey.base64.hasPrefix("RW"))
        #expect(secret.publicKey.fileText.hasPrefix("untrusted comment: minisign public key \(publicKey.keyIdText)\n"))
        for prehashed in [false, true] {
            let signature = try reread.sign(message, trustedComment: "timestamp:1700000000\tfile:feed.xml", prehashed: prehashed)
            let parsed = try MinisignSignature(fileText: signature.fileText)
            #expect(parsed == signature)
            #expect(parsed.timestamp == 1_700_000_000)
            try parsed.verify(message, with: publicKey)
        }
    }

    @Test("one changed byte, another key, an edited trusted comment: each refused with its reason")
    func refusals() throws {
        let secret = MinisignSecretKey.generate()
        let signature = try secret.sign(message, trustedComment: "timestamp:1700000000\tfile:feed.xml")
        var tampered = message
        tampered[10] ^= 1
        #expect(throws: SignatureError.contentMismatch) { try signature.verify(tampered, with: secret.publicKey) }
        let other = MinisignSecretKey.generate()
        #expect(throws: SignatureError.otherKey(signatureKeyId: secret.publicKey.keyIdText, trustedKeyId: other.publicKey.keyIdText)) {
            try signature.verify(self.message, with: other.publicKey)
        }
        // Another key that claims the same key id still fails on the bytes.
        let impostor = MinisignPublicKey(keyId: secret.keyId, rawKey: other.publicKey.rawKey)
        #expect(throws: SignatureError.contentMismatch) { try signature.verify(self.message, with: impostor) }
        var edited = signature
        edited.trustedComment = "timestamp:1800000000\tfile:feed.xml"
        #expect(throws: SignatureError.commentMismatch) { try edited.verify(self.message, with: secret.publicKey) }
    }

    // A throw-away key pair and two signatures made by another implementation of minisign's
    // format (py-minisign 0.21.1, by minisign's author): `KeyPair.generate()`, then
    // `sign(message, prehash=False|True, trusted_comment=...)`.
    static let fixtureSecretKey = """
        untrusted comment: minisign secret key
        RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAASbFBYPEsQIkhkMaS8wKG7Me6TANXhrAUqTWCNrGRSg3++mxkuj3e7Dm5RuX5kYcYGP1K7o1KzVg9x8FqvER9Oe/QKrF8JaSMzNG0uX/dQBQxTio5LgFQHQNCTMP44B37Tv2vGs5BAPo=

        """
    static let fixturePublicKey = """
        untrusted comment: minisign public key 49B14160F12C4089
        RWRJsUFg8SxAiTm5RuX5kYcYGP1K7o1KzVg9x8FqvER9Oe/QKrF8JaSM

        """
    static let fixtureMessage = Array("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>fixture</title></feed>\n".utf8)
    static let fixtureLegacy = """
        untrusted comment: signature from minisign secret key
        RWRJsUFg8SxAiUMoskBpThm/XLtzfXbUtTPnx/l5IMUBWCFaWZAWfCiEPh3mKiR1yLDm6A2yIqwTLSD6ek+psTQq2rqTOHaDoAg=
        trusted comment: timestamp:1700000000\tfile:feed.xml
        MZ7LpMtzrPtscmCgmsZOn+913r54WQ0AbCrvUs+N9hDE4RqAfQgDb38EVSNWM19s39T2JmHLfLmGPrDPXJWzBQ==

        """
    static let fixturePrehashed = """
        untrusted comment: signature from minisign secret key
        RURJsUFg8SxAicHOP6OZLGC3HYYq2ADUtaqdVz6QZ9rW9fDvmU5R7eDoQdzS5gD8ZS6S9zESMDeTZqCG3fL3Xy4oyOPOgp5wjA4=
        trusted comment: timestamp:1700000000\tfile:feed.xml\thashed
        fCJXt7kPmNWZryHhy0Mlp0xVR4L0jTakIloozXcR5zLhxgDL2yhcu8kiB+aKiaFI5cHXcCWOie2mw+Wd5oIiBA==

        """

    @Test("keys and signatures made by another minisign implementation read, verify and are reproduced byte for byte")
    func interoperates() throws {
        let publicKey = try MinisignPublicKey(fileText: Self.fixturePublicKey)
        // minisign prints the id as a little-endian number (py-minisign prints the bytes in order).
        #expect(publicKey.keyIdText == "89402CF16041B149")
        let secret = try MinisignSecretKey(fileText: Self.fixtureSecretKey)
        #expect(secret.publicKey == publicKey)
        #expect(secret.publicKey.base64 == "RWRJsUFg8SxAiTm5RuX5kYcYGP1K7o1KzVg9x8FqvER9Oe/QKrF8JaSM")
        // The checksum paddock writes is the one minisign writes (BLAKE2b-256 of "Ed", id, key).
        #expect(secret.fileText.split(separator: "\n")[1] == Self.fixtureSecretKey.split(separator: "\n")[1])
        for (text, prehashed) in [(Self.fixtureLegacy, false), (Self.fixturePrehashed, true)] {
            let signature = try MinisignSignature(fileText: text)
            #expect(signature.prehashed == prehashed)
            #expect(signature.timestamp == 1_700_000_000)
            try signature.verify(Self.fixtureMessage, with: publicKey)
            // Ed25519 is deterministic: signing again gives the same file.
            let again = try secret.sign(
                Self.fixtureMessage, trustedComment: signature.trustedComment,
                untrustedComment: "signature from minisign secret key", prehashed: prehashed)
            #expect(again.fileText == text)
        }
    }

    @Test("files in minisign's own layout")
    func layout() throws {
        let secret = MinisignSecretKey.generate()
        let lines = secret.fileText.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(Data(base64Encoded: String(lines[1]))?.count == 158)
        let signature = try secret.sign(message, trustedComment: "timestamp:1\tfile:f")
        let sigLines = signature.fileText.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(sigLines.count == 5 && sigLines[4].isEmpty)
        #expect(sigLines[0] == "untrusted comment: signature from paddock secret key")
        #expect(sigLines[2] == "trusted comment: timestamp:1\tfile:f")
        #expect(Data(base64Encoded: String(sigLines[1]))?.prefix(2) == Data("Ed".utf8))
        // CRLF line ends (a file edited on Windows) still read.
        let crlf = signature.fileText.replacingOccurrences(of: "\n", with: "\r\n")
        try MinisignSignature(fileText: crlf).verify(message, with: secret.publicKey)
    }

    static let malformed: [(text: String, message: String)] = [
        ("", "this is not a minisign signature (it should start with 'untrusted comment: ')"),
        ("untrusted comment: x\nAAAA\nnot trusted\nAAAA\n", "the signature has no trusted comment (its third line should start with 'trusted comment: ')"),
        ("untrusted comment: x\nAAAA\ntrusted comment: t\nAAAA\n", "this is not a minisign signature (expected 74 bytes in base64)"),
    ]

    @Test("malformed signature files say what is wrong", arguments: malformed)
    func malformedSignatures(text: String, message: String) {
        #expect(throws: SignatureError.malformed(message)) { try MinisignSignature(fileText: text) }
    }

    @Test("an encrypted secret key is refused with what to do")
    func encrypted() throws {
        var bytes = [UInt8](Data(base64Encoded: String(MinisignSecretKey.generate().fileText.split(separator: "\n")[1]))!)
        bytes[2] = UInt8(ascii: "S")
        bytes[3] = UInt8(ascii: "c")
        let text = "untrusted comment: minisign encrypted secret key\n\(Data(bytes).base64EncodedString())\n"
        #expect(throws: SignatureError.encryptedSecretKey) { try MinisignSecretKey(fileText: text) }
    }
}
