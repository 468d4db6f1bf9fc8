import Foundation
import PaddockBasics
import Testing

/// config.toml read as TOML reads it: quotes protect a `#`, and a line the reader cannot take is
/// refused with its line number instead of being half-read.
@Suite("config.toml reader")
struct ConfigReaderTests {
    @Test("a # inside a quoted value is part of the value; a # after it is a comment")
    func hashInsideQuotes() throws {
        let config = try PaddockConfig.parse(
            """
            # paddock settings
            builtin-feed-path = "/srv/feeds#2/paddock.xml"   # the mirror's copy
            [keys]
            'zoo#1' = 'keys/zoo#1.pub'
            """, file: "config.toml")
        #expect(config.builtinFeedPath == "/srv/feeds#2/paddock.xml")
        #expect(config.builtinFeedEnabled)
        #expect(config.keys == ["zoo#1": "keys/zoo#1.pub"])
    }

    @Test("escapes in basic strings; literal strings keep backslashes; CRLF lines; numbers with _")
    func stringsAndNumbers() throws {
        let config = try PaddockConfig.parse(
            "builtin-feed-path = \"C:\\\\feeds\\u0041\\\"q\\\".xml\"\r\ndownload-max-feed-size = 65_536\r\n[keys]\nraw = 'a\\b'\n",
            file: "config.toml")
        #expect(config.builtinFeedPath == "C:\\feedsA\"q\".xml")
        #expect(config.downloadMaxFeedSize == 65536)
        #expect(config.keys["raw"] == "a\\b")
    }

    @Test(
        "a line the reader cannot read is refused with its line number and what to write",
        arguments: [
            ("builtin-feed-path = \"/srv/feeds#2", "config.toml:2: a string opened with \" is not closed on this line"),
            ("builtin-feed-path = /srv/feeds", "config.toml:2: '/srv/feeds' is not a TOML value: quote a string (\"...\"), or write a number, true or false"),
            ("builtin-feed-path = \"/a\" \"/b\"", "config.toml:2: unexpected '\"/b\"' after the value (a comment starts with #)"),
            ("builtin-feed-path", "config.toml:2: expected 'key = value' after 'builtin-feed-path'"),
            ("builtin-feed-path =", "config.toml:2: expected a value after '='"),
            ("builtin-feed-path = \"\"\"x\"\"\"", "config.toml:2: multi-line strings are not read here; put the value on one line"),
            ("builtin-feed-path = \"bad \\q escape\"", "config.toml:2: unknown escape '\\q' in a string (write \\\\ for a backslash)"),
            ("[keys", "config.toml:2: expected '[table]'"),
            ("= 1", "config.toml:2: expected a key (letters, digits, - and _, or a quoted name)"),
            ("builtin-feed = false", "config.toml:2: 'builtin-feed' is set twice; keep one"),
            ("builtin-feed = maybe", "config.toml:2: builtin-feed takes true or false"),
            ("download-deadline = soon", "config.toml:2: download-deadline takes a number of seconds above 0, e.g. 600"),
            ("builtin-feed-path = 1__0", "config.toml:2: '1__0' is not a TOML value: quote a string (\"...\"), or write a number, true or false"),
        ])
    func refused(line: String, expected: String) {
        let error = #expect(throws: ConfigError.self) { try PaddockConfig.parse("builtin-feed = true\n" + line + "\n", file: "config.toml") }
        #expect(error?.description == expected)
        #expect(error?.exitStatus.rawValue == 78)
    }

    @Test("a file read from disk: the # path survives, and the line of a mistake is the file's")
    func fromDisk() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("paddock-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("config.toml")
        try Data("\n\nbuiltin-feed-path = \"feeds/#main.xml\" # mirrored\n".utf8).write(to: file)
        #expect(try PaddockConfig.load(from: file).builtinFeedPath == "feeds/#main.xml")
        try Data("builtin-feed = true\n\n\n[keys]\nzoo = RWQ\n".utf8).write(to: file)
        let error = #expect(throws: ConfigError.self) { try PaddockConfig.load(from: file) }
        #expect(error?.line == 5)
        #expect(error?.description.hasPrefix(file.path + ":5: 'RWQ' is not a TOML value") == true)
    }
}
