import FeedModel
import Foundation
import Testing
import TestSupport

@testable import PaddockXML

/// Malformed and hostile feeds: each refused with the exact one-line message.
@Suite("Malformed and hostile feeds")
struct HostileFeedTests {
    static let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
    static let billionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE feed [
         <!ENTITY lol "lol">
         <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
         <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
         <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
         <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
         <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
         <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
         <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
         <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
        ]>
        \(atom)<entry><productId>&lol9;</productId></entry></feed>
        """
    static let doctypeMessage =
        "the feed has a DOCTYPE; paddock refuses DTDs, entities and external references in feeds: remove the <!DOCTYPE ...> declaration"

    static let cases: [(name: String, xml: String, message: String)] = [
        ("billion laughs", billionLaughs, "feed.xml:2:1: \(doctypeMessage)"),
        (
            "XXE", "<?xml version=\"1.0\"?>\n<!DOCTYPE feed [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n\(atom)<entry><productId>&x;</productId></entry></feed>",
            "feed.xml:2:1: \(doctypeMessage)"
        ),
        (
            "external DTD", "<!DOCTYPE feed SYSTEM \"http://127.0.0.1:1/evil.dtd\">\n\(atom)</feed>",
            "feed.xml:1:1: \(doctypeMessage)"
        ),
        (
            "undefined entity without a DTD", "\(atom)\n  <entry>\n    <productId>&foo;</productId>\n  </entry>\n</feed>\n",
            "feed.xml:3:21: Entity 'foo' not defined: the feed is not well-formed XML; fix it at this place"
        ),
        (
            "mismatched tags", "\(atom)\n  <entry>\n    <productId>a</productId>\n  </entri>\n</feed>\n",
            "feed.xml:4:11: Opening and ending tag mismatch: entry line 2 and entri: the feed is not well-formed XML; fix it at this place"
        ),
        (
            "truncated", "\(atom)\n  <entry>\n    <productId>a</productId>\n  </entry>\n  <entry>\n    <productId>b</product",
            "feed.xml:6:26: expected '>': the feed is not well-formed XML; fix it at this place"
        ),
        ("empty", "", "feed.xml:1:1: the file is empty: a feed needs a <feed> root element"),
        (
            "not XML", "this is not a feed\n",
            "feed.xml:1:1: this is not XML (no element where the feed should start); check that the file is a feed"
        ),
        ("not a feed", "<rss>\n</rss>\n", "feed.xml:1:1: the root element is <rss>, not <feed>: this is not a WebPI feed"),
        (
            "entry without productId", "\(atom)\n  <entry>\n    <title>x</title>\n  </entry>\n</feed>\n",
            "feed.xml:2:3: <entry> has no <productId>; every entry needs one: add <productId>YourProduct</productId>"
        ),
    ]

    @Test("refused with the exact message", arguments: cases)
    func refused(name: String, xml: String, message: String) throws {
        let error = #expect(throws: XMLSyntaxError.self) {
            try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "feed.xml")
        }
        #expect(error?.description == message, "\(name)")
    }

    @Test("the root-element check also works on the file path")
    func rootCheckOnFile() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rss.xml")
        try Data("<rss>\n</rss>\n".utf8).write(to: file)
        #expect(throws: XMLSyntaxError.self) { try FeedDocumentReader.read(path: file.path) }
    }

    /// 200 MB, written in 1 MB chunks so the test itself stays small in memory.
    static func writeLargeFile(_ url: URL, head: String, chunk: [UInt8]) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(head.utf8))
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        let block = Data(Array(repeating: chunk, count: (1 << 20) / chunk.count).flatMap { $0 })
        for _ in 0..<200 { try handle.write(contentsOf: block) }
    }

    @Test("200 MB of nonsense is refused in under a second", arguments: ["binary", "text in a feed"])
    func largeNonsense(kind: String) throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("nonsense.xml")
        if kind == "binary" {
            try Self.writeLargeFile(file, head: "", chunk: (0..<256).map { UInt8(($0 * 37 + 11) % 256) })
        } else {
            try Self.writeLargeFile(file, head: "\(Self.atom)<entry><productId>", chunk: Array("nonsense ".utf8))
        }
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: XMLSyntaxError.self) { try FeedDocumentReader.read(path: file.path) }
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(1), "took \(elapsed)")
    }

    @Test("an unknown element is a warning, not an error")
    func unknownElement() throws {
        let xml = "\(Self.atom)\n  <entry>\n    <productId>a</productId>\n    <sparkles>yes</sparkles>\n  </entry>\n</feed>"
        let feed = try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "feed.xml")
        #expect(feed.products.map(\.productId) == ["a"])
        #expect(feed.warnings.map(\.description) == ["4:5: warning: unknown element <sparkles> in entry 'a' skipped"])
    }

    @Test("and/or with one child, and a dependency with nothing in it, are warnings")
    func lenientDependencies() throws {
        let xml = """
            \(Self.atom)
              <entry>
                <productId>a</productId>
                <dependency><and><dependency><productId>b</productId></dependency></and></dependency>
              </entry>
              <entry>
                <productId>c</productId>
                <dependency></dependency>
              </entry>
            </feed>
            """
        let feed = try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "feed.xml")
        #expect(feed.products[0].dependency == .product(.init("b")))
        #expect(feed.products[1].dependency == nil)
        #expect(
            feed.warnings.map(\.description) == [
                "4:17: warning: <and> should hold two or more <dependency> elements; it has 1",
                "8:5: warning: <dependency> has no <productId>, <and>, <or> or idref; ignored",
            ])
    }

    /// Product ids become folder and file names: one that could climb out of a folder or forge
    /// a line is refused, the entry skipped, with a warning that names the line.
    static let hostileIds: [(id: String, shown: String, problem: String)] = [
        ("../../victim", "../../victim", "contains a path separator"),
        ("tools/victim", "tools/victim", "contains a path separator"),
        ("tools\\victim", "tools\\victim", "contains a path separator"),
        ("..", "..", "is '..', a folder's name"),
        (".", ".", "is '.', a folder's name"),
        ("forged&#10;installed ok", "forged\\u{a}installed ok", "contains a control character"),
        ("tab&#9;bed", "tab\\u{9}bed", "contains a control character"),
    ]

    @Test("a product id with a path separator, '.', '..' or a control character is refused, naming the line", arguments: hostileIds)
    func hostileProductId(id: String, shown: String, problem: String) throws {
        let xml = "\(Self.atom)\n  <entry>\n    <productId>good</productId>\n  </entry>\n  <entry>\n    <productId>\(id)</productId>\n  </entry>\n</feed>"
        let feed = try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "feed.xml")
        #expect(feed.products.map(\.productId) == ["good"])
        #expect(feed.warnings.map(\.description) == ["6:5: warning: productId '\(shown)' \(problem); this entry is skipped"])
    }

    @Test(
        "an archive destination that could leave paddock's programs folder makes the installer unusable, naming the line",
        arguments: ["../../victim", "/etc", "a/../../b", "", "x&#10;y"])
    func hostileDestination(destination: String) throws {
        let xml = """
            \(Self.atom)
              <entry>
                <productId>tool</productId>
                <installers><installer><id>1</id>
                  <pd:install xmlns:pd="urn:paddock:feed:1" kind="archive" scope="user" destination="\(destination)"/>
                </installer></installers>
              </entry>
            </feed>
            """
        let feed = try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "feed.xml")
        #expect(feed.products.first?.installers.first?.linux == nil)
        let shown = destination.replacingOccurrences(of: "&#10;", with: "\\u{a}")
        #expect(
            feed.warnings.map(\.description) == [
                "5:7: warning: <pd:install> destination '\(shown)' of 'tool' must be a folder name inside paddock's programs folder (relative, no '..'); this installer is not usable"
            ])
    }

    @Test("bytes that are not UTF-8 are one line: where, which bytes, what to do")
    func invalidUTF8() throws {
        let bytes = Array("\(Self.atom)\n<entry><productId>a".utf8) + [0xFF, 0xFE] + Array("b</productId></entry></feed>\n".utf8)
        let error = #expect(throws: XMLSyntaxError.self) { try FeedDocumentReader.read(bytes: bytes, label: "feed.xml") }
        #expect(error?.description.contains("\n") == false, "\(error?.description ?? "")")
        #expect(error?.description.hasPrefix("feed.xml:2:20: Input is not proper UTF-8, indicate encoding !; Bytes: 0xFF 0xFE") == true, "\(error?.description ?? "")")
    }

    /// An entry is held whole while it is read: its size is capped, however it is made up.
    @Test(
        "an entry of 70 MB of attributes, of 70 MB of text runs, or of a million elements is refused at its place",
        arguments: ["attributes", "text", "elements"])
    func hugeEntry(kind: String) throws {
        var xml = Array("\(Self.atom)\n<entry><productId>big</productId>\n".utf8)
        let value = String(repeating: "v", count: 1 << 20)
        switch kind {
        case "attributes": for _ in 0..<70 { xml += Array("<x a=\"\(value)\" b=\"\(value)\"/>\n".utf8) }
        case "text": for _ in 0..<70 { xml += Array("<x>\(value)</x>\n".utf8) + Array("<y>\(value)</y>\n".utf8) }
        default: for _ in 0..<600_000 { xml += Array("<x a=\"1\"/>".utf8) }
        }
        xml += Array("</entry></feed>\n".utf8)
        let error = #expect(throws: XMLSyntaxError.self) { try FeedDocumentReader.read(bytes: xml, label: "feed.xml") }
        #expect(error?.message.hasPrefix("an entry is larger than 64 MB or holds more than a million elements and attributes (here, <") == true, "\(error?.description ?? "")")
        #expect(error?.line ?? 0 > 2)
    }
}
