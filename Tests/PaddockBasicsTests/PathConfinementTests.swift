import Foundation
import PaddockBasics
import Testing
import TestSupport

/// The one checker for paths paddock did not choose: real folders and real symbolic links.
@Suite struct PathConfinementTests {
    /// A root with a folder inside, a link inside pointing out, and a victim folder outside.
    struct Scratch {
        let top: URL
        var root: URL { top.appendingPathComponent("programs") }
        var victim: URL { top.appendingPathComponent("victim") }

        init() throws {
            top = try TestPaths.temporaryDirectory("paddock-confine")
            try FileManager.default.createDirectory(at: top.appendingPathComponent("programs/inside"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: top.appendingPathComponent("victim"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("out").path, withDestinationPath: victim.path)
            try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("in").path, withDestinationPath: "inside")
        }
    }

    static let refusedRelative: [(String, String)] = [
        ("../victim", "climbs out of its folder with '..'"),
        ("../../victim", "climbs out of its folder with '..'"),
        ("a/../../victim", "climbs out of its folder with '..'"),
        ("/etc", "is an absolute path"),
        ("", "names the folder itself, not something inside it"),
        (".", "names the folder itself, not something inside it"),
        ("a/..", "names the folder itself, not something inside it"),
        ("tool\nforged line", "contains a control character"),
        ("nul\u{0}byte", "contains a control character"),
        ("out/app", "leads outside through a symbolic link"),
        ("out/../../victim", "climbs out of its folder with '..'"),
    ]

    @Test("a path from a feed that would leave its folder is refused, with the path and the reason", arguments: refusedRelative)
    func refusesEscapes(relative: String, reason: String) throws {
        let scratch = try Scratch()
        defer { try? FileManager.default.removeItem(at: scratch.top) }
        #expect {
            try PathConfinement.resolve(relative, under: scratch.root, what: "the destination of 'tool'")
        } throws: { error in
            let escape = error as! PathConfinement.Escape
            return escape.reason.hasPrefix(reason) && escape.description.hasPrefix("the destination of 'tool' '")
                && escape.description.hasSuffix("(it must stay inside \(scratch.root.path))")
                && !escape.description.contains("\n")
        }
    }

    @Test("paths that stay inside pass, `.` and `..` taken lexically and links inside followed")
    func acceptsInside() throws {
        let scratch = try Scratch()
        defer { try? FileManager.default.removeItem(at: scratch.top) }
        let root = scratch.root.standardizedFileURL
        #expect(try PathConfinement.resolve("tool", under: scratch.root, what: "x") == root.appendingPathComponent("tool"))
        #expect(try PathConfinement.resolve("./a/b/../tool", under: scratch.root, what: "x") == root.appendingPathComponent("a/tool"))
        #expect(try PathConfinement.resolve("in/app", under: scratch.root, what: "x") == root.appendingPathComponent("in/app"))
        // The last component is the link itself (removing it removes the link, not the victim).
        #expect(try PathConfinement.resolve("out", under: scratch.root, what: "x") == root.appendingPathComponent("out"))
        // A root that does not exist yet.
        let fresh = scratch.top.appendingPathComponent("not/yet")
        #expect(try PathConfinement.resolve("tool", under: fresh, what: "x").path == fresh.path + "/tool")
    }

    static let refusedRecorded: [(String, String)] = [
        ("victim", "is not an absolute path"),
        ("/", "lies outside"),
        ("PROGRAMS", "lies outside"),
        ("PROGRAMS/../victim", "contains '.' or '..'"),
        ("PROGRAMS/./inside", "contains '.' or '..'"),
        ("PROGRAMS/out/app", "leads outside through a symbolic link"),
        ("PROGRAMS-sibling/x", "lies outside"),
        ("PROGRAMS/a\u{1b}[2Jb", "contains a control character"),
    ]

    @Test("a path read back from paddock's records is checked against the roots it may lie under", arguments: refusedRecorded)
    func refusesRecorded(recorded: String, reason: String) throws {
        let scratch = try Scratch()
        defer { try? FileManager.default.removeItem(at: scratch.top) }
        let path = recorded.replacingOccurrences(of: "PROGRAMS", with: scratch.root.path)
        #expect {
            try PathConfinement.check(path, under: [scratch.root], what: "the path to remove")
        } throws: { error in
            let escape = error as! PathConfinement.Escape
            return escape.reason.hasPrefix(reason) && !escape.description.contains("\u{1b}")
        }
    }

    @Test("a recorded path under any one of several roots passes, and the root is named")
    func acceptsRecorded() throws {
        let scratch = try Scratch()
        defer { try? FileManager.default.removeItem(at: scratch.top) }
        let other = scratch.top.appendingPathComponent("state")
        #expect(try PathConfinement.check(scratch.root.path + "/inside", under: [other, scratch.root], what: "x") == scratch.root)
        #expect(try PathConfinement.check(other.path + "/apps/x", under: [other, scratch.root], what: "x") == other)
        #expect(try PathConfinement.check(scratch.root.path + "/out", under: [scratch.root], what: "x") == scratch.root)
    }
}
