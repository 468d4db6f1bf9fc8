import FeedModel
import Foundation
import PaddockXML
import Testing

/// The manifest's `<test>`: the tests' command and the setup of the kept test database.
@Suite("App manifest: <test> and its <setup>")
struct AppManifestTestTests {
    @Test("the test command, the setup command and its inputs are read; bad ones are refused with their place")
    func test() throws {
        let scratch = try EngineScratch()
        let good = try scratch.write(
            "a.xml",
            """
            <app xmlns="urn:paddock:app:1"><engine name="e"/>
              <test>
                <setup inputs="testdata/setup/*.sql; testdata/fixtures/*.json"><arg>python</arg><arg>testdb.py</arg></setup>
                <arg>python</arg><arg>manage.py</arg><arg>test</arg><arg>--keepdb</arg>
              </test>
            </app>
            """)
        let manifest = try AppManifestReader.read(path: good.path)
        #expect(manifest.testArguments == ["python", "manage.py", "test", "--keepdb"])
        #expect(manifest.testSetupArguments == ["python", "testdb.py"])
        #expect(manifest.testSetupInputs == ["testdata/setup/*.sql", "testdata/fixtures/*.json"])
        #expect(try AppManifestReader.read(path: try scratch.write("b.xml", "<app xmlns=\"urn:paddock:app:1\"><engine name=\"e\"/></app>").path).testArguments.isEmpty)
        for (body, message) in [
            ("<test/>", "x.xml:2:3: <test> needs <arg>s: the command that runs the app's tests"),
            ("<test><setup/><arg>t</arg></test>", "x.xml:2:9: <setup> needs <arg>s: the command that prepares the kept test database"),
            (
                "<test><setup inputs=\"../secrets/*\"><arg>s</arg></setup><arg>t</arg></test>",
                "x.xml:2:9: the test setup input '../secrets/*' must be a file pattern relative to the app's folder, inside it"
            ),
            (
                "<test><setup inputs=\"/etc/*\"><arg>s</arg></setup><arg>t</arg></test>",
                "x.xml:2:9: the test setup input '/etc/*' must be a file pattern relative to the app's folder, inside it"
            ),
        ] {
            let file = try scratch.write("x.xml", "<app xmlns=\"urn:paddock:app:1\"><engine name=\"e\"/>\n  \(body)\n</app>")
            let error = try #require(throws: XMLSyntaxError.self) { try AppManifestReader.read(path: file.path, label: "x.xml") }
            #expect(error.description == message)
        }
    }

    @Test("the Blank Django Project's manifest runs manage.py test --keepdb, its setup from testdata/")
    func blankDjango() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Recipes/blank-django/paddock-app.xml").standardizedFileURL
        let manifest = try AppManifestReader.read(path: file.path)
        #expect(manifest.testArguments.contains("--keepdb"))
        #expect(manifest.testSetupArguments == ["python", "testdb.py"])
        #expect(manifest.testSetupInputs.allSatisfy { $0.hasPrefix("testdata/") })
    }
}
