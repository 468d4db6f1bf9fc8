import Foundation
import PaddockApps
import Testing
import TestSupport

/// An installer kind and an engine, both defined as data by the admin (no Swift, no new paddock),
/// carry an app from install to a served page: the built paddock installs a template whose
/// dependency is of the toy kind (its commands put a file in the app's vendor folder), then
/// launches it on a `python3 -m http.server` engine, which serves that file.
@Suite("A toy installer kind and a toy engine from data alone, end to end", .serialized, .requires(.python3), .offCooperativePool)
struct DataDefinedKindTests {
    static let kind = """
        <?xml version="1.0" encoding="utf-8"?>
        <kind xmlns="urn:paddock:kind:1" name="toy" environment="{{app_root}}/vendor">
          <install>
            <arg>python3</arg><arg>-c</arg>
            <arg>import os, sys; os.makedirs(sys.argv[1], exist_ok=True); open(os.path.join(sys.argv[1], sys.argv[2]), "w").write("toy " + sys.argv[2] + " " + sys.argv[3] + "\\n")</arg>
            <arg>{{environment}}</arg><arg>{{package}}</arg><arg>{{version}}</arg>
          </install>
          <remove><arg>rm</arg><arg>-f</arg><arg>{{environment}}/{{package}}</arg></remove>
          <present><arg>test</arg><arg>-f</arg><arg>{{environment}}/{{package}}</arg></present>
          <offline reason="toy packages, made on the spot"/>
        </kind>
        """

    static let engine = """
        <?xml version="1.0" encoding="utf-8"?>
        <engine xmlns="urn:paddock:engine:1" name="toy-http-server" runtime="python3" gracefulTimeout="5">
          <program>python3</program>
          <arg>-m</arg><arg>http.server</arg><arg>{{port}}</arg><arg>--bind</arg><arg>{{host}}</arg>
          <transport kind="tcp" portLower="18471" portUpper="18479"/>
          <reload strategy="start-new-then-stop-old"/>
          <workers formula="1"/>
        </engine>
        """

    @Test("install (the kind's command runs, journaled), launch (the engine serves what the kind made), doctor, uninstall")
    func toyKindAndEngine() throws {
        let sandbox = try EngineTests.Sandbox()
        try sandbox.writeEngine("toy-http-server", Self.engine)
        let kinds = sandbox.home.appendingPathComponent("config/kinds")
        try FileManager.default.createDirectory(at: kinds, withIntermediateDirectories: true)
        try Data(Self.kind.utf8).write(to: kinds.appendingPathComponent("toy.xml"))

        // The template and, in the same local feed, its dependency of the toy kind.
        let source = sandbox.root.appendingPathComponent("src/toy-site")
        for (name, content) in [
            "paddock-app.xml": #"<app xmlns="urn:paddock:app:1"><engine name="toy-http-server"/><health path="/"/></app>"#,
            "project/index.html": "<h1>toy site</h1>\n",
        ] {
            let file = source.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: file)
        }
        let archive = sandbox.root.appendingPathComponent("toy-site.tar.gz")
        #expect(try runProcess(URL(fileURLWithPath: "/bin/tar"), ["czf", archive.path, "-C", source.deletingLastPathComponent().path, "toy-site"]).status == 0)
        let sha256 = String(try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"), [archive.path]).stdout.prefix(64))
        let feed = sandbox.root.appendingPathComponent("toy-feed.xml")
        try Data(
            """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1"><title>toy</title>
            <entry><productId>toy-widget</productId><version>3.0</version>
              <installers><installer><id>1</id><pd:install kind="toy" scope="app"><pd:package name="widget" version="3.0"/></pd:install></installer></installers></entry>
            <entry type="application"><productId>toy-site</productId><version>1.0</version>
              <dependency><productId>toy-widget</productId></dependency>
              <installers><installer><id>1</id><installerFile><installerURL>\(archive.path)</installerURL><pd:sha256>\(sha256)</pd:sha256></installerFile>
              <pd:install kind="archive" scope="app" strip="1"/></installer></installers></entry>
            </feed>
            """.utf8
        ).write(to: feed)
        #expect(try sandbox.paddock(["feed", "add", feed.path, "--name", "toy"]).status == 0)

        // Without --allow-unverified the toy packages (no hashes) are refused before anything runs.
        let refused = try sandbox.paddock(["install", "toy-site", "--app", "site", "--yes"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("the feed gives no hash for some of toy-widget's packages"), "\(refused.stderr)")

        let install = try sandbox.paddock(["install", "toy-site", "--app", "site", "--yes", "--allow-unverified"])
        try #require(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        #expect(install.stdout.contains("installed toy-widget, toy-site"), "\(install.stdout)")
        let app = sandbox.root.appendingPathComponent("site")
        #expect(try String(contentsOf: app.appendingPathComponent("vendor/widget"), encoding: .utf8) == "toy widget 3.0\n")

        let launch = try sandbox.paddock(["launch", "site", "--detach"])
        defer { _ = try? sandbox.paddock(["stop", "site"]) }
        try #require(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let port = try #require(try sandbox.status("site")["port"] as? Int)
        #expect((18471...18479).contains(port))
        #expect(HTTPProbe.get(port: port, path: "/", host: "127.0.0.1")?.body.contains("toy site") == true)
        #expect(HTTPProbe.get(port: port, path: "/vendor/widget", host: "127.0.0.1")?.body == "toy widget 3.0\n")

        // The kind's own check: healthy, then the package gone is a problem naming it.
        #expect(try sandbox.paddock(["doctor"]).status == 0)
        try FileManager.default.removeItem(at: app.appendingPathComponent("vendor/widget"))
        let doctor = try sandbox.paddock(["doctor"])
        #expect(doctor.status == 1)
        #expect(doctor.stdout.contains("toy-widget: the toy package widget is missing; run: paddock uninstall toy-widget --app site and install it again"), "\(doctor.stdout)")

        #expect(try sandbox.paddock(["stop", "site"]).status == 0)
        let uninstall = try sandbox.paddock(["uninstall", "toy-site", "--app", "site", "--yes"])
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        #expect(!FileManager.default.fileExists(atPath: app.path))
    }
}
