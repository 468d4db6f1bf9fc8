import FeedModel
import Foundation
import PaddockApps
import Testing
import TestSupport

@Suite("EnvironmentFile, AppLayout, AppEnvironment")
struct AppEnvironmentTests {
    @Test("values round trip as written: spaces, quotes, '=', '#', non-ASCII, empty")
    func roundTrip() throws {
        let scratch = try Scratch()
        let file = scratch.url("env")
        let values = [
            "PADDOCK_DB_PASSWORD": " p@ss word = \"quoted\" 'single' #not-a-comment \\n ",
            "PADDOCK_SECRET_KEY": EnvironmentFile.generateSecret(),
            "EMPTY": "",
            "UNICODE": "café ☕",
            "EQUALS": "a=b=c",
        ]
        try EnvironmentFile.write(values, to: file)
        #expect(EnvironmentFile.read(file) == values)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.hasPrefix("# Written by paddock"))
        #expect(text.split(separator: "\n").dropFirst().map { $0.split(separator: "=").first.map(String.init) ?? "" } == values.keys.sorted())
    }

    @Test("the file is valid shell: sh's 'set -a; . ./env' gives exactly the values paddock reads")
    func validShell() throws {
        let scratch = try Scratch()
        let file = scratch.url("env")
        let values = [
            "PADDOCK_SECRET_KEY": EnvironmentFile.generateSecret() + "&(-)*!#",
            "QUOTES": "it's \"x\" '' '\\'' `date` $(id) ${HOME} \\n ;|<>",
            "EMPTY": "",
            "SPACES": "  a  b  ",
        ]
        try EnvironmentFile.write(values, to: file)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("PADDOCK_SECRET_KEY='"))
        let shell = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"), ["-i", "/bin/sh", "-c", "set -a; . \"$1\"; unset PWD OLDPWD SHLVL _; env -0", "sh", file.path])
        #expect(shell.status == 0, "\(shell.stderr)")
        var loaded: [String: String] = [:]
        for entry in shell.stdout.split(separator: "\0") {
            let equals = try #require(entry.firstIndex(of: "="))
            loaded[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        #expect(loaded == values)
        #expect(EnvironmentFile.read(file) == values)
    }

    @Test("a file written before values were quoted is read as it was written")
    func legacyUnquoted() throws {
        let scratch = try Scratch()
        let file = try scratch.write("env", "# Written by paddock: settings and secrets for this app. Keep it private.\nA='x'\nB=a&b(c\n")
        #expect(EnvironmentFile.read(file) == ["A": "'x'", "B": "a&b(c"])
    }

    @Test("written 0600, also over an existing readable file, and nothing left beside it")
    func privateMode() throws {
        let scratch = try Scratch()
        let file = try scratch.write("state/env", "OLD=1\n", mode: 0o644)
        try EnvironmentFile.write(["A": "1"], to: file)
        #expect(try scratch.mode("state/env") == 0o600)
        #expect(EnvironmentFile.read(file) == ["A": "1"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url("state").path) == ["env"])
    }

    @Test(
        "a line break in a value, or a bad name, is refused and the file is left as it was",
        arguments: [
            ["PADDOCK_DB_PASSWORD": "pw\nPADDOCK_DEBUG=1"], ["X": "a\r\nb"], ["A=B": "1"], ["": "1"], ["#A": "1"], ["A\nB": "1"],
        ])
    func refused(values: [String: String]) throws {
        let scratch = try Scratch()
        let file = try scratch.write("env", "KEEP=1\n")
        #expect(throws: EnvironmentFile.Failure.self) { try EnvironmentFile.write(values, to: file) }
        #expect(EnvironmentFile.read(file) == ["KEEP": "1"])
    }

    @Test("reading: comments, lines without '=', CRLF line ends, a missing file")
    func read() throws {
        let scratch = try Scratch()
        let file = try scratch.write("env", "# comment\r\nA=1\r\nnot a setting\r\n\r\nB= two \r\n#C=3\r\n")
        #expect(EnvironmentFile.read(file) == ["A": "1", "B": " two "])
        #expect(EnvironmentFile.read(scratch.url("missing")) == [:])
    }

    @Test("secrets: the length asked, from the alphabet, different each time")
    func secretShape() {
        for length in [0, 1, 50, 200] { #expect(EnvironmentFile.generateSecret(length: length).count == length) }
        let alphabet = Set(EnvironmentFile.secretAlphabet)
        #expect(alphabet.count == 75)
        #expect(!alphabet.contains("\n") && !alphabet.contains("\"") && !alphabet.contains("'") && !alphabet.contains("\\") && !alphabet.contains("$"))
        let secrets = (0..<50).map { _ in EnvironmentFile.generateSecret() }
        #expect(Set(secrets).count == 50)
        #expect(secrets.allSatisfy { $0.count == 50 && $0.allSatisfy(alphabet.contains) })
    }

    @Test("secrets: every character of the alphabet is as likely as any other")
    func secretUniform() {
        // 300,000 characters, 4,000 expected of each; the standard deviation is about 63, so
        // 10% (400) is more than six of them. A byte modulo 75 gives the first 31 about 4,690.
        let sample = EnvironmentFile.generateSecret(length: 300_000)
        var counts: [Character: Int] = [:]
        for character in sample { counts[character, default: 0] += 1 }
        #expect(Set(counts.keys) == Set(EnvironmentFile.secretAlphabet))
        let expected = Double(sample.count) / Double(EnvironmentFile.secretAlphabet.count)
        let outliers = counts.filter { abs(Double($0.value) - expected) > expected * 0.1 }
        #expect(outliers.isEmpty, "\(outliers.sorted { $0.key < $1.key })")
    }

    @Test("the layout: source for code and venv, state for the rest; state folders private")
    func layout() throws {
        let scratch = try Scratch()
        let layout = AppLayout(name: "shop", source: scratch.url("shop"), state: scratch.url("home/state/apps/shop"))
        #expect(layout.manifest.path == scratch.url("shop/paddock-app.xml").path)
        #expect(layout.environmentFile.path == scratch.url("home/state/apps/shop/env").path)
        #expect(layout.appLog.path == scratch.url("home/state/apps/shop/logs/app.log").path)
        #expect(layout.supervisorPid.path == scratch.url("home/state/apps/shop/run/supervisor.pid").path)
        #expect(layout.deployLock.path == scratch.url("home/state/apps/shop/run/deploy.lock").path)
        try layout.createStateFolders()
        try layout.createStateFolders()
        for folder in [layout.data, layout.logs, layout.run] { #expect(FileManager.default.fileExists(atPath: folder.path)) }
        #expect(try scratch.mode("home/state/apps/shop") == 0o700)
    }

    /// The environment python-gunicorn's engine file (Recipes/engines) declares, as data.
    static let pythonEngine = EngineDefinition(
        name: "python-gunicorn", runtime: "python3", program: "gunicorn",
        environment: [
            .init(name: "PATH", value: "{{app_root}}/.venv/bin", mode: .prepend), .init(name: "VIRTUAL_ENV", value: "{{app_root}}/.venv"),
            .init(name: "PYTHONUNBUFFERED", value: "1"),
        ])

    @Test("the app's environment: a few of the caller's variables, the venv first on PATH, the env file, then the manifest")
    func environment() throws {
        let scratch = try Scratch()
        let layout = AppLayout(name: "shop", source: scratch.url("shop"), state: scratch.url("state"))
        try layout.createStateFolders()
        try EnvironmentFile.write(["PADDOCK_SECRET_KEY": "k", "SHARED": "from env file"], to: layout.environmentFile)
        let manifest = AppManifest(
            engineName: "gunicorn", engineArguments: [],
            environmentPairs: [
                .init(name: "DJANGO_SETTINGS_MODULE", value: "{{app_name}}.settings"), .init(name: "SHARED", value: "from manifest"),
                .init(name: "PYTHONPATH", value: "{{app_root}}"),
            ])
        let environment = AppEnvironment.build(
            layout: layout, manifest: manifest, engine: Self.pythonEngine, values: ["app_name": "shop", "app_root": layout.source.path],
            base: ["PATH": "/usr/bin:/bin", "HOME": "/home/me", "LANG": "C.UTF-8", "AWS_SECRET_ACCESS_KEY": "no", "PYTHONPATH": "/elsewhere"])
        #expect(
            environment == [
                "PATH": layout.source.appendingPathComponent(".venv/bin").path + ":/usr/bin:/bin", "HOME": "/home/me", "LANG": "C.UTF-8",
                "VIRTUAL_ENV": layout.source.appendingPathComponent(".venv").path,
                "PYTHONUNBUFFERED": "1", "PADDOCK_SECRET_KEY": "k", "SHARED": "from manifest", "DJANGO_SETTINGS_MODULE": "shop.settings",
                "PYTHONPATH": layout.source.path,
            ])
        let bare = AppEnvironment.build(layout: layout, manifest: manifest, engine: Self.pythonEngine, values: [:], base: [:])
        #expect(bare["PATH"] == layout.source.appendingPathComponent(".venv/bin").path + ":/usr/local/bin:/usr/bin:/bin")
        #expect(bare["DJANGO_SETTINGS_MODULE"] == "{{app_name}}.settings")
        // Without an engine, nothing of Python's: the caller's PATH as it is.
        let plain = AppEnvironment.build(layout: layout, manifest: manifest, values: [:], base: ["PATH": "/usr/bin"])
        #expect(plain["PATH"] == "/usr/bin" && plain["VIRTUAL_ENV"] == nil && plain["PYTHONUNBUFFERED"] == nil)
        // append and set modes, with the layout's placeholders.
        let appended = AppEnvironment.build(
            layout: layout, manifest: AppManifest(engineName: "x"),
            engine: EngineDefinition(
                name: "x", runtime: "r", program: "p",
                environment: [.init(name: "PATH", value: "{{run_dir}}", mode: .append), .init(name: "NEW", value: "a", mode: .append)]),
            values: [:], base: ["PATH": "/usr/bin"])
        #expect(appended["PATH"] == "/usr/bin:" + layout.run.path)
        #expect(appended["NEW"] == "a")
    }
}
