import FeedModel
import Testing

@Suite struct VersionConstraintTests {
    /// (constraint, version, satisfied)
    static let cases: [(String, String, Bool)] = [
        (">=3.10", "3.10", true),
        (">=3.10", "3.9", false),
        (">=3.10", "3.11", true),
        (">3.10", "3.10.0", false),
        ("<=2", "2.0.0", true),
        ("<6", "6.0rc1", true),
        (">=5.2,<6", "5.2", true),
        (">=5.2,<6", "5.9.9", true),
        (">=5.2,<6", "6", false),
        (">=5.2,<6", "5.1", false),
        (">=5.2", "5.2rc1", false),
        ("==5.2.*", "5.2.17", true),
        ("==5.2.*", "5.2rc1", true),
        ("==5.2.*", "5.3", false),
        ("==5.2.*", "5", false),
        ("!=5.2.*", "5.3", true),
        ("!=5.2.*", "5.2.1", false),
        ("~=3.1", "3.1", true),
        ("~=3.1", "3.9", true),
        ("~=3.1", "4.0", false),
        ("~=3.1", "3.0", false),
        ("~=3.1.2", "3.1.5", true),
        ("~=3.1.2", "3.2.0", false),
        ("!=1.0", "1.0.0", false),
        ("!=1.0", "1.0.1", true),
        ("==12", "12.0.0.0", true),
        ("4.2", "4.2.0", true),
        ("4.2", "4.3", false),
        (" >= 1.0 , < 2 ", "1.5", true),
        (">=1.1.5", "1.1.5a", true),
    ]

    @Test(arguments: cases)
    func decidesSatisfaction(constraint: String, version: String, expected: Bool) throws {
        let parsed = try VersionConstraint(parsing: constraint)
        #expect(parsed.isSatisfied(by: try Version(parsing: version)) == expected)
        #expect(parsed.isSatisfied(byText: version) == expected)
    }

    @Test func unversionedTextNeverSatisfies() throws {
        let parsed = try VersionConstraint(parsing: ">=1")
        #expect(!parsed.isSatisfied(byText: "latest"))
        #expect(!parsed.isSatisfied(byText: nil))
    }

    static let errors: [(String, String)] = [
        ("", "invalid version constraint \"\": it is empty"),
        (">=1,,<2", "invalid version constraint \">=1,,<2\": it has an empty clause between commas"),
        (">=", "invalid version constraint \">=\": \">=\" is not followed by a version"),
        ("=>3", "invalid version constraint \"=>3\": unknown operator \"=>\" (use >=, <=, >, <, ==, !=, ~=)"),
        ("=3", "invalid version constraint \"=3\": unknown operator \"=\" (use >=, <=, >, <, ==, !=, ~=)"),
        ("!3", "invalid version constraint \"!3\": unknown operator \"!\" (use >=, <=, >, <, ==, !=, ~=)"),
        (">=5.*", "invalid version constraint \">=5.*\": a wildcard \".*\" only goes with == or !=, not >="),
        ("==5.*.1", "invalid version constraint \"==5.*.1\": \"*\" may only end a version, as in ==5.2.*"),
        ("~=3", "invalid version constraint \"~=3\": ~= needs at least two release numbers, as in ~=3.1"),
        (">=abc", "invalid version constraint \">=abc\": \"abc\" is not a version: it does not start with a number"),
    ]

    @Test(arguments: errors)
    func explainsWhatIsWrong(text: String, message: String) {
        do {
            _ = try VersionConstraint(parsing: text)
            Issue.record("\(text) should not parse")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func describesItselfForMessages() throws {
        #expect(try VersionConstraint(parsing: ">=5.2,<6").description == ">= 5.2, < 6")
        #expect(try VersionConstraint(parsing: "==5.2.*").description == "== 5.2.*")
    }
}
