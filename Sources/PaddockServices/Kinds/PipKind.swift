import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockState
import PaddockSystem

/// Python packages from PyPI into an app's own virtual environment (`.venv` in its folder,
/// made with Debian's python3), with hash checking and no resolution of their own: the feed
/// names every package with its hashes. Without hashes, only with --allow-unverified.
public struct PipKind: InstallerKind {
    public let name = "pip"

    public init() {}

    public func environmentFolder(of app: AppLayout) -> URL? { app.source.appendingPathComponent(".venv") }

    public func install(_ step: KindStep, context: ServiceContext) throws -> [Receipt] {
        guard let app = step.app, let venv = environmentFolder(of: app) else {
            throw ServiceError("\(step.step.productId) goes into an app's environment; name the app with --app NAME", .usage)
        }
        try ensureVenv(venv, step: step, context: context)
        let pip = venv.appendingPathComponent("bin/pip").path
        let packages = step.install.packages
        let verified = packages.allSatisfy { !$0.sha256.isEmpty }
        var arguments = [pip, "install", "--no-deps", "--no-input", "--disable-pip-version-check", "--quiet"]
        if verified {
            let requirements = step.scratch.appendingPathComponent("requirements-\(UUID().uuidString).txt")
            let lines = packages.map { package in ([Self.pin(package)] + package.sha256.map { "--hash=sha256:\($0)" }).joined(separator: " ") }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: requirements)
            arguments += ["--require-hashes", "-r", requirements.path]
        } else {
            arguments += packages.map(Self.pin)
        }
        for package in packages {
            try step.transaction.willInstallPackage(Self.distributionName(package.name), kind: name, detail: venv.path)
        }
        var environment = context.environment
        environment["PIP_NO_INPUT"] = "1"
        try context.runner.tracked { [transaction = step.transaction] in try transaction.recordChild($0) }.run(arguments, environment: environment, log: step.log)
        return packages.map { Receipt(kind: .package(name), path: Self.distributionName($0.name)) }
    }

    /// Creates the app's virtual environment with Debian's python3 (never the system's
    /// site-packages), journaled so a rollback removes it.
    private func ensureVenv(_ venv: URL, step: KindStep, context: ServiceContext) throws {
        guard !FileManager.default.fileExists(atPath: venv.appendingPathComponent("bin/python").path) else { return }
        try step.transaction.willCreate(venv.path, insideApp: venv.deletingLastPathComponent().path)
        let python = ProcessRunner.which("python3", path: "/usr/bin:/bin") ?? "python3"
        try context.runner.tracked { [transaction = step.transaction] in try transaction.recordChild($0) }.run(
            [python, "-m", "venv", venv.path], environment: context.environment, log: step.log)
    }

    public func undo(_ entry: JournalEntry, context: ServiceContext) throws {
        guard let venv = entry.detail, FileManager.default.fileExists(atPath: venv + "/bin/pip") else { return }
        _ = try? context.runner.run([venv + "/bin/pip", "uninstall", "-y", "--quiet", entry.path], environment: context.environment, check: false)
    }

    public func remove(_ receipts: [Receipt], app: AppRecord?, context: ServiceContext) -> [String] {
        guard let app else { return [] }
        let venv = app.path + "/.venv"
        return receipts.compactMap { receipt in
            let result = try? context.runner.run(
                [venv + "/bin/pip", "uninstall", "-y", "--quiet", receipt.path], environment: context.environment, check: false)
            return result?.status == 0 ? nil : "pip could not remove \(receipt.path) from \(venv)"
        }
    }

    public func missing(_ receipt: Receipt, productId: String, app: AppRecord?, context: ServiceContext) -> String? {
        guard let app else { return "its app is not recorded" }
        let venv = URL(fileURLWithPath: app.path).appendingPathComponent(".venv")
        return Self.hasDistribution(receipt.path, venv: venv) ? nil : "the Python package \(receipt.path) is missing from \(venv.path)"
    }

    public func offlineReason(_ install: LinuxInstall) -> String? {
        "Python packages from PyPI: \(install.packages.map(\.name).joined(separator: ", "))"
    }

    public func upgradedElsewhere(_ productId: String, newest: String) -> String? {
        "apps get new versions when made again"
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

    /// A `NAME-VERSION.dist-info` folder in the venv's site-packages (names compared as pip does).
    static func hasDistribution(_ name: String, venv: URL) -> Bool {
        func normalized(_ text: String) -> String { text.lowercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_") }
        let wanted = normalized(name)
        let lib = venv.appendingPathComponent("lib")
        for python in (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? [] {
            let site = lib.appendingPathComponent(python).appendingPathComponent("site-packages")
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: site.path)) ?? [] where entry.hasSuffix(".dist-info") {
                let base = String(entry.dropLast(".dist-info".count))
                if let dash = base.firstIndex(of: "-"), normalized(String(base[..<dash])) == wanted { return true }
            }
        }
        return false
    }
}
