import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockSystem

#if canImport(Glibc)
    import Glibc
#endif

/// `paddock test`: the app's tests in its environment, against its database server, with the
/// test database kept between runs (the seed's `TEST_CREATE = False`; Django's `--keepdb`), and
/// the manifest's setup step (seed SQL, fixtures) run only when the kept database is new or
/// what it was made from changed.
extension AppService {
    public struct TestRun: Sendable {
        /// The setup step, when it must run; nil when the kept database is up to date.
        public var setup: Console?
        /// Why the setup runs ("first run", "testdata/setup/001.sql changed", "--setup").
        public var setupReason: String?
        public var test: Console
        /// Written after a successful setup: what the kept database was made from.
        public var fingerprintFile: URL
        public var fingerprint: String
        public var setupLog: URL
    }

    public func testRun(_ name: String, extraArguments: [String], forceSetup: Bool) throws -> TestRun {
        let loaded = try load(name)
        let manifest = loaded.manifest
        guard !manifest.testArguments.isEmpty else {
            throw ServiceError(
                "the app '\(name)' says nothing of its tests (no <test> in \(loaded.layout.manifest.path)); run them with 'paddock run \(name) -- COMMAND'",
                .usage)
        }
        let test = try console(name, command: manifest.testArguments + extraArguments)
        let fingerprintFile = loaded.layout.state.appendingPathComponent("test-setup.fingerprint")
        // The database the tests run against is part of what the kept one was made from.
        let fingerprint = Self.testSetupFingerprint(
            folder: loaded.layout.source, inputs: manifest.testSetupInputs, database: test.environment["DATABASE_URL"] ?? "",
            setup: manifest.testSetupArguments)
        var run = TestRun(
            setup: nil, setupReason: nil, test: test, fingerprintFile: fingerprintFile, fingerprint: fingerprint,
            setupLog: loaded.layout.state.appendingPathComponent("logs/test-setup.log"))
        guard !manifest.testSetupArguments.isEmpty else { return run }
        let kept = try? String(contentsOf: fingerprintFile, encoding: .utf8)
        if forceSetup {
            run.setupReason = "--setup"
        } else if kept == nil {
            run.setupReason = "the first run: no kept test database yet"
        } else if kept != fingerprint {
            run.setupReason = "what the kept test database was made from changed (\(manifest.testSetupInputs.joined(separator: ", ")), or the database)"
        } else {
            return run
        }
        run.setup = try console(name, command: manifest.testSetupArguments)
        return run
    }

    /// Runs the setup step, its output shown line by line and kept in its log; on success
    /// records what the kept database was made from. A failure names the log.
    public func runTestSetup(_ run: TestRun, show: @escaping (Substring) -> Void) throws {
        guard let setup = run.setup else { return }
        try FileManager.default.createDirectory(at: run.setupLog.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: run.fingerprintFile)
        let result = try context.runner.run(
            setup.arguments, environment: setup.environment, directory: setup.directory, log: run.setupLog.path, check: false, deadline: nil,
            onLine: show)
        guard result.status == 0 else {
            throw ServiceError(
                "the test setup (\(setup.arguments.joined(separator: " "))) failed with exit status \(result.status); its output is in \(run.setupLog.path)",
                .failure)
        }
        try Data(run.fingerprint.utf8).write(to: run.fingerprintFile, options: .atomic)
    }

    /// FNV-1a (64 bits) over the setup's argv, the database URL and each input file's path and
    /// bytes, in path order: a change detector, not a secret.
    static func testSetupFingerprint(folder: URL, inputs: [String], database: String, setup: [String]) -> String {
        var hash = FNV1a()
        // Each part ends with 0xff, so that parts cannot run into one another.
        func mix(_ bytes: some Sequence<UInt8>) {
            hash.mix(bytes)
            hash.mix([0xff])
        }
        mix(setup.joined(separator: "\u{0}").utf8)
        mix(database.utf8)
        for path in matchingFiles(folder: folder, patterns: inputs) {
            mix(path.utf8)
            mix((try? Data(contentsOf: folder.appendingPathComponent(path))) ?? Data())
        }
        return hash.hex
    }

    /// Files under `folder` whose relative path matches one of `patterns` (shell patterns per
    /// path component: `testdata/setup/*.sql`), sorted.
    static func matchingFiles(folder: URL, patterns: [String]) -> [String] {
        var found: Set<String> = []
        for pattern in patterns {
            var paths = [""]
            for component in pattern.split(separator: "/").map(String.init) {
                var next: [String] = []
                for path in paths {
                    let directory = path.isEmpty ? folder : folder.appendingPathComponent(path)
                    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where fnmatch(component, name, 0) == 0 {
                        next.append(path.isEmpty ? name : path + "/" + name)
                    }
                }
                paths = next
            }
            for path in paths {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    found.insert(path)
                }
            }
        }
        return found.sorted()
    }
}
