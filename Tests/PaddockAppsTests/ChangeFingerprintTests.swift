import Foundation
import PaddockApps
import Testing
import TestSupport

@Suite("ChangeFingerprint")
struct ChangeFingerprintTests {
    func makeApp(_ scratch: Scratch) throws -> URL {
        try scratch.write("app/manage.py", "print('hi')\n")
        try scratch.write("app/shop/settings.py", "DEBUG = False\n")
        try scratch.write("app/shop/static/site.css", "body {}\n")
        try scratch.write("app/.venv/bin/python", "venv\n")
        try scratch.write("app/.venv/lib/site.py", "venv\n")
        return scratch.url("app")
    }

    @Test("the same files give the same fingerprint, wherever the folder is")
    func stable() throws {
        let scratch = try Scratch()
        let app = try makeApp(scratch)
        let first = ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores)
        #expect(ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores) == first)
        try FileManager.default.copyItem(at: app, to: scratch.url("copy"))
        #expect(ChangeFingerprint.compute(scratch.url("copy"), ignoredNames: pythonEngineIgnores) == first)
        #expect(ChangeFingerprint.compute(URL(fileURLWithPath: app.path + "/"), ignoredNames: pythonEngineIgnores) == first)
    }

    @Test("a change to the code changes it", arguments: ["edit", "add", "remove", "rename", "add empty file"])
    func changes(change: String) throws {
        let scratch = try Scratch()
        let app = try makeApp(scratch)
        let before = ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores)
        switch change {
        case "edit": try scratch.write("app/shop/settings.py", "DEBUG = True\n")
        case "add": try scratch.write("app/shop/models.py", "\n")
        case "remove": try FileManager.default.removeItem(at: scratch.url("app/manage.py"))
        case "rename": try FileManager.default.moveItem(at: scratch.url("app/manage.py"), to: scratch.url("app/manage2.py"))
        default: try scratch.write("app/shop/__init__.py", "")
        }
        #expect(ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores) != before, "\(change)")
    }

    @Test(
        "changes in the environment, caches, .git and compiled files do not",
        arguments: [
            ".venv/lib/new.py", ".venv/bin/python", "shop/__pycache__/settings.cpython-312.pyc", "shop/settings.pyc", ".git/HEAD",
            "node_modules/x/index.js", ".pytest_cache/v", ".mypy_cache/x", "shop/sub/.venv/x",
        ])
    func ignored(path: String) throws {
        let scratch = try Scratch()
        let app = try makeApp(scratch)
        let before = ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores)
        try scratch.write("app/" + path, "changed \(UUID())\n")
        #expect(ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores) == before, "\(path)")
    }

    @Test("an empty folder does not count")
    func emptyFolder() throws {
        let scratch = try Scratch()
        let app = try makeApp(scratch)
        let before = ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores)
        try FileManager.default.createDirectory(at: scratch.url("app/empty"), withIntermediateDirectories: true)
        #expect(ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores) == before)
    }

    @Test("extra ignored paths (the manifest's static folder) are relative to the app folder")
    func extraIgnored() throws {
        let scratch = try Scratch()
        let app = try makeApp(scratch)
        let before = ChangeFingerprint.compute(app, ignoring: ["shop/static"], ignoredNames: pythonEngineIgnores)
        try scratch.write("app/shop/static/site.css", "body { color: red }\n")
        try scratch.write("app/shop/static/new.js", "\n")
        #expect(ChangeFingerprint.compute(app, ignoring: ["shop/static"], ignoredNames: pythonEngineIgnores) == before)
        #expect(ChangeFingerprint.compute(app, ignoring: ["shop/static/"], ignoredNames: pythonEngineIgnores) == before)
        // Only that folder: another "static" elsewhere still counts.
        try scratch.write("app/static/site.css", "x\n")
        #expect(ChangeFingerprint.compute(app, ignoring: ["shop/static"], ignoredNames: pythonEngineIgnores) != before)
    }

    @Test("symbolic links are followed, and links that lead back up the tree end the walk")
    func symbolicLinkLoops() throws {
        let scratch = try Scratch()
        let app = try makeApp(scratch)
        try scratch.write("shared/lib.py", "one\n")
        try FileManager.default.createSymbolicLink(atPath: scratch.url("app/lib").path, withDestinationPath: scratch.url("shared").path)
        // Two links to the parent: following both at every level never ends (2^40 paths).
        try FileManager.default.createSymbolicLink(atPath: scratch.url("app/shop/up").path, withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: scratch.url("app/shop/top").path, withDestinationPath: "..")
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var first = ""
        Thread {
            first = ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores)
            done.signal()
        }.start()
        try #require(done.wait(timeout: .now() + 20) == .success, "the walk did not end")
        #expect(ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores) == first)
        try scratch.write("shared/lib.py", "two\n")
        #expect(ChangeFingerprint.compute(app, ignoredNames: pythonEngineIgnores) != first, "a file reached through a link counts")
    }
}

/// What Recipes/engines/python-gunicorn.xml ignores (its <ignore> names): the engine says what
/// is not the app's code; ChangeFingerprint itself knows only version control folders.
let pythonEngineIgnores = [".venv", "__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache", "node_modules"]
