import FeedModel
import Foundation
import PaddockApps
import Testing

/// Parameters shaped like the recipes' Parameters.xml (blank-django's, trimmed).
enum Parameters {
    static func make(
        _ name: String, default defaultValue: String? = nil, kinds: [String]? = nil, pattern: String? = nil, tags: [String] = [],
        expects: String? = nil, refusing refusals: [DeploymentParameter.Refusal] = []
    ) -> DeploymentParameter {
        var parameter = DeploymentParameter(name: name)
        parameter.expectation = expects
        parameter.refusals = refusals
        parameter.defaultValue = defaultValue
        parameter.tags = tags
        if let kinds { parameter.validation = .init(kinds: kinds, validationString: pattern) }
        return parameter
    }

    static let appName = make(
        "app_name", default: "mysite", kinds: ["RegularExpression"], pattern: "^[a-z_][a-z0-9_]{0,39}$",
        expects: "a lowercase Python identifier", refusing: [.init(values: ["site", "os"], reason: "is the name of a module of Python's own library")])
    static let database = make("database", default: "sqlite", kinds: ["Enumeration"], pattern: "sqlite,postgresql,mysql")
    static let databaseHost = make("database_host", default: "127.0.0.1", kinds: ["AllowEmpty", "RegularExpression"], pattern: "^[A-Za-z0-9_.:-]{0,253}$")
    static let debug = make("debug", default: "False", kinds: ["Boolean"])
    static let port = make(
        "port", default: "8000", kinds: ["RegularExpression"],
        pattern: "^(102[4-9]|10[3-9][0-9]|1[1-9][0-9]{2}|[2-9][0-9]{3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$",
        expects: "a port number from 1024 to 65535")
    static let databaseName = make("database_name", default: "{app_name}_db", tags: ["Hidden"])

    static let all = [appName, database, databaseHost, debug, port, databaseName]
}

/// A scripted person at a terminal: answers in order, recording what each prompt showed.
final class ScriptedAsker: @unchecked Sendable {
    struct Prompt: Equatable {
        var name: String
        var fallback: String?
        var refusal: String?
    }
    private var answers: [String?]
    private(set) var prompts: [Prompt] = []

    init(_ answers: [String?]) { self.answers = answers }

    func ask(_ parameter: DeploymentParameter, _ fallback: String?, _ refusal: String?) -> String? {
        prompts.append(Prompt(name: parameter.name, fallback: fallback, refusal: refusal))
        // Running out of script is the input being closed.
        return answers.isEmpty ? nil : answers.removeFirst()
    }
}

@Suite("ParameterResolver")
struct ParameterResolverTests {
    func failure(_ body: () throws -> [String: String]) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as ParameterResolver.Failure {
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("without a terminal every default is taken, hidden ones computed from {name} references")
    func defaultsWithoutTerminal() throws {
        let values = try ParameterResolver(parameters: Parameters.all).resolve(given: [:], ask: nil)
        #expect(
            values == [
                "app_name": "mysite", "database": "sqlite", "database_host": "127.0.0.1", "debug": "False", "port": "8000",
                "database_name": "mysite_db",
            ])
    }

    @Test("given values are used, and hidden parameters follow them")
    func givenValues() throws {
        let values = try ParameterResolver(parameters: Parameters.all).resolve(
            given: ["app_name": "shop", "database": "postgresql", "database_host": "", "debug": "TRUE", "port": "65535"], ask: nil)
        #expect(values["app_name"] == "shop")
        #expect(values["database"] == "postgresql")
        #expect(values["database_host"] == "", "AllowEmpty accepts the empty string before the pattern is tried")
        #expect(values["debug"] == "TRUE", "Boolean is case-insensitive")
        #expect(values["port"] == "65535")
        #expect(values["database_name"] == "shop_db")
    }

    @Test(
        "a bad --param value is refused with the exact reason",
        arguments: [
            ("app_name", "My-Site", "--param app_name=My-Site: 'My-Site' is not valid: expected a lowercase Python identifier"),
            ("app_name", "", "--param app_name=: a value is required"),
            ("app_name", "site", "--param app_name=site: 'site' is the name of a module of Python's own library"),
            ("port", "80", "--param port=80: '80' is not valid: expected a port number from 1024 to 65535"),
            ("port", "65536", "--param port=65536: '65536' is not valid: expected a port number from 1024 to 65535"),
            ("database", "oracle", "--param database=oracle: expected one of: sqlite, postgresql, mysql"),
            ("database", "SQLite", "--param database=SQLite: expected one of: sqlite, postgresql, mysql"),
            ("database", " sqlite", "--param database= sqlite: expected one of: sqlite, postgresql, mysql"),
            ("database_host", "db host", "--param database_host=db host: 'db host' is not in the form the template asks for (the pattern ^[A-Za-z0-9_.:-]{0,253}$)"),
            ("debug", "yes", "--param debug=yes: expected True or False"),
            ("debug", "", "--param debug=: a value is required"),
        ])
    func badGivenValue(name: String, value: String, message: String) {
        #expect(failure { try ParameterResolver(parameters: Parameters.all).resolve(given: [name: value], ask: nil) } == message)
    }

    @Test("an unknown parameter name is refused with the list of the template's parameters")
    func unknownName() {
        #expect(
            failure { try ParameterResolver(parameters: Parameters.all).resolve(given: ["colour": "red", "port": "9000"], ask: nil) }
                == "the template has no parameter 'colour'; its parameters are: app_name, database, database_host, debug, port, database_name")
    }

    @Test("without pd:expects, a refusal quotes the parameter's own description, not its pattern")
    func refusalFromDescription() {
        var port = Parameters.make("port", kinds: ["RegularExpression"], pattern: "^[0-9]{4,5}$")
        port.friendlyName = "HTTP port"
        port.description = "The port the app listens on (1024 to 65535)."
        #expect(
            failure { try ParameterResolver(parameters: [port]).resolve(given: ["port": "80"], ask: nil) }
                == "--param port=80: '80' is not a valid HTTP port (The port the app listens on (1024 to 65535).)")
    }

    @Test("a bad answer is refused and asked again with the reason; then the answer is taken")
    func reAsk() throws {
        let asker = ScriptedAsker(["Bad Name", "shop"])
        let values = try ParameterResolver(parameters: [Parameters.appName]).resolve(given: [:], ask: asker.ask)
        #expect(values == ["app_name": "shop"])
        #expect(
            asker.prompts == [
                .init(name: "app_name", fallback: "mysite", refusal: nil),
                .init(name: "app_name", fallback: "mysite", refusal: "'Bad Name' is not valid: expected a lowercase Python identifier"),
            ])
    }

    @Test("an empty answer takes the default; given values are not asked")
    func emptyAnswerTakesDefault() throws {
        let asker = ScriptedAsker(["", "", "", "70000", "18437"])
        let values = try ParameterResolver(parameters: Parameters.all).resolve(given: ["database": "mysql"], ask: asker.ask)
        #expect(
            values == [
                "app_name": "mysite", "database": "mysql", "database_host": "127.0.0.1", "debug": "False", "port": "18437",
                "database_name": "mysite_db",
            ])
        #expect(asker.prompts.map(\.name) == ["app_name", "database_host", "debug", "port", "port"])
        #expect(asker.prompts.last?.refusal?.hasPrefix("'70000' is not valid: expected a port number") == true)
    }

    @Test("pd:askWhen: the database server is asked for PostgreSQL, not for SQLite (its default is taken)")
    func askWhen() throws {
        var host = Parameters.databaseHost
        host.askWhen = .init(parameter: "database", values: ["postgresql", "mysql"])
        let parameters = [Parameters.appName, Parameters.database, host]
        let sqlite = ScriptedAsker(["", "sqlite"])
        #expect(
            try ParameterResolver(parameters: parameters).resolve(given: [:], ask: sqlite.ask)
                == ["app_name": "mysite", "database": "sqlite", "database_host": "127.0.0.1"])
        #expect(sqlite.prompts.map(\.name) == ["app_name", "database"])
        let postgres = ScriptedAsker(["", "postgresql", "db.internal"])
        #expect(try ParameterResolver(parameters: parameters).resolve(given: [:], ask: postgres.ask)["database_host"] == "db.internal")
        #expect(postgres.prompts.map(\.name) == ["app_name", "database", "database_host"])
    }

    @Test("a default is shown with the answers so far filled in")
    func defaultReferences() throws {
        let greeting = Parameters.make("title", default: "{app_name} on port {port}")
        let asker = ScriptedAsker(["blog", "9000", ""])
        let values = try ParameterResolver(parameters: [Parameters.appName, Parameters.port, greeting]).resolve(given: [:], ask: asker.ask)
        #expect(asker.prompts.last == .init(name: "title", fallback: "blog on port 9000", refusal: nil))
        #expect(values["title"] == "blog on port 9000")
    }

    @Test("the input closed while asking is an error naming the --param to pass")
    func inputClosed() {
        let asker = ScriptedAsker(["", "Bad"])
        #expect(
            failure { try ParameterResolver(parameters: [Parameters.debug, Parameters.appName]).resolve(given: [:], ask: asker.ask) }
                == "no answer for 'app_name' (input closed); pass --param app_name=VALUE")
        #expect(asker.prompts.count == 3)
    }

    @Test("a required value with no default and no terminal is an error at once, not a hang")
    func requiredWithoutTerminal() {
        let token = Parameters.make("api_token", kinds: ["RegularExpression"], pattern: "^[a-f0-9]{8}$")
        let started = Date()
        #expect(
            failure { try ParameterResolver(parameters: [Parameters.appName, token]).resolve(given: [:], ask: nil) }
                == "'api_token' needs a value and there is no terminal to ask on; pass --param api_token=VALUE (or --answers FILE)")
        #expect(Date().timeIntervalSince(started) < 1)
        // No validation at all is the same: a value is needed.
        #expect(
            failure { try ParameterResolver(parameters: [Parameters.make("note")]).resolve(given: [:], ask: nil) }
                == "'note' needs a value and there is no terminal to ask on; pass --param note=VALUE (or --answers FILE)")
        // AllowEmpty without a default is satisfied by the empty string.
        #expect(
            (try? ParameterResolver(parameters: [Parameters.make("note", kinds: ["AllowEmpty"])]).resolve(given: [:], ask: nil))
                == ["note": ""])
    }

    @Test("a required value with no default, at a terminal: an empty answer is refused and asked again")
    func requiredAtTerminal() throws {
        let asker = ScriptedAsker(["", "deadbeef"])
        let token = Parameters.make("api_token", kinds: ["RegularExpression"], pattern: "^[a-f0-9]{8}$")
        #expect(try ParameterResolver(parameters: [token]).resolve(given: [:], ask: asker.ask) == ["api_token": "deadbeef"])
        #expect(asker.prompts == [.init(name: "api_token", fallback: nil, refusal: nil), .init(name: "api_token", fallback: nil, refusal: "a value is required")])
    }

    @Test("an invalid default without a terminal is an error naming the value")
    func invalidDefault() {
        let broken = Parameters.make("port", default: "80", kinds: ["RegularExpression"], pattern: "^[0-9]{4,5}$")
        #expect(
            failure { try ParameterResolver(parameters: [broken]).resolve(given: [:], ask: nil) }
                == "the default of 'port' ('80') is not valid: '80' is not in the form the template asks for (the pattern ^[0-9]{4,5}$); pass --param port=VALUE")
    }

    @Test("hidden parameters are not asked")
    func hiddenNotAsked() throws {
        let asker = ScriptedAsker(["shop"])
        let values = try ParameterResolver(parameters: [Parameters.appName, Parameters.databaseName]).resolve(given: [:], ask: asker.ask)
        #expect(asker.prompts.map(\.name) == ["app_name"])
        #expect(values == ["app_name": "shop", "database_name": "shop_db"])
    }

    @Test("references are expanded once, from the answers: a value holding {name} is not expanded again")
    func referencesExpandedOnce() throws {
        let first = Parameters.make("first", default: "x")
        let second = Parameters.make("second", default: "y")
        let combined = Parameters.make("combined", default: "{first}-{second}", tags: ["Hidden"])
        // Whatever order the dictionary gives, "{second}" typed as a value stays as typed.
        for _ in 0..<20 {
            let values = try ParameterResolver(parameters: [first, second, combined]).resolve(given: ["first": "{second}", "second": "b"], ask: nil)
            #expect(values["combined"] == "{second}-b")
        }
    }

    @Test("a hidden parameter given with --param is validated like the others")
    func hiddenGivenValidated() {
        let hidden = Parameters.make("schema", default: "public", kinds: ["RegularExpression"], pattern: "^[a-z]+$", tags: ["Hidden"])
        #expect(
            failure { try ParameterResolver(parameters: [hidden]).resolve(given: ["schema": "x'; drop"], ask: nil) }
                == "--param schema=x'; drop: 'x'; drop' is not in the form the template asks for (the pattern ^[a-z]+$)")
        #expect((try? ParameterResolver(parameters: [hidden]).resolve(given: ["schema": "sales"], ask: nil)) == ["schema": "sales"])
    }

    @Test(
        "a line break in a value is refused whatever the validation (values land in files and in KEY=VALUE lines)",
        arguments: [
            "pw\nPADDOCK_DEBUG=1", "pw\r\nx", "pw\rx",
        ])
    func lineBreakRefused(value: String) {
        let password = Parameters.make("database_password", default: "", kinds: ["AllowEmpty"], tags: ["Password", "NoStore"])
        #expect(
            failure { try ParameterResolver(parameters: [password]).resolve(given: ["database_password": value], ask: nil) }
                == "--param database_password=(not shown): a value cannot contain a line break")
    }

    @Test("a refused password is never repeated back, from --param or an answers file")
    func refusedPasswordNotEchoed() {
        let password = Parameters.make("database_password", kinds: ["RegularExpression"], pattern: "^[a-z]{8,}$", tags: ["Password"])
        let resolver = ParameterResolver(parameters: [password])
        let given = failure { try resolver.resolve(given: ["database_password": "Sekr3t!"], ask: nil) }
        #expect(given == "--param database_password=(not shown): the value is not in the form the template asks for (the pattern ^[a-z]{8,}$)")
        let answered = failure {
            try resolver.resolve(given: ["database_password": "Sekr3t!"], origins: ["database_password": "answers.txt:3"], ask: nil)
        }
        #expect(answered == "answers.txt:3: database_password = (not shown): the value is not in the form the template asks for (the pattern ^[a-z]{8,}$)")
        #expect(given?.contains("Sekr3t!") == false && answered?.contains("Sekr3t!") == false)
    }

    @Test(
        "problem(with:for:) on its own",
        arguments: [
            ("True", Parameters.debug, nil),
            ("false", Parameters.debug, nil),
            ("1", Parameters.debug, "expected True or False"),
            ("mysql", Parameters.database, nil),
            ("mysql,", Parameters.database, "expected one of: sqlite, postgresql, mysql"),
            ("", Parameters.databaseHost, nil),
            ("anything at all", Parameters.make("free"), nil),
            ("", Parameters.make("free"), "a value is required"),
            ("x", Parameters.make("broken", kinds: ["RegularExpression"], pattern: "(["), "the template's pattern '([' is not valid"),
        ] as [(String, DeploymentParameter, String?)])
    func problem(value: String, parameter: DeploymentParameter, expected: String?) {
        #expect(ParameterResolver.problem(with: value, for: parameter) == expected)
    }
}

@Suite("AnswersFile")
struct AnswersFileTests {
    @Test("name = value lines, comments, blank lines, quotes and spaces")
    func parse() throws {
        let text = """
            # answers for blank-django
            app_name = shop

              port=9001   
            database_host =
            title = "My shop"
            eq = a=b
            # trailing comment

            """
        #expect(
            try AnswersFile.parse(text, file: "answers.txt")
                == ["app_name": "shop", "port": "9001", "database_host": "", "title": "My shop", "eq": "a=b"])
    }

    @Test("a line without '=' is an error naming file:line")
    func missingEquals() {
        let error = #expect(throws: ParameterResolver.Failure.self) {
            try AnswersFile.parse("app_name = shop\n# fine\nport 9000\n", file: "/tmp/a.txt")
        }
        #expect(error?.message == "/tmp/a.txt:3: expected 'name = value'")
    }

    @Test("a line with no name before '=' is an error naming file:line")
    func missingName() {
        let error = #expect(throws: ParameterResolver.Failure.self) {
            try AnswersFile.parse("app_name = shop\n = 9000\n", file: "a.txt")
        }
        #expect(error?.message == "a.txt:2: expected 'name = value'")
    }

    @Test("a file written with CRLF line ends reads like one with LF")
    func crlf() throws {
        #expect(try AnswersFile.parse("app_name = shop\r\nport = 9001\r\n", file: "a.txt") == ["app_name": "shop", "port": "9001"])
        let error = #expect(throws: ParameterResolver.Failure.self) {
            try AnswersFile.parse("app_name = shop\r\n# c\r\nport 9001\r\n", file: "a.txt")
        }
        #expect(error?.message == "a.txt:3: expected 'name = value'")
    }

    @Test("a name answered twice is an error naming both lines")
    func twice() {
        let error = #expect(throws: ParameterResolver.Failure.self) {
            try AnswersFile.parse("port = 9000\napp_name = shop\nport = 9001\n", file: "a.txt")
        }
        #expect(error?.message == "a.txt:3: 'port' is answered twice (first on line 1); keep one")
    }

    @Test("a bad value from the answers file is reported with its file and line, not as --param")
    func badValueOrigin() throws {
        let entries = try AnswersFile.entries("# x\nport = 80\n", file: "a.txt")
        #expect(entries == [AnswersFile.Entry(name: "port", value: "80", line: 2)])
        let error = #expect(throws: ParameterResolver.Failure.self) {
            try ParameterResolver(parameters: Parameters.all).resolve(given: ["port": "80"], origins: ["port": "a.txt:2"], ask: nil)
        }
        #expect(error?.message.hasPrefix("a.txt:2: port = 80: ") == true, "\(error?.message ?? "")")
        let unknown = #expect(throws: ParameterResolver.Failure.self) {
            try ParameterResolver(parameters: Parameters.all).resolve(given: ["colour": "red"], origins: ["colour": "a.txt:5"], ask: nil)
        }
        #expect(unknown?.message.hasPrefix("a.txt:5: the template has no parameter 'colour'") == true)
    }
}
