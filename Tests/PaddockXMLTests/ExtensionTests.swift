import FeedModel
import Foundation
import Testing

@testable import PaddockXML

/// paddock's Linux extension (`urn:paddock:feed:1`).
@Suite("Linux extension")
struct ExtensionTests {
    static let feed = """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1">
          <title>ext</title>
          <entry>
            <productId>django</productId>
            <version>5.2.8</version>
            <dependency><productId pd:version="&gt;=3.10">python3</productId></dependency>
            <discoveryHint>
              <or>
                <discoveryHint><pd:command pattern="Django (\\S+)" minimumVersion="5.2"><pd:arg>django-admin</pd:arg><pd:arg>--version</pd:arg></pd:command></discoveryHint>
                <discoveryHint><pd:dpkg package="python3-django" minimumVersion="5.2"/></discoveryHint>
                <discoveryHint><pd:file path="/usr/bin/django-admin"/></discoveryHint>
              </or>
            </discoveryHint>
            <installers>
              <installer>
                <id>1</id>
                <pd:install kind="pip" architectures="x86_64 aarch64">
                  <pd:package name="Django" version="5.2.8" sha256="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"/>
                </pd:install>
              </installer>
              <installer>
                <id>2</id>
                <installerFile>
                  <fileSize>10</fileSize>
                  <installerURL>https://example.org/django.tar.gz</installerURL>
                  <pd:sha256>ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789</pd:sha256>
                </installerFile>
                <pd:install kind="archive" scope="user" strip="1" destination="django"/>
              </installer>
              <installer>
                <id>3</id>
                <pd:install kind="command"><pd:arg>/bin/echo</pd:arg><pd:arg>%InstallerFile%</pd:arg></pd:install>
              </installer>
            </installers>
          </entry>
        </feed>
        """

    @Test("every extension element reads into the model")
    func reads() throws {
        let feed = try FeedDocumentReader.read(bytes: Array(Self.feed.utf8), label: "ext.xml")
        #expect(feed.warnings.isEmpty, "\(feed.warnings)")
        let django = try #require(feed.products.first)
        #expect(django.dependency == .product(ProductRequirement("python3", constraint: ">=3.10")))
        #expect(
            django.discovery
                == .any(hints: [
                    .command(arguments: ["django-admin", "--version"], pattern: "Django (\\S+)", minimumVersion: "5.2"),
                    .dpkg(package: "python3-django", minimumVersion: "5.2"),
                    .file(path: "/usr/bin/django-admin", minimumVersion: nil),
                ]))
        #expect(django.hasLinuxInstaller)
        let pip = try #require(django.installers[0].linux)
        #expect(pip.kind == .pip && pip.scope == .app)
        #expect(
            pip.packages == [
                .init(
                    name: "Django", version: "5.2.8", sha256: ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"])
            ])
        #expect(django.installers[0].architectures == ["x86_64", "aarch64"])
        let archive = try #require(django.installers[1].linux)
        #expect(archive.kind == .archive && archive.scope == .user && archive.stripComponents == 1 && archive.destination == "django")
        #expect(django.installers[1].file?.sha256 == "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")
        #expect(django.installers[2].linux?.arguments == ["/bin/echo", "%InstallerFile%"])
    }

    @Test("WebPI's incompatibilities, through <incompatibleProduct>, with a version")
    func incompatibilities() throws {
        let xml = """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1">
              <entry>
                <productId>x</productId>
                <incompatibilities>
                  <incompatibleProduct><productId>WebDAV</productId></incompatibleProduct>
                  <incompatibleProduct><productId pd:version="&lt;2">WebDAVOOB</productId></incompatibleProduct>
                </incompatibilities>
              </entry>
            </feed>
            """
        let feed = try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "f.xml")
        #expect(feed.products[0].incompatibilities == [.init("WebDAV"), .init("WebDAVOOB", constraint: "<2")])
    }

    @Test("a bad kind or scope is a warning and leaves the installer Windows-only")
    func badKind() throws {
        let xml = """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1">
              <entry>
                <productId>x</productId>
                <installers><installer><pd:install kind="snap/pkg"/></installer></installers>
              </entry>
            </feed>
            """
        let feed = try FeedDocumentReader.read(bytes: Array(xml.utf8), label: "f.xml")
        #expect(!feed.products[0].hasLinuxInstaller)
        #expect(
            feed.warnings.map(\.description) == [
                "4:28: warning: <pd:install> of 'x' needs kind= an installer kind (apt, pip, archive, command, or one defined as data) ('snap/pkg' is not a kind's name); this installer is not usable on Linux"
            ])
    }
}
