import FeedModel
import Foundation
import Testing
import TestSupport

@testable import PaddockXML

/// Every real WebPI feed in Tests/Fixtures/webpi reads, with the exact product count and
/// values checked against the file.
@Suite("Real WebPI feeds")
struct RealFeedTests {
    static let counts: [(file: String, products: Int)] = [
        ("iisdocs-testing-custom-apps-feed.xml", 2),
        ("iiswsgi-web-pi-2012-10-10.xml", 1),
        ("iiswsgi-web-pi-template-2012-10-19.xml.in", 3),
        ("kateroh-custom-apps.xml", 2),
        ("kudu-KuduSetupCustomWebPiFeed-2013-05.xml", 3),
        ("microsoft-webpi3-WebApplicationList-2012-03.xml", 99),
        ("plone-webpi-feed-2012-03-26.xml", 6),
        ("plone-webpi-feed-2012-05-27-final.xml", 1),
    ]

    static func read(_ file: String) throws -> Feed {
        try FeedDocumentReader.read(path: TestPaths.webpiFeeds.appendingPathComponent(file).path, label: file)
    }

    @Test("every feed in Tests/Fixtures/webpi is covered")
    func everyFeedIsListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.webpiFeeds.path).sorted()
        #expect(files == Self.counts.map(\.file).sorted())
    }

    @Test("product counts", arguments: counts)
    func productCount(file: String, products: Int) throws {
        let feed = try Self.read(file)
        #expect(feed.products.count == products)
        #expect(Set(feed.products.map(\.productId)).count == products)
    }

    @Test("Microsoft's application feed: named sets, installer, keyword, date")
    func microsoftApplicationList() throws {
        let feed = try Self.read("microsoft-webpi3-WebApplicationList-2012-03.xml")
        #expect(feed.webpiFileVersion == "3.0.0.0")
        let wordpress = try #require(feed.products.first { $0.productId == "WordPress" })
        #expect(wordpress.isApplication)
        #expect(wordpress.dependency == .all([.named("PHP53App"), .named("MySQLApp")]))
        let php53App = try #require(feed.namedDependencies["PHP53App"])
        guard case .all(let parts) = php53App, case .any(let branches) = parts.first else {
            Issue.record("PHP53App should be an and whose first part is an or: \(php53App)")
            return
        }
        #expect(branches.count >= 2)
        #expect(branches[0].namedReferences.contains("IISForPHP"))
        #expect(branches[0].mentionedProductIds.contains("PHP53"))
        let installer = try #require(wordpress.installers.first)
        #expect(installer.file?.url == "http://wordpress.org/wordpress-3.3.1-IIS.zip")
        #expect(installer.file?.sha1 == "19f6a76144a23befdc71453551d1ca3f13d5f7ef")
        #expect(installer.file?.fileSizeKB == 4264)
        #expect(installer.isMSDeploy)
        #expect(installer.platform == .windows)
        #expect(installer.osListReference == "SupportedAppPlatforms")
        #expect(!installer.operatingSystems.isEmpty, "the named osList is resolved")
        #expect(wordpress.keywords == ["Blogs", "ContentMgmt", "PHP", "MySQL"])
        #expect(wordpress.published?.date == Date(timeIntervalSince1970: 1_325_548_800))  // 2012-01-03T00:00:00Z
        #expect(feed.keywords.contains { $0.id == "Blogs" })
        #expect(feed.languages.contains { $0.languageId == "en" && $0.isDefault })
        // AtomSite, the one entry with <incompatibilities>, is commented out in the file: comments
        // are not entries.
        #expect(!feed.products.contains { $0.productId == "AtomSite" })
        #expect(feed.products.allSatisfy { $0.incompatibilities.isEmpty })
    }

    @Test("Kudu: <metadata> wrapper, BOM, CRLF, unpadded dates, cmdline")
    func kudu() throws {
        let feed = try Self.read("kudu-KuduSetupCustomWebPiFeed-2013-05.xml")
        let setup = try #require(feed.products.first { $0.productId == "KuduDevSetup" })
        #expect(setup.title == "Kudu Development Prerequisites")
        #expect(setup.published?.text == "2013-5-06T01:00:00Z")
        #expect(setup.published?.date == Date(timeIntervalSince1970: 1_367_802_000))  // 2013-05-06T01:00:00Z
        #expect(setup.installers.first?.commands == [.commandLine(exe: "%windir%\\system32\\cmd.exe", arguments: "/C echo noop", ignoreExitCode: false)])
        guard case .all(let parts) = setup.dependency else {
            Issue.record("KuduDevSetup depends on an and")
            return
        }
        #expect(parts.count == 13)
        #expect(parts.first == .product(ProductRequirement("msysgit_1_8_0")))
    }

    @Test("kateroh sample: nested startPage, placeholder sha1, keyword tab")
    func kateroh() throws {
        let feed = try Self.read("kateroh-custom-apps.xml")
        let aspnet = try #require(feed.products.first { $0.productId == "Sample_ASPNET_SQL_App" })
        #expect(aspnet.installers.first?.startPage == "Setup.aspx")
        let php = try #require(feed.products.first { $0.productId == "Sample_PHP_MySQL_App" })
        #expect(php.installers.first?.startPage == "")
        #expect(php.installers.first?.file?.sha1 == "1223334444555556666667777777888888889999")
        #expect(php.published?.text == "2009-10-5T18:30:02Z")
        #expect(feed.tabs.first?.kind == .keywordTab)
        #expect(!(feed.tabs.first?.keywordIds.isEmpty ?? true))
    }

    @Test("Microsoft's edit of the sample: a TAB between keywordId elements")
    func iisdocs() throws {
        let feed = try Self.read("iisdocs-testing-custom-apps-feed.xml")
        let php = try #require(feed.products.first { $0.productId == "Sample_PHP_MySQL_App" })
        #expect(php.keywords == ["PHPApps", "MySQL"])
    }

    @Test("iiswsgi: microsecond dates without a zone, file discovery hint")
    func iiswsgi() throws {
        let feed = try Self.read("iiswsgi-web-pi-2012-10-10.xml")
        #expect(feed.webpiFileVersion == "4.0.1.0")
        let product = try #require(feed.products.first)
        #expect(product.updated?.date != nil)
    }

    @Test("the iiswsgi template's placeholders are warnings naming the field")
    func template() throws {
        let feed = try Self.read("iiswsgi-web-pi-template-2012-10-19.xml.in")
        #expect(feed.products.count == 3)
        #expect(
            feed.warnings.map(\.description) == [
                "183:11: warning: fileSize '__size__' of 'IISWSGISampleApp' is not a whole number; the download size is unknown",
                "187:11: warning: sha1 '__sha1__' of 'IISWSGISampleApp' is not 40 hex digits; installing it will fail verification",
                "269:11: warning: fileSize '__size__' of 'PyramidApp' is not a whole number; the download size is unknown",
                "273:11: warning: sha1 '__sha1__' of 'PyramidApp' is not 40 hex digits; installing it will fail verification",
            ])
    }

    @Test("Plone: an installer's URL and sha1, US-order addToFeedDate, osList from the main feed")
    func plone() throws {
        let feed = try Self.read("plone-webpi-feed-2012-05-27-final.xml")
        let plone = try #require(feed.products.first)
        #expect(plone.productId == "Plone_4_2")
        #expect(plone.installers.first?.file?.url == "https://github.com/downloads/plone/Installers-UnifiedInstaller/Plone42.zip")
        #expect(plone.installers.first?.file?.sha1 == "aba399aab04e3b330be58f522ecd66755e585afe")
        #expect(plone.addedToFeed?.date == Date(timeIntervalSince1970: 1_332_633_600))  // 2012-03-25
        #expect(plone.dependency == .all([.product(.init("Python27")), .product(.init("PyDistributeModule"))]))
        #expect(feed.warnings.count == 1)
        #expect(feed.warnings.first?.message.contains("osList 'SupportedAppPlatforms'") == true)
    }
}
