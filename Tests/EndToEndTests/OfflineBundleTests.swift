import Foundation
import Testing
import TestSupport

/// `paddock download --to DIR`, then a machine with no network installs from DIR; and feeds
/// signed with `feed keygen`/`feed sign`, checked by `feed add --key`. All with the built binary.
@Suite("Offline bundles and signed feeds, end to end", .offCooperativePool)
struct OfflineBundleTests {
    final class Workspace {
        let root: URL
        init() throws { root = try TestPaths.temporaryDirectory("paddock-bundle") }
        deinit { try? FileManager.default.removeItem(at: root) }

        /// paddock with the home `name` (each a separate machine), no built-in feed.
        func run(_ arguments: [String], home: String = "home") throws -> ProcessResult {
            try runProcess(
                TestPaths.binary, arguments,
                environment: [
                    "PADDOCK_HOME": root.appendingPathComponent(home).path,
                    "PADDOCK_BUILTIN_FEED": "off",
                    "NO_COLOR": "1",
                ], directory: root)
        }

        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

        @discardableResult
        func write(_ relative: String, _ text: String) throws -> String {
            let url = root.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            return url.path
        }

        /// A .tar.gz holding one file, `hello-ID.txt`, made with tar; its bytes and SHA-256.
        func archive(_ id: String) throws -> (bytes: [UInt8], sha256: String) {
            let folder = root.appendingPathComponent("src/\(id)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("hello from \(id)\n".utf8).write(to: folder.appendingPathComponent("hello-\(id).txt"))
            let file = root.appendingPathComponent("src/\(id).tar.gz")
            let tar = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["tar", "-czf", file.path, "-C", folder.path, "hello-\(id).txt"])
            #expect(tar.status == 0, "\(tar.stderr)")
            return (Array(try Data(contentsOf: file)), try digest("sha256sum", file.path))
        }

        func digest(_ tool: String, _ path: String) throws -> String {
            String(try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [tool, path]).stdout.prefix { $0 != " " })
        }
    }

    /// Serves fixed paths; counts requests.
    final class Files: @unchecked Sendable {
        private let lock = NSLock()
        private var contents: [String: [UInt8]] = [:]
        func put(_ path: String, _ bytes: [UInt8]) {
            lock.lock()
            contents[path] = bytes
            lock.unlock()
        }
        func respond(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
            lock.lock()
            defer { lock.unlock() }
            guard let body = contents[request.path] else { return .init(status: 404) }
            return .serving(body, for: request)
        }
    }

    static func linuxEntry(_ id: String, url: String, sha256: String, dependency: String = "") -> String {
        """
          <entry>
            <productId>\(id)</productId>
            <title>\(id)</title>
            <version>1.0</version>
            <keywords><keywordId>Tools</keywordId></keywords>
            \(dependency)
            <installers>
              <installer>
                <id>1</id>
                <installerFile>
                  <fileSize>1</fileSize>
                  <installerURL>\(url)</installerURL>
                  <pd:sha256>\(sha256)</pd:sha256>
                </installerFile>
                <pd:install kind="archive" scope="user" destination="\(id)" />
              </installer>
            </installers>
          </entry>

        """
    }

    @Test("download a closure (an 'or' and a chain) from a server, stop it, install from the bundle on a fresh machine")
    func offlineInstall() throws {
        let work = try Workspace()
        let files = Files()
        let server = try LoopbackHTTPServer { files.respond($0) }
        defer { server.stop() }
        var entries = ""
        for id in ["tool-a", "tool-b", "tool-c", "tool-d", "tool-e"] {
            let archive = try work.archive(id)
            files.put("/files/\(id).tar.gz", archive.bytes)
            // One installer named by a URL relative to the feed, as the built-in feed writes them.
            let url = id == "tool-c" ? "../files/\(id).tar.gz" : "\(server.baseURL)/files/\(id).tar.gz"
            let dependency: String
            switch id {
            case "tool-a":
                dependency = """
                    <dependency><and>
                      <dependency><productId>tool-b</productId></dependency>
                      <dependency><or>
                        <dependency><productId>tool-c</productId></dependency>
                        <dependency><productId>tool-d</productId></dependency>
                      </or></dependency>
                    </and></dependency>
                    """
            case "tool-b": dependency = "<dependency idref=\"NeedsE\" />"
            default: dependency = ""
            }
            entries += Self.linuxEntry(id, url: url, sha256: archive.sha256, dependency: dependency)
        }
        let feed = """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1">
              <title>tools</title>
              <updated>2026-01-01T00:00:00Z</updated>
            \(entries)  <entry><productId>unrelated</productId></entry>
              <keywords><keyword id="Tools">Tools</keyword><keyword id="Other">Other</keyword></keywords>
              <dependencies><dependency id="NeedsE"><productId>tool-e</productId></dependency><dependency id="Unused"><productId>unrelated</productId></dependency></dependencies>
            </feed>
            """
        files.put("/feeds/tools.xml", Array(feed.utf8))

        #expect(try work.run(["feed", "add", "\(server.baseURL)/feeds/tools.xml", "--insecure"]).status == 0)
        let download = try work.run(["download", "tool-a", "--to", "bundle", "--json"])
        #expect(download.status == 0, "\(download.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(download.stdout.utf8)) as? [String: Any])
        #expect(report["products"] as? [String] == ["tool-a", "tool-b", "tool-c", "tool-d", "tool-e"])
        let written = (report["files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(written == ["tool-a", "tool-b", "tool-c", "tool-d", "tool-e"].map { "installers/\($0)/\($0).tar.gz" })
        #expect((report["needsNetworkOrMachine"] as? [Any])?.isEmpty == true)
        server.stop()

        // The bundle: every branch of the 'or', the named set, only the keyword used.
        let bundleFeed = try String(contentsOfFile: work.path("bundle/feed.xml"), encoding: .utf8)
        #expect(bundleFeed.contains("<installerURL>installers/tool-c/tool-c.tar.gz</installerURL>"))
        #expect(!bundleFeed.contains(server.baseURL))
        #expect(bundleFeed.contains("<dependency id=\"NeedsE\">") && !bundleFeed.contains("Unused") && !bundleFeed.contains("unrelated"))
        #expect(bundleFeed.contains("<keyword id=\"Tools\">") && !bundleFeed.contains("id=\"Other\""))
        for id in ["tool-a", "tool-d"] {
            #expect(FileManager.default.fileExists(atPath: work.path("bundle/installers/\(id)/\(id).tar.gz")))
        }

        // Signed by whoever made it; another machine, no network: the bundle is all it has.
        #expect(try work.run(["feed", "keygen", "bundler"]).status == 0)
        #expect(try work.run(["feed", "sign", work.path("bundle/feed.xml"), "--secret-key", "bundler.key"]).status == 0)
        let add = try work.run(["feed", "add", work.path("bundle/feed.xml"), "--key", work.path("bundler.pub")], home: "offline")
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout == "added feed 'feed': 5 products\n")
        let install = try work.run(["install", "tool-a", "--yes"], home: "offline")
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        for id in ["tool-a", "tool-b", "tool-c", "tool-e"] {
            let file = work.path("offline/data/programs/\(id)/hello-\(id).txt")
            #expect((try? String(contentsOfFile: file, encoding: .utf8)) == "hello from \(id)\n", "\(id)")
        }
        #expect(!FileManager.default.fileExists(atPath: work.path("offline/data/programs/tool-d")), "the 'or' takes its first branch")
    }

    @Test("--os windows --arch x64: the bundle holds a WebPI product's Windows installer, its osList and named set")
    func windowsBundle() throws {
        let work = try Workspace()
        let files = Files()
        let server = try LoopbackHTTPServer { files.respond($0) }
        defer { server.stop() }
        let x64 = Array("MSI x64 payload".utf8), x86 = Array("MSI x86 payload".utf8), lib = Array("library msi".utf8)
        files.put("/dl/WinApp_x64.msi", x64)
        files.put("/dl/WinApp_x86.msi", x86)
        files.put("/dl/WinLib.msi", lib)
        func sha1(_ bytes: [UInt8], _ name: String) throws -> String {
            try work.digest("sha1sum", try work.write("hash/\(name)", String(decoding: bytes, as: UTF8.self)))
        }
        let feed = """
            <feed xmlns="http://www.w3.org/2005/Atom">
              <title>webpi</title>
              <entry>
                <productId>WinApp</productId>
                <title>A Windows app</title>
                <dependency idref="WinDeps" />
                <installers>
                  <installer>
                    <id>1</id>
                    <languageId>en</languageId>
                    <architectures><x64 /></architectures>
                    <osList idref="SupportedOS" />
                    <installerFile>
                      <fileSize>1</fileSize>
                      <installerURL>\(server.baseURL)/dl/WinApp_x64.msi</installerURL>
                      <sha1>\(try sha1(x64, "a"))</sha1>
                    </installerFile>
                    <installCommands><msiInstall><msi>%InstallerFile%</msi></msiInstall></installCommands>
                  </installer>
                  <installer>
                    <id>2</id>
                    <languageId>en</languageId>
                    <architectures><x86 /></architectures>
                    <installerFile>
                      <installerURL>\(server.baseURL)/dl/WinApp_x86.msi</installerURL>
                      <sha1>\(try sha1(x86, "b"))</sha1>
                    </installerFile>
                  </installer>
                </installers>
              </entry>
              <entry>
                <productId>WinLib</productId>
                <installers><installer><id>1</id><installerFile>
                  <installerURL>\(server.baseURL)/dl/WinLib.msi</installerURL><sha1>\(try sha1(lib, "c"))</sha1>
                </installerFile></installer></installers>
              </entry>
              <oses>
                <os id="Win7"><minimumVersion><osMajorVersion>6</osMajorVersion><osMinorVersion>1</osMinorVersion></minimumVersion></os>
                <os id="WinXP"><minimumVersion><osMajorVersion>5</osMajorVersion></minimumVersion></os>
              </oses>
              <osLists><osList id="SupportedOS"><os idref="Win7" /></osList></osLists>
              <dependencies><dependency id="WinDeps"><productId>WinLib</productId></dependency></dependencies>
            </feed>
            """
        try work.write("webpi.xml", feed)
        #expect(try work.run(["feed", "add", work.path("webpi.xml")]).status == 0)
        let download = try work.run(["download", "WinApp", "--to", "win", "--os", "windows", "--arch", "x64"])
        #expect(download.status == 0, "\(download.stderr)")
        #expect(download.stdout.hasPrefix("bundle for windows/x86_64 (en) in \(work.path("win")): 2 products, 2 files"))
        #expect(download.stderr.isEmpty, "no progress bar when stderr is not a terminal")
        #expect(try Data(contentsOf: URL(fileURLWithPath: work.path("win/installers/WinApp/WinApp_x64.msi"))) == Data(x64))
        #expect(FileManager.default.fileExists(atPath: work.path("win/installers/WinLib/WinLib.msi")))
        #expect(!FileManager.default.fileExists(atPath: work.path("win/installers/WinApp/WinApp_x86.msi")))
        let bundleFeed = try String(contentsOfFile: work.path("win/feed.xml"), encoding: .utf8)
        #expect(bundleFeed.contains("<installerURL>installers/WinApp/WinApp_x64.msi</installerURL>"))
        #expect(bundleFeed.contains("<installerURL>\(server.baseURL)/dl/WinApp_x86.msi</installerURL>"), "other installers kept as written")
        #expect(bundleFeed.contains("<osList id=\"SupportedOS\">") && bundleFeed.contains("<os id=\"Win7\">") && !bundleFeed.contains("WinXP"))
        #expect(bundleFeed.contains("<msi>%InstallerFile%</msi>"))
        // What paddock reads back from the bundle is what it read from the feed.
        #expect(try work.run(["feed", "add", work.path("win/feed.xml"), "--name", "win"], home: "other").status == 0)
        let show = try work.run(["show", "WinApp", "--json"], home: "other")
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect("\(shown)".contains("SupportedOS"))
    }

    @Test("signing from the command line: keygen, sign, add --key, a changed byte refused in one line with exit 65")
    func signedFeedCLI() throws {
        let work = try Workspace()
        let feed = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>s</title><entry><productId>signed-one</productId></entry></feed>\n"
        let path = try work.write("signed.xml", feed)
        let keygen = try work.run(["feed", "keygen", "zoo"])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: work.path("zoo.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try work.run(["feed", "keygen", "zoo"]).status == 64, "no overwrite without --force")
        #expect(try work.run(["feed", "sign", path, "--secret-key", "zoo.key"]).status == 0)
        let sig = try String(contentsOfFile: path + ".sig", encoding: .utf8)
        #expect(sig.hasPrefix("untrusted comment: signature from paddock secret key\nRW"))
        #expect(sig.contains("\ntrusted comment: timestamp:"))
        #expect(try work.run(["feed", "verify", path, "--key", "zoo.pub"]).stdout.hasPrefix("good signature on \(path) by key "))

        // A named key in config.toml.
        let publicKey = try String(contentsOfFile: work.path("zoo.pub"), encoding: .utf8).split(separator: "\n")[1]
        try work.write("home/config/config.toml", "[keys]\nzoo = \"\(publicKey)\"\n")
        let add = try work.run(["feed", "add", path, "--key", "zoo"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try work.run(["feed", "list"]).stdout.contains("signed by key "))

        // One byte changed after signing.
        try work.write("signed.xml", feed.replacingOccurrences(of: "signed-one", with: "signed-two"))
        let update = try work.run(["feed", "update", "signed"])
        #expect(update.status == 65)
        #expect(update.stderr.hasPrefix("paddock: error: '\(path).sig' does not verify '\(path)': the feed's bytes do not match the signature"))
        #expect(update.stderr.split(separator: "\n").count == 1)
        #expect(try work.run(["show", "signed-one"]).status == 0, "the catalogue is unchanged")
        let other = try work.run(["feed", "add", path, "--name", "again", "--key", "zoo.pub"])
        #expect(other.status == 65)
        #expect(try work.run(["feed", "add", path, "--name", "bad", "--key", "nonsense"]).status == 64)
    }
}
