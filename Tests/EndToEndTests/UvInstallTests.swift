import Foundation
import Testing
import TestSupport

/// Python packages through uv (issue 17): the built paddock installs the feed's uv (from PyPI,
/// hash-checked) into its own programs folder, makes the app's environment with it, installs
/// the packages with the feed's hashes enforced, and keeps a cache that a second app uses.
@Suite("Python packages through uv, end to end", .serialized, .requires(.pypi), .offCooperativePool)
struct UvInstallTests {
    typealias Sandbox = AppLifecycleTests.Sandbox

    static func installLogs(_ sandbox: Sandbox) throws -> [String] {
        let logs = sandbox.root.appendingPathComponent("home/state/logs")
        return try FileManager.default.contentsOfDirectory(atPath: logs.path).filter { $0.hasPrefix("install-") }.sorted {
            $0.count == $1.count ? $0 < $1 : $0.count < $1.count
        }.map { try String(contentsOf: logs.appendingPathComponent($0), encoding: .utf8) }
    }

    @Test("uv from the feed, never PATH; the venv made by uv, with pip in it; a second app installs from the cache; a wrong hash is refused")
    func throughUv() throws {
        let sandbox = try Sandbox()
        // A PATH without any uv: paddock must use its own.
        sandbox.environment["PATH"] = "/usr/bin:/bin"
        let first = try sandbox.paddock(["install", "blank-flask", "--app", "one", "--yes"])
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stderr.contains("installing uv 0.13.9…"), "\(first.stderr)")
        #expect(!first.stderr.contains("uv is not installed"), "\(first.stderr)")
        let programs = sandbox.root.appendingPathComponent("home/data/programs/uv")
        let uv = programs.appendingPathComponent("uv-0.13.9.data/scripts/uv")
        #expect(FileManager.default.isExecutableFile(atPath: uv.path))
        let venv = sandbox.root.appendingPathComponent("one/.venv")
        let config = try String(contentsOf: venv.appendingPathComponent("pyvenv.cfg"), encoding: .utf8)
        #expect(config.contains("uv = 0.13.9"), "the venv is uv's: \(config)")
        #expect(FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent("bin/pip").path), "pip from Debian's wheel")
        #expect(FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent("bin/gunicorn").path))
        let logs = try Self.installLogs(sandbox)
        #expect(logs.count == 1 && logs[0].contains("\(uv.path) pip install --python \(venv.path)/bin/python --no-deps --require-hashes -r "), "\(logs)")
        // Every step is named in the log, the archive's too, and the deploy hook's lines are there.
        #expect(logs[0].contains(" installing uv 0.13.9 (archive)\n") && logs[0].contains(" installing blank-flask 1.0.0 (template)\n"), "\(logs[0])")
        #expect(logs[0].contains(" the deploy hook of 'one': python deploy.py\n") && logs[0].contains("deploy.py: done\n"), "\(logs[0])")
        // The cache is paddock's and lasts.
        let cache = sandbox.root.appendingPathComponent("home/cache/uv")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []).isEmpty == false)

        // A second app: uv is there already, the packages come from the cache (nothing downloaded).
        let second = try sandbox.paddock(["install", "blank-flask", "--app", "two", "--yes"])
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(!second.stderr.contains("installing uv"), "\(second.stderr)")
        let secondLog = try Self.installLogs(sandbox).last ?? ""
        #expect(secondLog.contains("Installed ") && !secondLog.contains("Downloading") && !secondLog.contains("Downloaded"), "\(secondLog)")

        // A package whose feed hash is wrong is refused by uv (its file is in the cache, from
        // nowhere: the hash is checked all the same), and the step rolled back.
        let feed = sandbox.root.appendingPathComponent("bad-feed.xml")
        try Data(
            """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1"><title>bad</title>
            <entry><productId>bad-hash</productId><version>0.6.1</version>
              <dependency><productId>uv</productId></dependency>
              <installers><installer><id>1</id><pd:install kind="pip" scope="app">
                <pd:package name="sqlparse" version="0.6.1" sha256="\(String(repeating: "0", count: 64))"/>
              </pd:install></installer></installers></entry>
            </feed>
            """.utf8
        ).write(to: feed)
        #expect(try sandbox.paddock(["feed", "add", feed.path, "--name", "bad"]).status == 0)
        let refused = try sandbox.paddock(["install", "bad-hash", "--app", "one", "--yes"])
        #expect(refused.status != 0, "\(refused.stderr)")
        #expect(refused.stderr.contains("rolling back"), "\(refused.stderr)")
        let refusedLog = try Self.installLogs(sandbox).last ?? ""
        #expect(refusedLog.contains("Hash mismatch for `sqlparse==0.6.1`"), "\(refusedLog)")
        let imported = try runProcess(venv.appendingPathComponent("bin/python"), ["-c", "import sqlparse"])
        #expect(imported.status != 0, "sqlparse must not be in the app's environment")
    }
}
