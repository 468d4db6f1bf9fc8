import FeedModel
import Foundation
import PaddockArchive
import PaddockBasics
import PaddockState

/// A verified archive unpacked into paddock's programs folder (`data/programs/DESTINATION`),
/// all or nothing, whatever was there before moved aside until the commit.
public struct ArchiveKind: InstallerKind {
    public let name = "archive"

    public init() {}

    public func handles(_ install: LinuxInstall) -> Bool { install.kind == .archive && install.scope != .app }

    public func install(_ step: KindStep, context: ServiceContext) throws -> [Receipt] {
        let productId = step.step.productId
        guard let file = step.file else { throw ServiceError("\(productId) has an archive installer but no file to download", .dataError) }
        let destination = try PathConfinement.resolve(
            step.install.destination ?? productId, under: context.paths.programs,
            what: "the folder \(productId) unpacks into (its pd:install destination or product id)")
        try step.transaction.moveAside(destination.path)
        try step.transaction.willCreate(destination.path)
        do {
            _ = try ArchiveExtractor.extract(file, into: destination, stripComponents: step.install.stripComponents)
        } catch let error as ArchiveError {
            throw ServiceError(Self.refusal(step.step.productId, installer: step.step.installer, error), .dataError)
        }
        return [Receipt(kind: .directory, path: destination.path)]
    }

    public func missing(_ receipt: Receipt, productId: String, app: AppRecord?, context: ServiceContext) -> String? {
        FileManager.default.fileExists(atPath: receipt.path) ? nil : "\(receipt.path) is missing"
    }

    public func offlineReason(_ install: LinuxInstall) -> String? { "an archive with no file named" }

    /// An archive refused, named by its product and where it came from (the archive's own name
    /// is its file in the download cache, which tells the user nothing); entry names from the
    /// archive are shown escaped.
    static func refusal(_ productId: String, installer: Installer?, _ error: ArchiveError) -> String {
        let source = installer?.file.flatMap { $0.url ?? $0.relativeURL }.map { " (\($0))" } ?? ""
        return "the archive of \(productId)\(source) is refused: \(error.description.escapingControlCharacters)"
    }
}

/// A command run from the feed's argv (`pd:arg`, `%InstallerFile%` and `%VAR%` expanded), as a
/// tracked child of the transaction. Nothing is recorded to undo: the feed's command owns it.
public struct CommandKind: InstallerKind {
    public let name = "command"

    public init() {}

    public func install(_ step: KindStep, context: ServiceContext) throws -> [Receipt] {
        var variables = context.environment
        variables["InstallerFile"] = step.file?.path ?? ""
        let arguments = step.install.arguments.map { PathVariables.expand($0, environment: variables) }
        guard !arguments.isEmpty else { return [] }
        let result = try context.runner.tracked { [transaction = step.transaction] in try transaction.recordChild($0) }.run(
            arguments, environment: context.environment, log: step.log, check: false)
        if result.status != 0 && !step.install.ignoreExitCode {
            throw ServiceError(
                "installing \(step.step.productId): '\(arguments.joined(separator: " "))' exited with status \(result.status); see \(step.log)",
                .failure)
        }
        return []
    }

    public func offlineReason(_ install: LinuxInstall) -> String? {
        "a command with no file to download: \(install.arguments.joined(separator: " "))"
    }
}
