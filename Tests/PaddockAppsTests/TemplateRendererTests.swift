import Foundation
import PaddockApps
import Testing
import TestSupport

/// A scratch folder removed when the test ends.
final class Scratch {
    let root: URL
    init(_ label: String = "paddock-apps") throws { root = try TestPaths.temporaryDirectory(label) }
    deinit { try? FileManager.default.removeItem(at: root) }

    func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    @discardableResult
    func write(_ relative: String, _ text: String, mode: Int? = nil) throws -> URL {
        try write(relative, bytes: Array(text.utf8), mode: mode)
    }

    @discardableResult
    func write(_ relative: String, bytes: [UInt8], mode: Int? = nil) throws -> URL {
        let url = url(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        if let mode { try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path) }
        return url
    }

    func read(_ relative: String) throws -> String { try String(contentsOf: url(relative), encoding: .utf8) }

    func mode(_ relative: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: url(relative).path)[.posixPermissions] as? Int
    }
}

@Suite("TemplateRenderer")
struct TemplateRendererTests {
    static let values = ["app_name": "shop", "port": "18437"]
    /// A PNG-like header, a NUL, and a placeholder that must not be touched.
    static let binary: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x00, 0x01] + Array("{{app_name}}".utf8)
    /// Not UTF-8 (Latin-1 "é"): copied as it is.
    static let latin1: [UInt8] = Array("caf".utf8) + [0xE9] + Array(" {{app_name}}".utf8)

    func makeTemplate(_ scratch: Scratch) throws -> URL {
        try scratch.write("template/README.md", "# {{app_name}}\n\nport {{port}}, {{ port }}; {{unknown}} {{ views }}\n")
        try scratch.write("template/manage.py", "#!/usr/bin/env python\nimport {{app_name}}.settings\n", mode: 0o755)
        try scratch.write("template/{{app_name}}/__init__.py", "")
        try scratch.write(
            "template/{{app_name}}/templates/index.html",
            "<title>{{app_name}}</title><link href=\"{{ url_for('static', filename='style.css') }}\">{{ views }} time{{ \"\" if views == 1 else \"s\" }}\n")
        try scratch.write("template/{{app_name}}/static/logo.png", bytes: Self.binary)
        try scratch.write("template/{{app_name}}/static/latin1.txt", bytes: Self.latin1)
        try scratch.write("template/.gitignore", ".venv/\n")
        try scratch.write("template/private.cfg", "{{app_name}}\n", mode: 0o600)
        try FileManager.default.createDirectory(at: scratch.url("template/{{app_name}}/migrations"), withIntermediateDirectories: true)
        return scratch.url("template")
    }

    @Test("text files and path components are filled; other {{...}} and binary files are left as they are")
    func render() throws {
        let scratch = try Scratch()
        let written = try TemplateRenderer.render(try makeTemplate(scratch), into: scratch.url("app"), values: Self.values)
        #expect(
            written == [
                ".gitignore", "README.md", "manage.py", "private.cfg", "shop/__init__.py", "shop/static/latin1.txt", "shop/static/logo.png",
                "shop/templates/index.html",
            ])
        #expect(try scratch.read("app/README.md") == "# shop\n\nport 18437, 18437; {{unknown}} {{ views }}\n")
        #expect(
            try scratch.read("app/shop/templates/index.html")
                == "<title>shop</title><link href=\"{{ url_for('static', filename='style.css') }}\">{{ views }} time{{ \"\" if views == 1 else \"s\" }}\n")
        #expect(try scratch.read("app/manage.py") == "#!/usr/bin/env python\nimport shop.settings\n")
        #expect(try Data(contentsOf: scratch.url("app/shop/static/logo.png")) == Data(Self.binary))
        #expect(try Data(contentsOf: scratch.url("app/shop/static/latin1.txt")) == Data(Self.latin1))
        #expect(try scratch.read("app/.gitignore") == ".venv/\n")
        #expect(try scratch.read("app/shop/__init__.py") == "")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: scratch.url("app/shop/migrations").path, isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(!FileManager.default.fileExists(atPath: scratch.url("app/{{app_name}}").path))
    }

    @Test("file modes are kept: scripts stay executable, private files private")
    func modes() throws {
        let scratch = try Scratch()
        try TemplateRenderer.render(try makeTemplate(scratch), into: scratch.url("app"), values: Self.values)
        #expect(try scratch.mode("app/manage.py") == 0o755)
        #expect(FileManager.default.isExecutableFile(atPath: scratch.url("app/manage.py").path))
        #expect(try scratch.mode("app/private.cfg") == 0o600)
        #expect(try scratch.mode("app/README.md") == scratch.mode("template/README.md"))
    }

    @Test("rendering into a folder that has the file already is refused, and the file is left alone")
    func existingFile() throws {
        let scratch = try Scratch()
        try scratch.write("app/README.md", "mine\n")
        let error = #expect(throws: TemplateRenderer.RenderError.self) {
            try TemplateRenderer.render(try makeTemplate(scratch), into: scratch.url("app"), values: Self.values)
        }
        #expect(error?.message == "the template writes 'README.md' twice (from 'README.md'); each path may be written once")
        #expect(try scratch.read("app/README.md") == "mine\n")
    }

    @Test("two template names that render to the same path are refused")
    func twoNamesOnePath() throws {
        let scratch = try Scratch()
        try scratch.write("template/{{app_name}}/a.py", "one\n")
        try scratch.write("template/shop/a.py", "two\n")
        let error = #expect(throws: TemplateRenderer.RenderError.self) {
            try TemplateRenderer.render(scratch.url("template"), into: scratch.url("app"), values: Self.values)
        }
        #expect(error?.message.hasPrefix("the template writes 'shop/a.py' twice") == true)
    }

    @Test("a value that makes a path leave the app folder is refused", arguments: ["..", "../escape", "/tmp/escape", "a/../../escape"])
    func traversal(value: String) throws {
        let scratch = try Scratch()
        try scratch.write("template/{{app_name}}/x.py", "x\n")
        let error = #expect(throws: TemplateRenderer.RenderError.self) {
            try TemplateRenderer.render(scratch.url("template"), into: scratch.url("sub/app"), values: ["app_name": value])
        }
        #expect(error?.message.hasPrefix("the template path '{{app_name}}") == true)
        #expect(error?.message.hasSuffix("which leaves the app folder") == true)
        #expect(!FileManager.default.fileExists(atPath: scratch.url("sub/escape").path))
        #expect(!FileManager.default.fileExists(atPath: scratch.url("escape").path))
    }

    @Test("a symbolic link in the template is refused")
    func symbolicLink() throws {
        let scratch = try Scratch()
        try scratch.write("template/a.txt", "a\n")
        try FileManager.default.createSymbolicLink(atPath: scratch.url("template/link").path, withDestinationPath: "/etc/passwd")
        let error = #expect(throws: TemplateRenderer.RenderError.self) {
            try TemplateRenderer.render(scratch.url("template"), into: scratch.url("app"), values: [:])
        }
        #expect(error?.message == "the template contains a symbolic link 'link'; templates hold plain files only")
    }
}
