import FeedModel
import Foundation
import PaddockState
import PaddockSystem

/// Debian and Python package installs, each journaled before it runs.
struct PackageSteps {
    let runner = ProcessRunner()
    let environment: [String: String]

    /// Debian packages of `install` that are not installed yet.
    func missingAptPackages(_ install: LinuxInstall) -> [String] {
        install.packages.map(\.name).filter { name in
            guard let result = try? runner.run(["dpkg-query", "-W", "-f", "${Status}", name], check: false) else { return true }
            return !(result.status == 0 && result.output.hasPrefix("install ok installed"))
        }
    }

    func installApt(_ packages: [String], transaction: InstallTransaction, log: String) throws {
        guard !packages.isEmpty else { return }
        for package in packages { try transaction.willInstallAptPackage(package) }
        var aptEnvironment = environment
        aptEnvironment["DEBIAN_FRONTEND"] = "noninteractive"
        try runner.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + Self.aptLockWait + packages, environment: aptEnvironment, log: log)
    }

    /// Creates the app's virtual environment with Debian's python3 (never the system's
    /// site-packages), journaled so a rollback removes it.
    func ensureVenv(_ venv: URL, transaction: InstallTransaction, log: String) throws {
        guard !FileManager.default.fileExists(atPath: venv.appendingPathComponent("bin/python").path) else { return }
        try transaction.willCreate(venv.path, insideApp: venv.deletingLastPathComponent().path)
        let python = ProcessRunner.which("python3", path: "/usr/bin:/bin") ?? "python3"
        try Self.tracked(by: transaction).run([python, "-m", "venv", venv.path], environment: environment, log: log)
    }

    /// A runner for the children of `transaction` (pip, venv, a command installer, not apt):
    /// each in a process group of its own that dies with paddock and is journaled, so that a
    /// recovery ends whatever a killed paddock's child left running before it undoes anything.
    /// apt and dpkg are never tracked: killing dpkg mid-way breaks the system's packages.
    static func tracked(by transaction: InstallTransaction) -> ProcessRunner {
        ProcessRunner(childStarted: { try transaction.recordChild($0) })
    }

    /// pip with hash checking and no further resolution: the feed names every package with its
    /// hashes. Without hashes, only with --allow-unverified (said so in the plan).
    func installPip(_ install: LinuxInstall, venv: URL, transaction: InstallTransaction, log: String, scratch: URL) throws {
        let pip = venv.appendingPathComponent("bin/pip").path
        let verified = install.packages.allSatisfy { !$0.sha256.isEmpty }
        var arguments = [pip, "install", "--no-deps", "--no-input", "--disable-pip-version-check", "--quiet"]
        if verified {
            let requirements = scratch.appendingPathComponent("requirements-\(UUID().uuidString).txt")
            let lines = install.packages.map { package in
                ([Self.pin(package)] + package.sha256.map { "--hash=sha256:\($0)" }).joined(separator: " ")
            }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: requirements)
            arguments += ["--require-hashes", "-r", requirements.path]
        } else {
            arguments += install.packages.map(Self.pin)
        }
        for package in install.packages { try transaction.willInstallPipPackage(Self.distributionName(package.name), venv: venv.path) }
        var pipEnvironment = environment
        pipEnvironment["PIP_NO_INPUT"] = "1"
        try Self.tracked(by: transaction).run(arguments, environment: pipEnvironment, log: log)
    }

    /// `Django==5.2.19`; a bare name when no version is pinned.
    static func pin(_ package: LinuxInstall.Package) -> String {
        guard let version = package.version, !version.isEmpty else { return package.name }
        if version.first.map({ "<>=!~".contains($0) }) == true { return package.name + version }
        return "\(package.name)==\(version)"
    }

    /// `psycopg[binary]` is distributed as `psycopg`.
    static func distributionName(_ name: String) -> String {
        String(name.prefix { $0 != "[" })
    }

    /// apt waits this long for another apt or dpkg (an interrupted one's recovery, an unattended
    /// upgrade) to release its lock, instead of failing at once.
    static let aptLockWait = ["-o", "DPkg::Lock::Timeout=300"]

    /// dpkg keeps the steps of an unfinished run in /var/lib/dpkg/updates until it completes.
    static var dpkgWasInterrupted: Bool {
        !((try? FileManager.default.contentsOfDirectory(atPath: "/var/lib/dpkg/updates")) ?? []).isEmpty
    }

    /// Undoes one journaled package step (rollback after a failure or a crash).
    func undo(_ entry: JournalEntry) {
        switch entry.action {
        case .apt:
            var aptEnvironment = environment
            aptEnvironment["DEBIAN_FRONTEND"] = "noninteractive"
            // A paddock killed while dpkg ran leaves it half-done: finish dpkg's own work first
            // (it keeps its journal in /var/lib/dpkg/updates), then remove the package.
            if Self.dpkgWasInterrupted { _ = try? runner.run(["dpkg", "--configure", "-a"], environment: aptEnvironment, check: false) }
            _ = try? runner.run(["apt-get", "remove", "-y", "-q"] + Self.aptLockWait + [entry.path], environment: aptEnvironment, check: false)
        case .pip:
            guard let venv = entry.detail, FileManager.default.fileExists(atPath: venv + "/bin/pip") else { return }
            _ = try? runner.run([venv + "/bin/pip", "uninstall", "-y", "--quiet", entry.path], environment: environment, check: false)
        case .create, .replace, .process:
            break
        }
    }
}
