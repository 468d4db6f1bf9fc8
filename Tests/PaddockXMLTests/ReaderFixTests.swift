import FeedModel
import Foundation
import Testing

@testable import PaddockXML

/// Reader bugs found in review, one test each.
@Suite("Reader fixes")
struct ReaderFixTests {
    static func read(_ body: String, head: String = "") throws -> Feed {
        let xml = """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1" xmlns:x="urn:other">\(head)
            \(body)
            </feed>
            """
        return try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "f.xml")
    }

    static func messages(_ feed: Feed) -> [String] { feed.warnings.map(\.message) }

    @Test("productIds differing only in case are one product: the second is skipped with a warning")
    func caseInsensitiveDuplicate() throws {
        let feed = try Self.read("<entry><productId>Foo</productId></entry>\n<entry><productId>foo</productId></entry>")
        #expect(feed.products.map(\.productId) == ["Foo"])
        #expect(Self.messages(feed) == ["productId 'foo' is defined again (first at line 2 as 'Foo'); this entry is skipped"])
        #expect(feed.warnings.first?.line == 3)
    }

    @Test("an inline osList keeps its inline os and every os named before its definition")
    func inlineOSListForwardReferences() throws {
        let feed = try Self.read(
            """
            <entry><productId>a</productId><installers><installer><id>1</id><osList>
              <os><minimumVersion><osMajorVersion>5</osMajorVersion></minimumVersion></os>
              <os idref="Later1"/>
              <os idref="Later2"/>
            </osList></installer></installers></entry>
            <oses>
              <os id="Later1"><minimumVersion><osMajorVersion>6</osMajorVersion></minimumVersion></os>
              <os id="Later2"><minimumVersion><osMajorVersion>10</osMajorVersion></minimumVersion></os>
            </oses>
            """)
        let installer = try #require(feed.products.first?.installers.first)
        #expect(installer.operatingSystems.map(\.minimumVersion) == ["5.0.0.0", "6.0.0.0", "10.0.0.0"])
        #expect(installer.osListReference == nil, "an inline list has no idref")
        #expect(feed.warnings.isEmpty, "\(feed.warnings)")
    }

    @Test("foreign-namespace elements in installerFile and installCommands are ignored")
    func foreignNamespaceInInstaller() throws {
        let sha1 = String(repeating: "a", count: 40)
        let feed = try Self.read(
            """
            <entry><productId>a</productId><installers><installer><id>1</id>
              <installerFile><x:sha1>\(String(repeating: "b", count: 40))</x:sha1><sha1>\(sha1)</sha1></installerFile>
              <installCommands><x:cmdLine><exe>evil.exe</exe></x:cmdLine><msuInstall/></installCommands>
            </installer></installers></entry>
            """)
        let installer = try #require(feed.products.first?.installers.first)
        #expect(installer.file?.sha1 == sha1)
        #expect(installer.commands == [.msuInstall])
        #expect(feed.warnings.isEmpty, "\(feed.warnings)")
    }

    @Test("pd:arg of pd:install is trimmed like pd:command's")
    func installArgumentsTrimmed() throws {
        let feed = try Self.read(
            """
            <entry><productId>a</productId><installers><installer><id>1</id>
              <pd:install kind="command">
                <pd:arg>
                    echo
                </pd:arg>
                <pd:arg> hi </pd:arg>
              </pd:install>
            </installer></installers></entry>
            """)
        #expect(feed.products.first?.installers.first?.linux?.arguments == ["echo", "hi"])
    }

    @Test("pd:package sha256, distributions and architectures split on any whitespace; a bad sha256 warns")
    func whitespaceLists() throws {
        let good = String(repeating: "A", count: 64)
        let feed = try Self.read(
            """
            <entry><productId>a</productId><installers><installer><id>1</id>
              <pd:install kind="pip" distributions="debian\tubuntu
                fedora" architectures="x86_64\n aarch64">
                <pd:package name="p" sha256="\(good)
                   abc"/>
              </pd:install>
            </installer></installers></entry>
            """)
        let installer = try #require(feed.products.first?.installers.first)
        #expect(installer.distributions == ["debian", "ubuntu", "fedora"])
        #expect(installer.architectures == ["x86_64", "aarch64"])
        #expect(installer.linux?.packages.first?.sha256 == [good.lowercased(), "abc"])
        #expect(Self.messages(feed) == ["pd:package sha256 'abc' of 'p' is not 64 hex digits; installing it will fail verification"])
    }

    @Test("a bad pd:version constraint warns with the element's place; the feed's <updated> is checked")
    func constraintsAndFeedDate() throws {
        let feed = try Self.read(
            """
            <entry><productId>a</productId>
            <dependency><productId pd:version="&gt;=">python3</productId></dependency>
            <dependency><productId pd:version="&gt;=3.10,&lt;4">python3</productId></dependency>
            </entry>
            """, head: "<updated>yesterday</updated>")
        let messages = Self.messages(feed)
        #expect(messages.count == 3, "\(messages)")  // The two dependencies' note, plus these two.
        #expect(messages.contains("<updated> 'yesterday' is not a date paddock can read; kept as text"))
        let bad = try #require(feed.warnings.first { $0.message.hasPrefix("pd:version of 'python3'") })
        #expect(bad.line == 3)
        #expect(bad.column > 0)
        #expect(feed.updated?.text == "yesterday")
    }
}
