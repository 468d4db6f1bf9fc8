import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockState
import PaddockSystem

/// Python packages from PyPI into an app's own virtual environment (`.venv` in its folder,
/// on Debian's python3), with hash checking and no resolution of their own: the feed names
/// every package with its hashes. Without hashes, only with --allow-unverified.
///
/// With uv (the feed's `uv` product, which every Python product depends on, unpacked into
/// paddock's programs folder): `uv venv` and `uv pip install --require-hashes`, from a cache
/// that lasts between installs (`$XDG_CACHE_HOME/paddock/uv`), in a fraction of pip's time.
/// Where uv cannot be had (no build for the machine, a feed without it), pip does the same,
/// said in one line, with its own lasting cache (`…/paddock/pip`).
public struct PipKind: InstallerKind {
    public let name = "pip"

    public init() {}

    public func environmentFolder(of app: AppLayout) -> URL? { app.source.appendingPathComponent(".venv") }

    public func install(_ step: KindStep, context: ServiceContext) throws -> [Receipt] {
        guard let app = step.app, let venv = environmentFolder(of: app) else {
            throw ServiceError("\(step.step.productId) goes into an app's environment; name the app with --app NAME", .usage)
        }
        let uv = Self.uv(context.paths)
        try ensureVenv(venv, uv: uv, step: step, context: context)
        let packages = step.install.packages
        let verified = packages.allSatisfy { !$0.sha256.isEmpty }
        var arguments: [String]
        if let uv {
            // --no-deps: the feed names every package; --require-hashes below checks each
            // one's file, from the index or from uv's cache alike.
            arguments = [uv, "pip", "install", "--python", venv.appendingPathComponent("bin/python").path, "--no-deps"]
        } else {
            arguments = [venv.appendingPathComponent("bin/pip").path, "install", "--no-deps", "--no-input", "--disable-pip-version-check"]
        }
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
        let environment = uv == nil ? Self.pipEnvironment(context) : Self.uvEnvironment(context)
        try context.runner.tracked { [transaction = step.transaction] in try transaction.recordChild($0) }.run(arguments, environment: environment, log: step.log)
        return packages.map { Receipt(kind: .package(name), path: Self.distributionName($0.name)) }
    }

    /// Creates the app's virtual environment on Debian's python3 (never the system's
    /// site-packages), journaled so a rollback removes it. With uv, `uv venv` and then pip from
    /// Debian's own wheel (what `python3 -m venv` would put there, for the app's README and its
    /// owner), in a fraction of a second instead of `python3 -m venv`'s five.
    private func ensureVenv(_ venv: URL, uv: String?, step: KindStep, context: ServiceContext) throws {
        guard !FileManager.default.fileExists(atPath: venv.appendingPathComponent("bin/python").path) else { return }
        try step.transaction.willCreate(venv.path, insideApp: venv.deletingLastPathComponent().path)
        let python = ProcessRunner.which("python3", path: "/usr/bin:/bin") ?? "python3"
        let runner = context.runner.tracked { [transaction = step.transaction] in try transaction.recordChild($0) }
        guard let uv else {
            context.emit(.note("uv is not installed here (\(Self.uvFolder(context.paths).path)); pip installs the Python packages, more slowly"))
            try runner.run([python, "-m", "venv", venv.path], environment: context.environment, log: step.log)
            return
        }
        let environment = Self.uvEnvironment(context)
        try runner.run([uv, "venv", "--python", python, venv.path], environment: environment, log: step.log)
        if let wheel = Self.debianPipWheel() {
            try runner.run(
                [uv, "pip", "install", "--python", venv.appendingPathComponent("bin/python").path, "--no-deps", "--no-index", wheel],
                environment: environment, log: step.log)
        }
    }

    public func undo(_ entry: JournalEntry, context: ServiceContext) throws {
        guard let venv = entry.detail, FileManager.default.fileExists(atPath: venv + "/bin/python") else { return }
        _ = try? context.runner.run(Self.uninstall(entry.path, venv: venv, paths: context.paths), environment: Self.uvEnvironment(context), check: false)
    }

    public func remove(_ receipts: [Receipt], app: AppRecord?, context: ServiceContext) -> [String] {
        guard let app else { return [] }
        let venv = app.path + "/.venv"
        return receipts.compactMap { receipt in
            let result = try? context.runner.run(
                Self.uninstall(receipt.path, venv: venv, paths: context.paths), environment: Self.uvEnvironment(context), check: false)
            return result?.status == 0 ? nil : "could not remove \(receipt.path) from \(venv)"
        }
    }

    /// Removing a package: the venv's pip when it has one, else uv (a venv uv made without pip).
    static func uninstall(_ package: String, venv: String, paths: PaddockPaths) -> [String] {
        if !FileManager.default.fileExists(atPath: venv + "/bin/pip"), let uv = Self.uv(paths) {
            return [uv, "pip", "uninstall", "--python", venv + "/bin/python", package]
        }
        return [venv + "/bin/pip", "uninstall", "-y", "--disable-pip-version-check", package]
    }

    // MARK: uv

    /// Where the feed's `uv` product is unpacked (its pd:install destination).
    static func uvFolder(_ paths: PaddockPaths) -> URL { paths.programs.appendingPathComponent("uv") }

    /// The uv program paddock installed, if any: `uv-VERSION.data/scripts/uv` of its wheel.
    static func uv(_ paths: PaddockPaths) -> String? {
        let folder = uvFolder(paths)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for entry in entries.sorted().reversed() where entry.hasPrefix("uv-") && entry.hasSuffix(".data") {
            let program = folder.appendingPathComponent(entry).appendingPathComponent("scripts/uv").path
            if FileManager.default.isExecutableFile(atPath: program) { return program }
        }
        return nil
    }

    /// Debian's pip wheel (python3-pip-whl, which python3-venv brings): what ensurepip installs.
    static func debianPipWheel() -> String? {
        let folder = "/usr/share/python-wheels"
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix("pip-") && $0.hasSuffix(".whl") }
        return wheels.sorted().last.map { folder + "/" + $0 }
    }

    /// uv's settings: its cache under paddock's (lasting, so a second install downloads
    /// nothing), never a Python of its own (Debian's python3 is the feed's dependency), and
    /// pip's settings from the environment carried over where uv's own are not set, so that an
    /// index, a proxy's certificate or a folder of wheels set up for pip is used by uv too.
    static func uvEnvironment(_ context: ServiceContext) -> [String: String] {
        var environment = context.environment
        environment["UV_CACHE_DIR"] = environment["UV_CACHE_DIR"] ?? context.paths.cache.appendingPathComponent("uv").path
        environment["UV_PYTHON_DOWNLOADS"] = "never"
        environment["UV_NO_PROGRESS"] = environment["UV_NO_PROGRESS"] ?? "1"
        // The system's trust store, as Debian's pip uses it: behind a proxy whose CA the admin
        // installed (update-ca-certificates), uv's own bundled roots would refuse PyPI.
        if environment["UV_SYSTEM_CERTS"] == nil && environment["UV_NATIVE_TLS"] == nil && environment["SSL_CERT_FILE"] == nil {
            environment["UV_SYSTEM_CERTS"] = "1"
        }
        let carried = [
            ("PIP_INDEX_URL", "UV_DEFAULT_INDEX"), ("PIP_EXTRA_INDEX_URL", "UV_INDEX"), ("PIP_FIND_LINKS", "UV_FIND_LINKS"),
            ("PIP_CERT", "SSL_CERT_FILE"), ("PIP_TRUSTED_HOST", "UV_INSECURE_HOST"), ("PIP_NO_INDEX", "UV_NO_INDEX"),
        ]
        for (pip, uv) in carried {
            guard let value = environment[pip], !value.isEmpty, environment[uv] == nil else { continue }
            if uv == "UV_DEFAULT_INDEX" && environment["UV_INDEX_URL"] != nil { continue }
            // pip separates several values with spaces; uv reads them the same way.
            environment[uv] = value
        }
        return environment
    }

    /// pip's settings: no questions, and a cache under paddock's that lasts between installs
    /// (unless the environment chose one, or none).
    static func pipEnvironment(_ context: ServiceContext) -> [String: String] {
        var environment = context.environment
        environment["PIP_NO_INPUT"] = "1"
        if environment["PIP_CACHE_DIR"] == nil && environment["PIP_NO_CACHE_DIR"] == nil {
            environment["PIP_CACHE_DIR"] = context.paths.cache.appendingPathComponent("pip").path
        }
        return environment
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
