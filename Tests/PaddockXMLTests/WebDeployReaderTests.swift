import FeedModel
import Foundation
import Testing
import TestSupport

@testable import PaddockXML

/// Every Parameters.xml and Manifest.xml in Tests/Fixtures/msdeploy reads into the model.
@Suite("Web Deploy package files")
struct WebDeployReaderTests {
    static let parameterCounts: [(file: String, count: Int)] = [
        ("iisdocs-blogengine-parameters.xml", 2),
        ("iisdocs-galleryserverpro-parameters.xml", 7),
        ("iisdocs-joomla-parameters.xml", 24),
        ("iisdocs-mediawiki-parameters.xml", 2),
        ("iisdocs-packaging-guide-db-parameters.xml", 7),
        ("iisdocs-reference-localized-parameters.xml", 1),
        ("iisdocs-umbraco-parameters.xml", 20),
        ("iisdocs-wordpress-parameters.xml", 13),
        ("iiswsgi-pyramid-Parameters.xml", 3),
        ("iiswsgi-sample-Parameters.xml", 3),
        ("plone-Parameters.xml", 2),
    ]

    static func path(_ file: String) -> String { TestPaths.msdeployFiles.appendingPathComponent(file).path }

    @Test("every package file in Tests/Fixtures/msdeploy is covered")
    func covered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.msdeployFiles.path)
        let parameterFiles = files.filter { $0.lowercased().contains("parameters") }.sorted()
        #expect(parameterFiles == Self.parameterCounts.map(\.file).sorted())
    }

    @Test("parameter counts", arguments: parameterCounts)
    func counts(file: String, count: Int) throws {
        let parameters = try WebDeployReader.parameters(path: Self.path(file))
        #expect(parameters.count == count)
        #expect(parameters.allSatisfy { !$0.name.isEmpty })
    }

    @Test("WordPress: tags, entries with type=, hidden computed values")
    func wordpress() throws {
        let parameters = try WebDeployReader.parameters(path: Self.path("iisdocs-wordpress-parameters.xml"))
        let application = try #require(parameters.first)
        #expect(application.name == "ApplicationPath")
        #expect(application.defaultValue == "Default Web Site/wordpress")
        #expect(application.hasTag("IisApp"))
        #expect(application.entries == [.init(kind: "ProviderPath", scope: "iisapp", match: "wordpress")])
        let server = try #require(parameters.first { $0.name == "DatabaseServer" })
        #expect(server.tags == ["MySQL", "dbServer"])
        let automatic = try #require(parameters.first { $0.name == "Automatic DatabaseServer" })
        #expect(automatic.isHidden)
        #expect(automatic.defaultValue == "define\\('DB_HOST', '{DatabaseServer}'\\);")
    }

    @Test("iiswsgi: kind=, Boolean and Enumeration validation")
    func iiswsgi() throws {
        let parameters = try WebDeployReader.parameters(path: Self.path("iiswsgi-sample-Parameters.xml"))
        let database = try #require(parameters.first { $0.name == "DBType" })
        #expect(database.friendlyName == "Database Type")
        #expect(database.validation == .init(kinds: ["Enumeration"], validationString: "SQLite,Postgresql,MySQL"))
        #expect(database.entries == [.init(kind: "TextFile", scope: "\\\\iis_fcgi\\.ini$", match: "__msdeploy_db_type__")])
        #expect(parameters.first { $0.name == "DevelMode" }?.validation?.allows("boolean") == true)
    }

    @Test("localized descriptions by culture")
    func localized() throws {
        let parameters = try WebDeployReader.parameters(path: Self.path("iisdocs-reference-localized-parameters.xml"))
        #expect(!(parameters.first?.localizedDescriptions.isEmpty ?? true))
    }

    @Test(
        "manifests, whatever the case of their names",
        arguments: [
            "iisdocs-blogengine-manifest.xml", "iisdocs-galleryserverpro-manifest.xml", "iisdocs-joomla-manifest.xml",
            "iisdocs-mediawiki-manifest.xml", "iisdocs-umbraco-manifest.xml", "iisdocs-wordpress-manifest.xml",
            "iiswsgi-sample-Manifest.xml.in", "plone-Manifest.xml",
        ])
    func manifests(file: String) throws {
        let manifest = try WebDeployReader.manifest(path: Self.path(file))
        #expect(manifest.rootName.lowercased() == "msdeploy.iisapp")
        #expect(manifest.providers.contains { $0.name.lowercased() == "iisapp" && $0.path != nil })
    }

    @Test("BlogEngine's manifest: iisApp and setAcl")
    func blogEngine() throws {
        let manifest = try WebDeployReader.manifest(path: Self.path("iisdocs-blogengine-manifest.xml"))
        #expect(manifest.providers.map(\.name) == ["iisapp", "setAcl"])
        #expect(manifest.providers[1].attributes["setAclAccess"] == "ReadAndExecute,Write,Delete")
    }

    @Test("a parameter without a name is an error with its place")
    func missingName() throws {
        let error = #expect(throws: XMLSyntaxError.self) {
            try WebDeployReader.parameters(bytes: Array("<parameters>\n  <parameter defaultValue=\"x\"/>\n</parameters>".utf8), label: "Parameters.xml")
        }
        #expect(error?.description.hasPrefix("Parameters.xml:2:3:") == true)
        #expect(error?.description.hasSuffix("<parameter> has no name attribute; every parameter needs a unique name") == true)
    }

    @Test("pd:requires maps a value to the products it brings in; other namespaces are ignored")
    func requiresExtension() throws {
        let xml = """
            <parameters xmlns:pd="urn:paddock:feed:1" xmlns:x="urn:other">
              <parameter name="database" defaultValue="sqlite">
                <parameterValidation kind="Enumeration" validationString="sqlite,postgresql"/>
                <pd:requires value="postgresql" product="psycopg"/>
                <pd:requires value="postgresql" product="libpq"/>
                <x:requires value="sqlite" product="nothing"/>
              </parameter>
            </parameters>
            """
        let parameters = try WebDeployReader.parameters(bytes: Array(xml.utf8), label: "Parameters.xml")
        #expect(parameters[0].products(for: "postgresql") == ["psycopg", "libpq"])
        #expect(parameters[0].products(for: "PostgreSQL") == ["psycopg", "libpq"])
        #expect(parameters[0].products(for: "sqlite") == [])
        let broken = #expect(throws: XMLSyntaxError.self) {
            try WebDeployReader.parameters(
                bytes: Array("<parameters xmlns:pd=\"urn:paddock:feed:1\">\n<parameter name=\"d\">\n  <pd:requires value=\"x\"/>\n</parameter>\n</parameters>".utf8),
                label: "Parameters.xml")
        }
        #expect(broken?.description == "Parameters.xml:3:3: <pd:requires> in parameter 'd' needs value= and product= attributes")
    }

    @Test("the Blank Django Project's database choice brings its driver")
    func blankDjangoDrivers() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Recipes/blank-django/Parameters.xml").standardizedFileURL
        let database = try #require(try WebDeployReader.parameters(path: file.path).first { $0.name == "database" })
        #expect(database.products(for: "postgresql") == ["psycopg"])
        #expect(database.products(for: "mysql") == ["pymysql"])
        #expect(database.products(for: "mssql") == ["mssql-django"])
        #expect(database.products(for: "sqlite") == [])
        let parameters = try WebDeployReader.parameters(path: file.path)
        for name in ["database_name", "database_host", "database_port", "database_user", "database_password"] {
            #expect(parameters.first { $0.name == name }?.askWhen == .init(parameter: "database", values: ["postgresql", "mysql", "mssql"]), "\(name)")
        }
        #expect(parameters.first { $0.name == "app_name" }?.askWhen == nil)
    }

    @Test("pd:askWhen must name a parameter defined before it")
    func askWhenOrder() throws {
        let xml =
            "<parameters xmlns:pd=\"urn:paddock:feed:1\">\n<parameter name=\"host\">\n  <pd:askWhen parameter=\"database\" values=\"postgresql\"/>\n</parameter>\n<parameter name=\"database\"/>\n</parameters>"
        let error = #expect(throws: XMLSyntaxError.self) {
            try WebDeployReader.parameters(bytes: Array(xml.utf8), label: "Parameters.xml")
        }
        #expect(error?.description == "Parameters.xml:3:3: <pd:askWhen> in parameter 'host' refers to 'database', which is not a parameter defined before it")
    }

    @Test("pd:expects and pd:refuse: the rule in words and the values refused with a reason; each is checked")
    func expectsAndRefuse() throws {
        let xml = """
            <parameters xmlns:pd="urn:paddock:feed:1">
              <parameter name="app_name">
                <parameterValidation kind="RegularExpression" validationString="^[a-z]+$"/>
                <pd:expects>  a lowercase name  </pd:expects>
                <pd:refuse values="site  os
                    sys" reason="is a module of Python's own library"/>
              </parameter>
            </parameters>
            """
        let parameter = try #require(try WebDeployReader.parameters(bytes: Array(xml.utf8), label: "Parameters.xml").first)
        #expect(parameter.expectation == "a lowercase name")
        #expect(parameter.refusals == [.init(values: ["site", "os", "sys"], reason: "is a module of Python's own library")])
        for (body, message) in [
            ("<pd:expects/>", "Parameters.xml:3:3: <pd:expects> in parameter 'd' is empty; say in words what a valid value is"),
            ("<pd:refuse values=\"a\"/>", "Parameters.xml:3:3: <pd:refuse> in parameter 'd' needs values= (separated by spaces) and reason= attributes"),
            ("<pd:refuse values=\" \" reason=\"r\"/>", "Parameters.xml:3:3: <pd:refuse> in parameter 'd' needs values= (separated by spaces) and reason= attributes"),
        ] {
            let error = #expect(throws: XMLSyntaxError.self) {
                try WebDeployReader.parameters(
                    bytes: Array("<parameters xmlns:pd=\"urn:paddock:feed:1\">\n<parameter name=\"d\">\n  \(body)\n</parameter>\n</parameters>".utf8),
                    label: "Parameters.xml")
            }
            #expect(error?.description == message)
        }
    }

    @Test("the shipped templates refuse, in words, a package named like a module of Python's library or a package they use")
    func shippedTemplatesRefuseShadowingNames() throws {
        for (template, dependency) in [("blank-django", "django"), ("blank-flask", "flask")] {
            let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Recipes/\(template)/Parameters.xml")
                .standardizedFileURL
            let appName = try #require(try WebDeployReader.parameters(path: file.path).first { $0.name == "app_name" })
            let refused = Set(appName.refusals.flatMap(\.values))
            for name in ["site", "os", "sys", "json", "email", "logging"] { #expect(refused.contains(name), "\(template): \(name)") }
            #expect(refused.contains(dependency), "\(template)")
            #expect(!refused.contains("mysite") && !refused.contains("shop"))
            #expect(appName.expectation?.hasPrefix("a lowercase Python identifier") == true)
        }
    }
}
