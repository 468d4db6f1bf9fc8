import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockState
import PaddockSystem
import PaddockXML

/// An installer kind defined as data (`KindDefinition`): its commands run per package, each
/// package journaled before its command runs, the command a tracked child of the transaction.
public struct DataDefinedKind: InstallerKind {
    public let definition: KindDefinition
    public var name: String { definition.name }

    public init(_ definition: KindDefinition) { self.definition = definition }

    /// Every `*.xml` in `folder`, in name order; none when the folder does not exist.
    static func loadAll(from folder: URL) throws -> [DataDefinedKind] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".xml") }.sorted()
        return try names.map { DataDefinedKind(try KindDefinitionReader.read(path: folder.appendingPathComponent($0).path)) }
    }

    public func environmentFolder(of app: AppLayout) -> URL? {
        definition.environment.map { URL(fileURLWithPath: Placeholders.render($0, ["app_root": app.source.path])) }
    }

    /// The placeholders of one package's command; `appRoot` is the folder of the app it goes into.
    private func values(_ package: String, version: String?, appRoot: URL?, context: ServiceContext) -> [String: String] {
        var values = ["package": package, "version": version ?? "", "programs": context.paths.programs.path]
        if let appRoot {
            values["app_root"] = appRoot.path
            values["environment"] = definition.environment.map { Placeholders.render($0, ["app_root": appRoot.path]) } ?? appRoot.path
        }
        return values
    }

    public func install(_ step: KindStep, context: ServiceContext) throws -> [Receipt] {
        let runner = context.runner.tracked { [transaction = step.transaction] in try transaction.recordChild($0) }
        var receipts: [Receipt] = []
        for package in step.install.packages {
            let values = values(package.name, version: package.version, appRoot: step.app?.source, context: context)
            try step.transaction.willInstallPackage(package.name, kind: name, detail: step.app?.source.path)
            let arguments = definition.install.map { Placeholders.render($0, values) }
            let result = try runner.run(arguments, environment: context.environment, directory: step.app?.source.path, log: step.log, check: false)
            guard result.status == 0 else {
                throw CommandFailure(arguments: arguments, status: result.status, output: result.output)
            }
            receipts.append(Receipt(kind: .package(name), path: package.name))
        }
        return receipts
    }

    public func undo(_ entry: JournalEntry, context: ServiceContext) throws {
        _ = removeOne(entry.path, appFolder: entry.detail, context: context)
    }

    public func remove(_ receipts: [Receipt], app: AppRecord?, context: ServiceContext) -> [String] {
        receipts.compactMap { removeOne($0.path, appFolder: app?.path, context: context) }
    }

    /// Nil when removed (or when the kind has no remove command); else what failed.
    private func removeOne(_ package: String, appFolder: String?, context: ServiceContext) -> String? {
        guard !definition.remove.isEmpty else { return nil }
        let values = values(package, version: nil, appRoot: appFolder.map { URL(fileURLWithPath: $0) }, context: context)
        let arguments = definition.remove.map { Placeholders.render($0, values) }
        let result = try? context.runner.run(arguments, environment: context.environment, directory: appFolder, check: false)
        return result?.status == 0 ? nil : "\(name) could not remove \(package): '\(arguments.joined(separator: " "))' failed"
    }

    public func missing(_ receipt: Receipt, productId: String, app: AppRecord?, context: ServiceContext) -> String? {
        guard !definition.present.isEmpty else { return nil }
        let arguments = definition.present.map {
            Placeholders.render($0, values(receipt.path, version: nil, appRoot: app?.layout.source, context: context))
        }
        let result = try? context.runner.run(arguments, environment: context.environment, directory: app?.path, check: false)
        return result?.status == 0 ? nil : "the \(name) package \(receipt.path) is missing"
    }

    public func offlineReason(_ install: LinuxInstall) -> String? {
        (definition.offlineReason ?? "\(name) packages") + ": " + install.packages.map(\.name).joined(separator: ", ")
    }
}
