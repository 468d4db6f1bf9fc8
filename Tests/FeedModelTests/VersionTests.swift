import FeedModel
import Testing

@Suite struct VersionTests {
    /// (smaller, larger): each pair must compare strictly in that order.
    static let ordered: [(String, String)] = [
        ("3.9", "3.10"),
        ("3.10", "3.11"),
        ("1.9.9", "1.10"),
        ("2.83", "2.100"),
        ("5.2rc1", "5.2"),
        ("5.2a1", "5.2b1"),
        ("5.2b2", "5.2rc1"),
        ("5.2rc1", "5.2rc2"),
        ("5.2.dev1", "5.2a1"),
        ("1.1.5", "1.1.5a"),
        ("1.1.5a", "1.1.5b"),
        ("1.1.5a", "1.1.6"),
        ("4.2", "4.2.1"),
        ("4.2", "4.2-1"),
        ("1.0", "1.0.post1"),
        ("1.0-beta.2", "1.0"),
        ("11.9", "12.0.0.1"),
        ("0.9", "1"),
    ]

    @Test(arguments: ordered)
    func ordersAsVersions(smaller: String, larger: String) throws {
        let low = try Version(parsing: smaller)
        let high = try Version(parsing: larger)
        #expect(low < high)
        #expect(!(high < low))
        #expect(low != high)
    }

    static let equal: [(String, String)] = [
        ("12.0.0.0", "12"),
        ("3.10", "3.10.0"),
        ("v1.2", "1.2"),
        ("1.2+local", "1.2"),
        ("5.2RC1", "5.2rc1"),
        ("5.2-rc.1", "5.2rc1"),
        (" 4.2 ", "4.2"),
    ]

    @Test(arguments: equal)
    func equalVersionsCompareAndHashEqual(left: String, right: String) throws {
        let one = try Version(parsing: left)
        let other = try Version(parsing: right)
        #expect(one == other)
        #expect(Set([one, other]).count == 1)
        #expect(one.text == left)
    }

    static let invalid: [(String, String)] = [
        ("", "\"\" is not a version: it does not start with a number"),
        ("latest", "\"latest\" is not a version: it does not start with a number"),
        ("1.2.x", "\"1.2.x\" is not a version: \"x\" is not a known pre-release or post-release tag"),
        ("1.2rc1junk", "\"1.2rc1junk\" is not a version: unexpected \"junk\" at the end"),
        ("1.2 3", "\"1.2 3\" is not a version: unexpected text after the release numbers"),
    ]

    @Test(arguments: invalid)
    func rejectsTextThatIsNotAVersion(text: String, message: String) {
        #expect(throws: Version.ParseError.self) { try Version(parsing: text) }
        do {
            _ = try Version(parsing: text)
        } catch {
            #expect(error.description == message)
        }
        #expect(Version(text) == nil)
    }

    @Test func sortsAList() throws {
        let texts = ["3.10", "3.9", "5.2", "5.2rc1", "12.0.0.0", "1.1.5a", "1.1.5"]
        let sorted = texts.compactMap(Version.init).sorted().map(\.text)
        #expect(sorted == ["1.1.5", "1.1.5a", "3.9", "3.10", "5.2rc1", "5.2", "12.0.0.0"])
    }
}
