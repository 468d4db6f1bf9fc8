import Foundation
import Testing
import TestSupport

/// The feed that ships in Feeds/ and the template packages it points at.
@Suite("Built-in feed and recipes", .offCooperativePool)
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

    /// A paddock binary copied away from its checkout and its package layout has no built-in
    /// feed: every catalogue command says so on one line, and doctor calls it a problem.
    @Test("a missing built-in feed is never silent: catalogue commands warn where paddock looked, doctor reports a problem")
    func missingBuiltinFeed() throws {
        let scratch = try TestPaths.temporaryDirectory("paddock-moved")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let binary = scratch.appendingPathComponent("bin/paddock")
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestPaths.binary, to: binary)
        let environment = ["PADDOCK_HOME": scratch.appendingPathComponent("home").path, "NO_COLOR": "1"]
        let expected =
            "paddock: warning: the built-in feed was not found (looked for \(scratch.path)/share/paddock/Feeds/paddock.xml, and Feeds/paddock.xml in \(scratch.path)/bin and the 5 folders above it): reinstall paddock, or point PADDOCK_BUILTIN_FEED or builtin-feed-path in \(scratch.path)/home/config/config.toml at a paddock.xml\n"
        for command in [["list"], ["show", "blank-django"], ["plan", "blank-django"], ["search", "django"], ["feed", "list"]] {
            let result = try runProcess(binary, command, environment: environment)
            #expect(result.stderr.hasPrefix(expected), "\(command): \(result.stderr)")
        }
        let doctor = try runProcess(binary, ["doctor"], environment: environment)
        #expect(doctor.status == 1)
        #expect(doctor.stdout.contains("problem   built-in feed: the built-in feed was not found"), "\(doctor.stdout)")
        #expect(!doctor.stdout.contains("paddock is healthy"))

        // Pointed elsewhere by the variable or the setting, each is named when its file is missing.
        let byVariable = try runProcess(binary, ["list"], environment: environment.merging(["PADDOCK_BUILTIN_FEED": "/nowhere/paddock.xml"]) { $1 })
        #expect(
            byVariable.stderr.hasPrefix("paddock: warning: the built-in feed is not at '/nowhere/paddock.xml' (PADDOCK_BUILTIN_FEED): fix that variable, or set it to 'off'\n"), "\(byVariable.stderr)")
        let config = scratch.appendingPathComponent("home/config/config.toml")
        try Data("builtin-feed-path = \"/elsewhere/paddock.xml\"\n".utf8).write(to: config)
        let bySetting = try runProcess(binary, ["list"], environment: environment)
        #expect(
            bySetting.stderr.hasPrefix(
                "paddock: warning: the built-in feed is not at '/elsewhere/paddock.xml' (builtin-feed-path in \(config.path)): fix that path, or set builtin-feed = false there\n"),
            "\(bySetting.stderr)")
        // Turned off, nothing is said; and found, doctor says where.
        try Data("builtin-feed = false\n".utf8).write(to: config)
        #expect(try runProcess(binary, ["list"], environment: environment).stderr.isEmpty)
        try FileManager.default.removeItem(at: config)
        let found = try runProcess(TestPaths.binary, ["doctor"], environment: environment)
        #expect(found.stdout.contains("ok        built-in feed: \(TestPaths.builtinFeed.path)"), "\(found.stdout)")
    }
}
