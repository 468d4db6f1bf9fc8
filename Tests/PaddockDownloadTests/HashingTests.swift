import FeedModel
import Foundation
import PaddockDownload
import TestSupport
import Testing

@Suite("Hashing and %VAR% expansion")
struct HashingTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var input: String
        var sha256: String
        var sha1: String
        var testDescription: String { "'\(input)'" }
    }

    // FIPS 180 test vectors.
    static let vectors: [Vector] = [
        Vector(
            input: "", sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sha1: "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        Vector(
            input: "abc", sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            sha1: "a9993e364706816aba3e25717850c26c9cd0d89d"),
        Vector(
            input: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            sha256: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            sha1: "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
    ]

    @Test("files hash to the known digests, lowercase hex", arguments: vectors)
    func knownDigests(_ vector: Vector) throws {
        let folder = try TestPaths.temporaryDirectory("paddock-hash")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("input")
        try Data(vector.input.utf8).write(to: file)
        #expect(try Hashing.sha256(ofFile: file) == vector.sha256)
        #expect(try Hashing.sha1(ofFile: file) == vector.sha1)
        #expect(Hashing.sha256(Array(vector.input.utf8)) == vector.sha256)
    }

    @Test("a file larger than one read chunk hashes like the same bytes in memory")
    func chunked() throws {
        let folder = try TestPaths.temporaryDirectory("paddock-hash")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 11)) }
        let file = folder.appendingPathComponent("big")
        try Data(bytes).write(to: file)
        #expect(try Hashing.sha256(ofFile: file) == Hashing.sha256(bytes))
        #expect(try Hashing.sha1(ofFile: file) == Hashing.sha1(bytes))
    }

    struct Expansion: Sendable, CustomTestStringConvertible {
        var input: String
        var output: String
        var testDescription: String { input }
    }

    static let environment = [
        "HOME": "/home/ada", "TMPDIR": "/var/tmp", "PADDOCK_HOME": "/home/ada/.paddock", "PythonDir": "/opt/python",
    ]

    static let expansions: [Expansion] = [
        Expansion(input: "%TEMP%\\setup.tar.gz", output: "/var/tmp\\setup.tar.gz"),
        Expansion(input: "%tmp%/x", output: "/var/tmp/x"),
        Expansion(input: "%HOME%/a", output: "/home/ada/a"),
        Expansion(input: "%USERPROFILE%/a", output: "/home/ada/a"),
        Expansion(input: "%ProgramFiles%/Python", output: "/home/ada/.paddock/programs/Python"),
        Expansion(input: "%ProgramFiles(x86)%/Python", output: "/home/ada/.paddock/programs/Python"),
        Expansion(input: "%APPDATA%/x", output: "/home/ada/.local/share/x"),
        Expansion(input: "%SystemDrive%\\inetpub", output: "\\inetpub"),
        Expansion(input: "%pythondir%/bin", output: "/opt/python/bin"),
        Expansion(input: "100%% sure", output: "100% sure"),
        Expansion(input: "http://h/a%20b%C3%A9.zip", output: "http://h/a%20b%C3%A9.zip"),
        Expansion(input: "%NOPE%/x", output: "%NOPE%/x"),
        Expansion(input: "50% off", output: "50% off"),
    ]

    @Test("WebPI variables expand from the environment dictionary", arguments: expansions)
    func expand(_ expansion: Expansion) {
        #expect(PathVariables.expand(expansion.input, environment: Self.environment) == expansion.output)
    }

    @Test("without TMPDIR or PADDOCK_HOME the fallbacks are /tmp and ~/.paddock/programs")
    func fallbacks() {
        #expect(PathVariables.expand("%TEMP%|%ProgramFiles%", environment: ["HOME": "/h"]) == "/tmp|/h/.paddock/programs")
    }
}
