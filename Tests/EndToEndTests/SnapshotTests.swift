import Foundation
import Testing
import TestSupport

/// What people and scripts read, compared with committed files, so that a changed output is a
/// reviewed diff (as SwiftPM and argument-parser test theirs): the `--help` of every command
/// (Tests/Snapshots/help) and the shape of every `--json` (Tests/Snapshots/json: keys and the
/// type of each value, not the values, which depend on the machine and the clock).
///
/// After an intended change: `PADDOCK_UPDATE_SNAPSHOTS=1 swift test --filter SnapshotTests`,
/// then review `git diff Tests/Snapshots`.
@Suite("Snapshots: --help of every command and the shapes of --json", .serialized)
struct SnapshotTests {
    static let folder = TestPaths.repository.appendingPathComponent("Tests/Snapshots")
    static var updating: Bool { ProcessInfo.processInfo.environment["PADDOCK_UPDATE_SNAPSHOTS"] == "1" }

    /// Compares `actual` with the committed file (or writes it, when updating).
    static func expectSnapshot(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = folder.appendingPathComponent(name)
        if updating {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: file)
            return
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("no snapshot \(name): run PADDOCK_UPDATE_SNAPSHOTS=1 swift test --filter SnapshotTests", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expectedLines.count, actualLines.count)
            Issue.record(
                """
                \(name) differs from its snapshot at line \(first + 1):
                  snapshot: \(first < expectedLines.count ? String(expectedLines[first]) : "(end)")
                  now:      \(first < actualLines.count ? String(actualLines[first]) : "(end)")
                if intended: PADDOCK_UPDATE_SNAPSHOTS=1 swift test --filter SnapshotTests, and review git diff Tests/Snapshots
                """, sourceLocation: sourceLocation)
        }
    }

    /// `paddock [path] --help`, as a terminal 100 columns wide would show it.
    static func help(_ path: [String]) throws -> String {
        let result = try runProcess(TestPaths.binary, path + ["--help"], environment: ["COLUMNS": "100", "NO_COLOR": "1"])
        #expect(result.status == 0, "\(path): \(result.stderr)")
        return result.stdout
    }

    /// The subcommands a help text lists (the names under SUBCOMMANDS:).
    static func subcommands(in help: String) -> [String] {
        guard let section = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        return help[section.upperBound...].split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { return nil }
            return name.first?.isLetter == true ? String(name) : nil
        }.filter { $0 != "See" && $0 != "help" }
    }

    @Test("--help of paddock and of every subcommand, at every depth, matches its snapshot")
    func helpTexts() throws {
        var queue: [[String]] = [[]]
        var seen = 0
        while !queue.isEmpty {
            let path = queue.removeFirst()
            let text = try Self.help(path)
            try Self.expectSnapshot(text, "help/" + (["paddock"] + path).joined(separator: "-") + ".txt")
            seen += 1
            queue += Self.subcommands(in: text).map { path + [$0] }
        }
        #expect(seen >= 25, "the walk found \(seen) commands")
    }

    /// A JSON value as decoded: Bool is tried before numbers, so `true` is never `1`.
    indirect enum JSONValue: Decodable {
        case object([String: JSONValue]), array([JSONValue]), bool, number, string, null

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if (try? container.decode(Bool.self)) != nil {
                self = .bool
            } else if (try? container.decode(Double.self)) != nil {
                self = .number
            } else if (try? container.decode(String.self)) != nil {
                self = .string
            } else if let array = try? container.decode([JSONValue].self) {
                self = .array(array)
            } else {
                self = .object(try container.decode([String: JSONValue].self))
            }
        }

        /// Objects keep their keys, arrays the shape of their elements (the union of their
        /// keys), scalars become their type's name.
        var shape: Any {
            switch self {
            case .object(let object): return object.mapValues(\.shape)
            case .array(let array):
                guard !array.isEmpty else { return [String]() }
                var merged: [String: Any] = [:]
                var scalar: Any?
                for element in array {
                    if let object = element.shape as? [String: Any] { merged.merge(object) { first, _ in first } } else { scalar = scalar ?? element.shape }
                }
                return [merged.isEmpty ? (scalar ?? "null") : merged]
            case .bool: return "bool"
            case .number: return "number"
            case .string: return "string"
            case .null: return "null"
            }
        }
    }

    static func shapeText(_ json: String, lines: Bool = false) throws -> String {
        let documents = lines ? json.split(separator: "\n").map(String.init) : [json]
        var shapes: [String] = []
        for document in documents {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(document.utf8))
            let data = try JSONSerialization.data(withJSONObject: value.shape, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed])
            let text = String(decoding: data, as: UTF8.self)
            if !shapes.contains(text) { shapes.append(text) }
        }
        return shapes.joined(separator: "\n") + "\n"
    }

    @Test("the shape of every command's --json matches its snapshot")
    func jsonShapes() throws {
        let sandbox = try OpsSandbox()
        try sandbox.writeFeed([InstallerOpsTests.archive("tool"), InstallerOpsTests.archive("helper")])
        try ExitCodeTests().writeAppsFeed(sandbox)
        func json(_ arguments: [String], status: Int32 = 0) throws -> String {
            let result = try sandbox.paddock(arguments + ["--json"])
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            return result.stdout
        }
        // JSON lines. Left out, as they come or not with the machine: a download's progress
        // (its speed), a child's output lines, notes and warnings (git there or not).
        let varying = [#""event":"progress""#, #""event":"output""#, #""event":"note""#, #""event":"warning""#]
        let install = try json(["install", "toy-template", "--app", "toy", "--yes"]).split(separator: "\n")
            .filter { line in !varying.contains { line.contains($0) } }
        try Self.expectSnapshot(try Self.shapeText(install.joined(separator: "\n"), lines: true), "json/install.json")
        let cases: [(String, [String], Int32, Bool)] = [
            ("list", ["list"], 0, false),
            ("list-installed", ["list", "--installed"], 0, false),
            ("search", ["search", "tool"], 0, false),
            ("show", ["show", "tool"], 0, false),
            ("plan", ["plan", "tool"], 0, false),
            ("why", ["why", "tool", "--for", "tool"], 0, false),
            ("feed-list", ["feed", "list"], 0, false),
            ("feed-update", ["feed", "update"], 0, false),
            ("engines", ["engines"], 0, false),
            ("apps", ["apps"], 0, false),
            ("status", ["status", "toy"], 3, false),
            ("config", ["config", "toy"], 0, false),
            ("stop", ["stop", "toy"], 0, false),
            ("restart", ["restart", "toy"], 1, false),
            ("doctor", ["doctor"], 0, false),
        ]
        for (name, arguments, status, lines) in cases {
            let output = try json(arguments, status: status)
            if output.isEmpty {
                Issue.record("\(arguments) --json printed nothing")
                continue
            }
            try Self.expectSnapshot(try Self.shapeText(output, lines: lines), "json/\(name).json")
        }
        _ = try json(["install", "tool", "--yes"])
        try Self.expectSnapshot(try Self.shapeText(try json(["uninstall", "tool", "--yes"])), "json/uninstall.json")
    }
}
