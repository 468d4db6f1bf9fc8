import FeedModel
import PaddockXML
import Foundation
import Testing
import TestSupport

@testable import PaddockStore

/// The index's binary product body: every field and every case survives a round trip.
@Suite("Product codec")
struct ProductCodecTests {
    static var everything: Product {
        var p = Product(productId: "Prod-ü", line: -3)
        p.title = "T"
        p.version = "1.0"
        p.summary = ""
        p.longSummary = "long\nsummary"
        p.productFamily = "fam"
        p.frameworkFamily = "fw"
        p.isApplication = true
        p.atomId = "urn:x"
        p.links = ["a", "b"]
        p.authors = [Author(name: "n", uri: nil, email: "e"), Author()]
        p.published = FeedDate(text: "2013-07-03T22:10:13.5Z", date: Date(timeIntervalSince1970: 1_372_889_413.5))
        p.updated = FeedDate(text: "junk", date: nil)
        p.iconURL = "icon"
        p.screenshots = ["s"]
        p.keywords = ["k1", "k2"]
        p.dependency = .all([
            .product(ProductRequirement("python3", constraint: ">=3.10")), .any([.named("Set"), .product(ProductRequirement("x"))]),
        ])
        p.relatedProducts = ["r"]
        p.incompatibilities = [ProductRequirement("bad", constraint: "<2")]
        p.searchExclude = true
        p.discovery = .all(hints: [
            .file(path: "/p", minimumVersion: nil), .registry(keyPath: "k", valueName: "n", valueValue: nil, minimumVersion: "1"),
            .msiProductCode(productCode: "{x}"),
            .any(hints: [.command(arguments: ["a", "--v"], pattern: "p", minimumVersion: nil), .dpkg(package: "d", minimumVersion: "2")]),
        ])
        var windows = Installer(id: "1")
        windows.languageIds = ["en"]
        windows.operatingSystems = [OperatingSystemSpec(minimumVersion: "6.0.0.0", maximumVersion: nil, osTypes: ["Server"])]
        windows.osListReference = "Win7Plus"
        windows.architectures = ["x86"]
        windows.eulaURL = "eula"
        var file = InstallerFile()
        file.fileSizeKB = 123_456_789_012
        file.url = "u"
        file.sha1 = "abc"
        file.sha256 = "def"
        windows.file = file
        windows.commands = [.msiInstall(msi: "m", properties: nil), .msuInstall, .commandLine(exe: "e", arguments: "a", ignoreExitCode: true)]
        windows.isMSDeploy = true
        windows.startPage = "start"
        var linux = Installer()
        linux.linux = LinuxInstall(
            kind: .command, scope: .app, packages: [.init(name: "p", version: "1", sha256: ["h1", "h2"])], arguments: ["x"],
            ignoreExitCode: true, stripComponents: 2, destination: "d")
        linux.distributions = ["debian"]
        p.installers = [windows, linux, Installer()]
        return p
    }

    @Test("every field and case round-trips")
    func roundTrip() throws {
        let product = Self.everything
        #expect(try ProductCodec.decode(ProductCodec.encode(product)) == product)
        let plain = Product(productId: "p")
        #expect(try ProductCodec.decode(ProductCodec.encode(plain)) == plain)
    }

    @Test("every product of the real feeds round-trips")
    func realFeeds() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.webpiFeeds.path).filter { $0.hasSuffix(".xml") }
        var count = 0
        for file in files {
            let feed = try FeedDocumentReader.read(path: TestPaths.webpiFeeds.appendingPathComponent(file).path)
            for product in feed.products {
                #expect(try ProductCodec.decode(ProductCodec.encode(product)) == product, "\(file): \(product.productId)")
                count += 1
            }
        }
        #expect(count > 100)
    }

    @Test("a damaged or foreign body is an error, not a crash")
    func damaged() {
        let bytes = ProductCodec.encode(Self.everything)
        for cut in [0, 1, 5, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ProductCodec.DecodingError.self) { try ProductCodec.decode(Array(bytes.prefix(cut))) }
        }
        #expect(throws: ProductCodec.DecodingError.self) { try ProductCodec.decode(Array("{\"productId\":1}".utf8)) }
    }
}
