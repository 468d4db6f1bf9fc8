import FeedModel
import PaddockApps
import Foundation
import PaddockBasics
import PaddockState
import Resolver

/// One step of an install as an installer kind sees it: the plan's step, the verified file,
/// the app it goes into, and the transaction that journals every side effect first.
public struct KindStep {
    public var step: PlanStep
    public var install: LinuxInstall
    /// The step's verified download (nil for kinds without a file).
    public var file: URL?
    /// The app the step goes into (app-scoped kinds), with its folders.
    public var app: AppLayout?
    /// The template being made into that app, staged and answered (the template kind renders it).
    public var template: StagedTemplate?
    public var transaction: InstallTransaction
    /// The install's log file: every child's whole output goes there.
    public var log: String
    /// A scratch folder of this install, removed at its end.
    public var scratch: URL
}

/// A way of putting a product in place (`pd:install kind=`): apt, pip, archive, command, the
/// app template, or one defined as data (`DataDefinedKind`). Everything paddock does by kind
/// (check, install, undo, remove, doctor, offline bundle, upgrade) goes through here, so a new
/// kind is one conformance registered in `InstallerKinds`, and nothing else changes.
public protocol InstallerKind: Sendable {
    /// The name feeds, journal rows and receipts use.
    var name: String { get }
    /// Whether this kind carries out `install` (the template kind takes app-scoped archives).
    func handles(_ install: LinuxInstall) -> Bool
    /// Refuses, before any download, what cannot be done here (Debian packages without root).
    func check(_ steps: [PlanStep], context: ServiceContext) throws
    /// Puts the step in place, journaling each side effect before it happens; returns what
    /// it put down (receipts, kept in the state database for uninstall and doctor).
    func install(_ step: KindStep, context: ServiceContext) throws -> [Receipt]
    /// Undoes one journal row of this kind (rollback after a failure or a kill).
    func undo(_ entry: JournalEntry, context: ServiceContext) throws
    /// After an uninstall's commit: removes receipts of this kind; a line per failure.
    func remove(_ receipts: [Receipt], app: AppRecord?, context: ServiceContext) -> [String]
    /// `paddock doctor`: a line for each receipt of this kind no longer on the machine.
    func missing(_ receipt: Receipt, productId: String, app: AppRecord?, context: ServiceContext) -> String?
    /// `paddock download`: why a product of this kind needs the network or the machine's own
    /// packages on the other side (nil when the bundle carries its file).
    func offlineReason(_ install: LinuxInstall) -> String?
    /// `paddock upgrade`: who upgrades this kind's products instead of paddock (nil: paddock).
    func upgradedElsewhere(_ productId: String, newest: String) -> String?
    /// The app's environment folder the kind installs into, when it has one (pip's venv).
    func environmentFolder(of app: AppLayout) -> URL?
}

extension InstallerKind {
    public func check(_ steps: [PlanStep], context: ServiceContext) throws {}
    public func undo(_ entry: JournalEntry, context: ServiceContext) throws {}
    public func remove(_ receipts: [Receipt], app: AppRecord?, context: ServiceContext) -> [String] { [] }
    public func missing(_ receipt: Receipt, productId: String, app: AppRecord?, context: ServiceContext) -> String? { nil }
    public func offlineReason(_ install: LinuxInstall) -> String? { nil }
    public func upgradedElsewhere(_ productId: String, newest: String) -> String? { nil }
    public func environmentFolder(of app: AppLayout) -> URL? { nil }
    public func handles(_ install: LinuxInstall) -> Bool { install.kind.rawValue == name }
}

/// The kinds this paddock carries out: the built-in ones, then those defined as data in
/// `$XDG_CONFIG_HOME/paddock/kinds/*.xml` (a data kind may not replace a built-in one).
public struct InstallerKinds: Sendable {
    public let all: [any InstallerKind]

    public static let builtIn: [any InstallerKind] = [AptKind(), PipKind(), TemplateKind(), ArchiveKind(), CommandKind()]

    public init(_ kinds: [any InstallerKind] = InstallerKinds.builtIn) { all = kinds }

    /// The built-in kinds and the data-defined ones of `paths` (a definition that cannot be
    /// read is an error naming its file and line).
    public static func load(paths: PaddockPaths) throws -> InstallerKinds {
        let builtIn = Set(Self.builtIn.map(\.name))
        let defined = try DataDefinedKind.loadAll(from: paths.config.appendingPathComponent("kinds")).filter { !builtIn.contains($0.name) }
        return InstallerKinds(Self.builtIn + defined)
    }

    /// The kind that carries out `install`, or nil when this paddock has none.
    public func kind(for install: LinuxInstall) -> (any InstallerKind)? { all.first { $0.handles(install) } }

    /// The kind named (journal rows and receipts name their kind).
    public func kind(named name: String) -> (any InstallerKind)? { all.first { $0.name == name } }

    /// The kind of a step, or an error saying which kind is missing and how to add it.
    public func kind(of step: PlanStep) throws -> (any InstallerKind)? {
        guard let install = step.installer?.linux else { return nil }
        guard let kind = kind(for: install) else {
            throw ServiceError(
                "\(step.productId)'s installer is of the kind '\(install.kind)', which this paddock does not carry out; define it in ~/.config/paddock/kinds/\(install.kind).xml (see docs/installer-kinds.md) or use a newer paddock",
                .dataError)
        }
        return kind
    }

    /// The package undo of a journal, for the state store's rollback.
    public func undoer(context: ServiceContext) -> KindUndo { KindUndo(kinds: self, context: context) }
}

/// Rolls back the package rows of a journal through their kinds.
public struct KindUndo: PackageUndoing {
    let kinds: InstallerKinds
    let context: ServiceContext

    public func knows(kind: String) -> Bool { kinds.kind(named: kind) != nil }

    public func undo(_ entry: JournalEntry) throws {
        guard case .package(let name) = entry.action, let kind = kinds.kind(named: name) else { return }
        try kind.undo(entry, context: context)
    }
}
