import FeedModel
import Foundation
import PaddockBasics
import PaddockState
import PaddockSystem
import Resolver

/// Debian packages, through apt-get (root only). Never tracked as a child of the transaction:
/// killing dpkg mid-way breaks the system's packages, so a kill waits for it instead.
public struct AptKind: InstallerKind {
    public let name = "apt"

    public init() {}

    /// apt waits this long for another apt or dpkg (an interrupted one's recovery, an unattended
    /// upgrade) to release its lock, instead of failing at once.
    static let lockWait = ["-o", "DPkg::Lock::Timeout=300"]

    /// Debian packages of `install` that are not installed yet.
    func missingPackages(_ install: LinuxInstall, context: ServiceContext) -> [String] {
        install.packages.map(\.name).filter { !isInstalled($0, context: context) }
    }

    private func isInstalled(_ package: String, context: ServiceContext) -> Bool {
        guard let result = try? context.runner.run(["dpkg-query", "-W", "-f", "${Status}", package], check: false) else { return false }
        return result.status == 0 && result.output.hasPrefix("install ok installed")
    }

    public func check(_ steps: [PlanStep], context: ServiceContext) throws {
        let missing = steps.compactMap { step -> (PlanStep, [String])? in
            guard let install = step.installer?.linux, handles(install) else { return nil }
            return (step, missingPackages(install, context: context))
        }
        let packages = missing.flatMap(\.1)
        guard !packages.isEmpty, !context.isRoot else { return }
        let needing = missing.filter { !$0.1.isEmpty }.map(\.0.productId)
        throw ServiceError(
            "\(needing.joined(separator: ", ")) need\(needing.count == 1 ? "s" : "") root to install Debian packages; run: sudo apt-get install -y \(packages.joined(separator: " ")) and then this command again",
            .noPermission)
    }

    public func install(_ step: KindStep, context: ServiceContext) throws -> [Receipt] {
        let packages = missingPackages(step.install, context: context)
        guard !packages.isEmpty else { return [] }
        for package in packages { try step.transaction.willInstallPackage(package, kind: name) }
        try context.runner.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + Self.lockWait + packages, environment: aptEnvironment(context),
            log: step.log)
        return packages.map { Receipt(kind: .package(name), path: $0) }
    }

    public func undo(_ entry: JournalEntry, context: ServiceContext) throws {
        // A paddock killed while dpkg ran leaves it half-done: finish dpkg's own work first
        // (it keeps its journal in /var/lib/dpkg/updates), then remove the package.
        if Self.dpkgWasInterrupted(context.environment) { _ = try? context.runner.run(["dpkg", "--configure", "-a"], environment: aptEnvironment(context), check: false) }
        _ = try? context.runner.run(["apt-get", "remove", "-y", "-q"] + Self.lockWait + [entry.path], environment: aptEnvironment(context), check: false)
    }

    public func remove(_ receipts: [Receipt], app: AppRecord?, context: ServiceContext) -> [String] {
        let packages = receipts.map(\.path)
        guard !packages.isEmpty else { return [] }
        let result = try? context.runner.run(["apt-get", "remove", "-y", "-q"] + packages, environment: aptEnvironment(context), check: false)
        if result?.status == 0 { return [] }
        return ["apt-get could not remove \(packages.joined(separator: " ")); run: sudo apt-get remove \(packages.joined(separator: " "))"]
    }

    public func missing(_ receipt: Receipt, productId: String, app: AppRecord?, context: ServiceContext) -> String? {
        isInstalled(receipt.path, context: context) ? nil : "the Debian package \(receipt.path) is not installed"
    }

    public func offlineReason(_ install: LinuxInstall) -> String? {
        "Debian packages from the machine's own archive: \(install.packages.map(\.name).joined(separator: ", "))"
    }

    public func upgradedElsewhere(_ productId: String, newest: String) -> String? {
        "its Debian packages are upgraded by apt-get upgrade"
    }

    private func aptEnvironment(_ context: ServiceContext) -> [String: String] {
        var environment = context.environment
        environment["DEBIAN_FRONTEND"] = "noninteractive"
        return environment
    }

    /// dpkg keeps the steps of an unfinished run in /var/lib/dpkg/updates until it completes.
    /// dpkg's own journal is not empty. Its folder is where dpkg keeps it: `DPKG_ADMINDIR`
    /// (which dpkg itself honours, and the in-process tests point at a folder of their own),
    /// else /var/lib/dpkg.
    static func dpkgWasInterrupted(_ environment: [String: String]) -> Bool {
        let admin = environment["DPKG_ADMINDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/lib/dpkg"
        return !((try? FileManager.default.contentsOfDirectory(atPath: admin + "/updates")) ?? []).isEmpty
    }
}
