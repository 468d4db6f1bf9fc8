import FeedModel
import Foundation
import Testing
import TestSupport

@testable import PaddockXML

/// The real feeds the tests read are in the repository, unchanged, and a missing one is said
/// to be missing, with its path.
@Suite("Fixtures")
struct FixtureTests {
    @Test("fixtures are byte-for-byte copies (Tests/Fixtures/SHA256SUMS)")
    func unchanged() throws {
        let check = try runProcess(
            URL(fileURLWithPath: "/usr/bin/sha256sum"), ["--check", "--strict", "--quiet", "SHA256SUMS"], directory: TestPaths.fixtures)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // Every file there is listed: one added without its hash would not be checked.
        let listed = try String(contentsOf: TestPaths.fixtures.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
            .split(separator: "\n").map { String($0.split(separator: " ", maxSplits: 1)[1].drop { $0 == " " || $0 == "*" }) }
        let present = try ["webpi", "msdeploy"].flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: TestPaths.fixtures.appendingPathComponent(folder).path).map { "\(folder)/\($0)" }
        }
        #expect(Set(listed) == Set(present))
    }

    @Test("a missing feed is said to be missing, with its path, not empty")
    func missingFeed() throws {
        let path = TestPaths.fixtures.appendingPathComponent("webpi/no-such-feed.xml").path
        let error = try #require(throws: XMLSyntaxError.self) { try FeedDocumentReader.read(path: path, label: "no-such-feed.xml") }
        #expect(error.description == "no-such-feed.xml:0:0: the file '\(path)' does not exist")
    }

    @Test("a missing Web Deploy file and app manifest are said to be missing, with their paths")
    func missingWebDeployFile() throws {
        let path = TestPaths.fixtures.appendingPathComponent("msdeploy/no-such-Parameters.xml").path
        let parameters = try #require(throws: XMLSyntaxError.self) { try WebDeployReader.parameters(path: path) }
        #expect(parameters.description == "\(path):0:0: the file does not exist")
        let manifest = try #require(throws: XMLSyntaxError.self) { try AppManifestReader.read(path: path) }
        #expect(manifest.description == "\(path):0:0: the file does not exist")
        let feed = try #require(throws: XMLSyntaxError.self) { try FeedDocumentReader.read(path: path) }
        #expect(feed.description == "\(path):0:0: the file does not exist")
    }
}
