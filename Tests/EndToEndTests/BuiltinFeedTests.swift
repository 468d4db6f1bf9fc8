import Foundation
import Testing
import TestSupport

/// The feed that ships in Feeds/ and the template packages it points at.
@Suite("Built-in feed and recipes")
struct BuiltinFeedTests {
    @Test("the built-in feed parses with no warnings and offers both templates")
    func parses() throws {
        let home = try TestPaths.temporaryDirectory("paddock-builtin")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["PADDOCK_HOME": home.path, "PADDOCK_BUILTIN_FEED": TestPaths.builtinFeed.path, "NO_COLOR": "1"]
        let list = try runProcess(TestPaths.binary, ["feed", "list", "--json"], environment: environment)
        #expect(list.status == 0)
        let feeds = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(feeds.first?["name"] as? String == "builtin")
        #expect(feeds.first?["warningCount"] as? Int == 0)
        let templates = try runProcess(TestPaths.binary, ["list", "--keyword", "Templates"], environment: environment)
        #expect(templates.stdout.contains("blank-django"))
        #expect(templates.stdout.contains("blank-flask"))
    }

    @Test("the feed's template sizes and hashes match a fresh build of Recipes/")
    func notStale() throws {
        let result = try runProcess(
            URL(fileURLWithPath: "/bin/bash"), ["scripts/build-recipes.sh", "--check"], directory: TestPaths.repository)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
