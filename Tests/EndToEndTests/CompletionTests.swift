import Foundation
import PaddockState
import Testing
import TestSupport

/// The shell completion scripts call `paddock ---completion SUBCOMMAND -- ARGUMENT WORD-INDEX
/// CURSOR-INDEX WORDS…` (argument-parser's hidden entry point) for the arguments paddock
/// completes itself: app names, product ids, feed names.
@Suite("Shell completions", .offCooperativePool)
struct CompletionTests {
    /// The candidates paddock prints for `paddock WORDS… TYPED<Tab>`.
    func complete(_ subcommands: [String], _ argument: String, typed: String, environment: [String: String]) throws -> ProcessResult {
        let words = ["paddock"] + subcommands + [typed]
        let arguments = ["---completion"] + subcommands + ["--", argument, "\(words.count - 1)", "\(typed.count)"] + words
        return try runProcess(TestPaths.binary, arguments, environment: environment)
    }

    @Test("app names, product ids and feed names come from the user's own databases")
    func candidates() throws {
        let home = try TestPaths.temporaryDirectory("paddock-completion")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["PADDOCK_HOME": home.path, "PADDOCK_BUILTIN_FEED": TestPaths.builtinFeed.path, "NO_COLOR": "1"]

        // Nothing yet: no candidates, no error, exit 0.
        let empty = try complete(["launch"], "positional@0", typed: "", environment: environment)
        #expect(empty.status == 0)
        #expect(empty.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(empty.stderr.isEmpty)

        #expect(try runProcess(TestPaths.binary, ["list"], environment: environment).status == 0)
        let appFolder = home.appendingPathComponent("shop")
        try FileManager.default.createDirectory(at: appFolder, withIntermediateDirectories: true)
        try StateStore(directory: home.appendingPathComponent("state")).saveApp(
            AppRecord(
                name: "shop", template: "blank-flask", path: appFolder.path,
                stateDirectory: home.appendingPathComponent("state/apps/shop").path, parameters: [:]))

        for command in ["launch", "status", "logs", "stop", "restart"] {
            let apps = try complete([command], "positional@0", typed: "", environment: environment)
            #expect(apps.status == 0 && apps.stderr.isEmpty, "\(command): \(apps.stderr)")
            #expect(apps.stdout.split(separator: "\n").contains("shop"), "\(command): \(apps.stdout)")
        }
        for command in ["run", "shell", "config"] {
            let apps = try complete([command], "positional@0", typed: "sh", environment: environment)
            #expect(apps.status == 0 && apps.stderr.isEmpty, "\(command): \(apps.stderr)")
            #expect(apps.stdout.split(separator: "\n").contains("shop"), "\(command): \(apps.stdout)")
        }
        for command in ["show", "plan", "install"] {
            let products = try complete([command], "positional@0", typed: "blank-f", environment: environment)
            #expect(products.status == 0 && products.stderr.isEmpty, "\(command): \(products.stderr)")
            let lines = products.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("blank-flask"), "\(command): \(products.stdout)")
            #expect(!lines.contains("blank-django"), "\(command): the typed prefix filters: \(products.stdout)")
        }
        for command in ["update", "remove"] {
            let feeds = try complete(["feed", command], "positional@0", typed: "", environment: environment)
            #expect(feeds.status == 0 && feeds.stderr.isEmpty, "feed \(command): \(feeds.stderr)")
            #expect(feeds.stdout.split(separator: "\n").contains("builtin"), "feed \(command): \(feeds.stdout)")
        }
    }

    @Test("the generated scripts call paddock back for these arguments")
    func scripts() throws {
        let bash = try runProcess(TestPaths.binary, ["--generate-completion-script", "bash"])
        #expect(bash.status == 0)
        #expect(bash.stdout.contains("---completion launch -- positional@0"))
        #expect(bash.stdout.contains("---completion feed remove -- positional@0"))
    }
}
