import Foundation
import Testing

/// Something a test needs from the machine (a tool, a server, PyPI), with the Debian package
/// that brings it. Tests say so with the trait `.requires(.pip, .postgres)`:
///
/// - without `CI` in the environment, a test whose requirement is not met is skipped, the skip
///   naming what is missing and the package;
/// - with `CI` set (CI runs `scripts/test.sh`, which installs every such package and starts the
///   servers), it is not skipped: it fails with that message, so nothing is skipped silently.
///
/// Each check runs once per test process, when a test that needs it is about to run.
public struct Requirement: Sendable {
    /// What is needed, as a person would name it ("pip", "a PostgreSQL server").
    public let name: String
    /// Why it is not there and what brings it; nil when the requirement is met.
    public var problem: String? { check() }
    private let check: @Sendable () -> String?

    public init(_ name: String, check: @escaping @Sendable () -> String?) {
        self.name = name
        self.check = check
    }

    /// Whether missing requirements fail instead of skipping: `CI` set to anything but "" or
    /// "false"/"0", as CI services set it.
    public static var underCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"] else { return false }
        return !["", "0", "false", "no"].contains(value.lowercased())
    }

    /// The message for a missing tool: what, why, and the Debian package that brings it.
    static func missing(_ what: String, _ detail: String, package: String) -> String {
        "\(what) missing: \(detail); install Debian package \(package) (scripts/test.sh does)"
    }

    // MARK: The requirements

    /// The Python the app tests and paddock's app environments use.
    static let python = URL(fileURLWithPath: "/usr/bin/python3")

    /// /usr/bin/python3 itself (the toy engines of the engine tests are its standard library).
    public static let python3 = Requirement("python3") {
        FileManager.default.isExecutableFile(atPath: python.path) ? nil : missing("python3", "no \(python.path)", package: "python3")
    }

    /// pip for /usr/bin/python3 (the app tests' check of PyPI, and the apps' environments).
    public static let pip = Requirement("pip") { pipProblem }
    private static let pipProblem: String? = {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            return missing("python3", "no \(python.path)", package: "python3")
        }
        guard let result = try? runProcess(python, ["-m", "pip", "--version"]), result.status == 0 else {
            return missing("pip", "'\(python.path) -m pip' does not run", package: "python3-pip")
        }
        return nil
    }()

    /// PyPI reachable through pip: the app tests install Django, Flask and gunicorn from it.
    /// Needs pip first, and says so when that is the cause.
    public static let pypi = Requirement("PyPI") { pypiProblem }
    private static let pypiProblem: String? = {
        if let problem = pipProblem { return problem }
        guard let directory = try? TestPaths.temporaryDirectory("paddock-pypi") else { return "PyPI not checked: no temporary directory" }
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try? runProcess(
            python,
            ["-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check", "--timeout", "15", "-d", directory.path, "sqlparse==0.6.1"])
        guard let result, result.status == 0 else {
            let why = result?.stderr.split(separator: "\n").last.map { ": \($0)" } ?? ""
            return "PyPI is not reachable (pip download of sqlparse failed\(why)): the app tests install Django and Flask from it"
        }
        return nil
    }()

    /// A PostgreSQL server for the app tests: PADDOCK_TEST_POSTGRES=postgresql://USER:PASSWORD@HOST:PORT,
    /// as scripts/postgres-for-tests.sh prints it, and psql to look into it.
    public static let postgres = Requirement("PostgreSQL") {
        if ProcessInfo.processInfo.environment["PADDOCK_TEST_POSTGRES"] == nil {
            return missing(
                "PostgreSQL server", "PADDOCK_TEST_POSTGRES is not set (scripts/postgres-for-tests.sh starts one and prints it)",
                package: "postgresql")
        }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/psql") {
            return missing("psql", "no /usr/bin/psql", package: "postgresql-client")
        }
        return nil
    }

    /// A MySQL-compatible server for the app tests: PADDOCK_TEST_MYSQL=mysql://USER:PASSWORD@HOST:PORT,
    /// as scripts/mariadb-for-tests.sh prints it, and the mariadb client to look into it.
    public static let mysql = Requirement("MariaDB") {
        if ProcessInfo.processInfo.environment["PADDOCK_TEST_MYSQL"] == nil {
            return missing(
                "MariaDB server", "PADDOCK_TEST_MYSQL is not set (scripts/mariadb-for-tests.sh starts one and prints it)",
                package: "mariadb-server")
        }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/mariadb") {
            return missing("mariadb client", "no /usr/bin/mariadb", package: "mariadb-client")
        }
        return nil
    }
}

/// The trait `.requires(…)`: skips (outside CI) or fails (under CI) a test, or every test of a
/// suite, whose requirements are not met, naming the first missing one.
public struct RequirementTrait: TestTrait, SuiteTrait, TestScoping {
    public let requirements: [Requirement]

    public var isRecursive: Bool { true }

    var firstProblem: String? { requirements.lazy.compactMap(\.problem).first }

    /// Outside CI: a skip with the reason, as `.disabled(reason)` would.
    public func prepare(for test: Test) async throws {
        guard !Requirement.underCI, let problem = firstProblem else { return }
        try await ConditionTrait.disabled(Comment(rawValue: problem)).prepare(for: test)
    }

    /// Under CI, each test case (not the suite around them) gets the check, and fails instead of running.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        Requirement.underCI && testCase != nil ? self : nil
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        if let problem = firstProblem {
            Issue.record(Comment(rawValue: problem), sourceLocation: test.sourceLocation)
            return
        }
        try await function()
    }
}

extension Trait where Self == RequirementTrait {
    /// The test needs these (`.requires(.pypi)`, `.requires(.pypi, .postgres)`); see `Requirement`.
    public static func requires(_ requirements: Requirement...) -> Self {
        RequirementTrait(requirements: requirements)
    }
}
