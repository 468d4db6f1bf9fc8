import FeedModel
import Foundation
import Testing
import TestSupport

@testable import PaddockXML

/// The SAX reader under the feed reader: what libxml2 hands SAX raw (attribute escapes, CDATA,
/// text split across chunks) must come out as a tree builder would read it.
@Suite("XML block parser")
struct XMLBlockParserTests {
    static let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:pd=\"https://paddock.dev/ns/feed/1\">"

    @Test("escapes in attributes and text read as written: &amp;, &lt;, &#38;, &#x41;, CDATA")
    func escapes() throws {
        let xml = """
            \(Self.atom)
              <entry>
                <productId>a</productId>
                <title>Fish &amp; Chips &lt;b&gt; &#65;&#x42; <![CDATA[<raw> & "]]></title>
                <link href="http://example.org/?a=1&amp;b=2&#38;c=&lt;3&#x3E;" />
              </entry>
            </feed>
            """
        let feed = try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "feed.xml")
        #expect(feed.products.first?.title == "Fish & Chips <b> AB <raw> & \"")
        #expect(feed.products.first?.links == ["http://example.org/?a=1&b=2&c=<3>"])
    }

    /// Blocks are handed over in batches and the file is read a megabyte at a time: many entries,
    /// with lines past 65,535, keep their order, their text and their line numbers.
    @Test("a feed longer than one read and one batch: every entry, in order, with its line")
    func manyEntries() throws {
        var xml = "\(Self.atom)\n"
        let count = 30_000
        for index in 0..<count {
            xml += "  <entry>\n    <productId>p\(index)</productId>\n    <summary>\(String(repeating: "x", count: index % 50))é</summary>\n    <bogus/>\n  </entry>\n"
        }
        xml += "</feed>\n"
        #expect(xml.utf8.count > 2 * XMLBlockParser.chunkSize)
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("many.xml")
        try Data(xml.utf8).write(to: file)
        let feed = try FeedDocumentReader.read(path: file.path)
        #expect(feed.products.count == count)
        #expect(feed.products.map(\.productId) == (0..<count).map { "p\($0)" })
        #expect(feed.products[count - 1].summary == String(repeating: "x", count: (count - 1) % 50) + "é")
        // Entry N starts on line 2 + 5N; its <bogus/> is three lines below.
        #expect(feed.warnings.count == count)
        #expect(feed.warnings.last?.line == 2 + 5 * (count - 1) + 3)
        #expect(feed.warnings.last!.line > 65_535)
    }

    @Test("an element whose text passes 10 MB is refused with its name, not read into memory")
    func hugeText() throws {
        let xml = "\(Self.atom)\n<entry><productId>a</productId><summary>" + String(repeating: "word ", count: 2_100_000) + "</summary></entry></feed>"
        let error = #expect(throws: XMLSyntaxError.self) {
            try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "feed.xml")
        }
        #expect(error?.message.hasPrefix("the text of <summary> is longer than 10 MB") == true)
        #expect(error?.line == 2)
    }

    @Test("an error after good entries is thrown after they are taken: the builder's error comes first")
    func errorOrder() throws {
        let xml = "\(Self.atom)\n  <entry>\n    <title>no id</title>\n  </entry>\n  <entry>\n    <productId>b</productId>\n  </entri>\n</feed>\n"
        let error = #expect(throws: XMLSyntaxError.self) {
            try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "feed.xml")
        }
        #expect(error?.description == "feed.xml:2:3: <entry> has no <productId>; every entry needs one: add <productId>YourProduct</productId>")
    }

    /// libxml2 drops indentation itself only when it builds a tree; the SAX reader drops white
    /// space before an element's first text, as `XML_PARSE_NOBLANKS` does, and keeps mixed text.
    @Test("indentation between child elements is dropped; text around inline elements is kept")
    func blanks() throws {
        let xml = "<feed>\n  <entry>\n    <a>\n      <b>x</b>\n    </a>\n    <c>t <i>u</i> v</c>\n    <d>  </d>\n  </entry>\n</feed>\n"
        var blocks: [BlockElement] = []
        try XMLBlockParser(label: "feed.xml").parse(
            .bytes(Array(xml.utf8)), root: { _, _ in },
            block: {
                blocks.append($0); return true
            })
        let entry = try #require(blocks.first)
        #expect(blocks.count == 1)
        #expect(entry.text == "")
        #expect(entry.children.map(\.name) == ["a", "c", "d"])
        #expect(entry.children[0].text == "" && entry.children[0].children.first?.text == "x")
        #expect(entry.children[1].text == "t  v" && entry.children[1].children.first?.text == "u")
        #expect(entry.children[2].text == "")
        #expect(entry.children.map(\.line) == [3, 6, 7])
    }

    @Test("elements nested past 256 levels are refused, as libxml2's tree builder refuses them, not read until the stack runs out")
    func deepNesting() throws {
        let xml = "\(Self.atom)<entry>" + String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000) + "</entry></feed>"
        let error = #expect(throws: XMLSyntaxError.self) {
            try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "feed.xml")
        }
        #expect(error?.message.hasPrefix("elements are nested more than 256 deep here (<a>)") == true, "\(String(describing: error))")
    }

    @Test("a file cut off between tags is called truncated (libxml2's push parser says 'extra content')")
    func cutBetweenTags() throws {
        let xml = "\(Self.atom)\n  <entry>\n    <productId>a</productId>\n"
        let error = #expect(throws: XMLSyntaxError.self) {
            try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "feed.xml")
        }
        #expect(error?.description == "feed.xml:3:29: the file ends inside <entry>: it may be truncated, fetch or copy it again")
        let rootOnly = #expect(throws: XMLSyntaxError.self) {
            try FeedDocumentReader.read(bytes: Array("\(Self.atom)\n".utf8), label: "feed.xml")
        }
        #expect(rootOnly?.message == "the file ends inside <feed>: it may be truncated, fetch or copy it again")
    }

    /// libxml2 reports a byte its decoder rejects without a context, so the error does not come
    /// through the structured handler: the reader must not take the entries before it as the feed.
    @Test("bytes that are not in the declared encoding stop the read with an error, past the first megabyte too")
    func badEncoding() throws {
        var xml = "<?xml version=\"1.0\" encoding=\"US-ASCII\"?>\n\(Self.atom)\n"
        for index in 0..<20_000 { xml += "  <entry><productId>p\(index)</productId><summary>\(String(repeating: "x", count: 40))</summary></entry>\n" }
        #expect(xml.utf8.count > XMLBlockParser.chunkSize)
        xml += "  <entry><productId>caf\u{e9}</productId></entry>\n</feed>\n"
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("ascii.xml")
        try Data(xml.utf8).write(to: file)
        let error = #expect(throws: XMLSyntaxError.self) { try FeedDocumentReader.read(path: file.path) }
        #expect(error?.line == 20_003, "\(String(describing: error))")
        #expect(error?.message == "the bytes here are not valid US-ASCII; save the feed as UTF-8, or declare the encoding it is written in")
    }
}
