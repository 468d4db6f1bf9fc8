import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockState

/// A blank project template (an app-scoped archive): staged and answered before the
/// transaction (`InstallService.stage`), rendered here into the app's own folder.
public struct TemplateKind: InstallerKind {
    public let name = "template"

    public init() {}

    public func handles(_ install: LinuxInstall) -> Bool { install.kind == .archive && install.scope == .app }

    public func install(_ step: KindStep, context: ServiceContext) throws -> [Receipt] {
        guard let template = step.template else { return [] }
        // An adopted folder is taken as it is, and recorded without a receipt: uninstalling the
        // app never removes what the user uploaded.
        if template.adopted {
            try Self.prepareApp(template, transaction: step.transaction)
            return []
        }
        try Self.renderApp(template, transaction: step.transaction)
        return [Receipt(kind: .directory, path: template.layout.source.path)]
    }

    public func missing(_ receipt: Receipt, productId: String, app: AppRecord?, context: ServiceContext) -> String? {
        FileManager.default.fileExists(atPath: receipt.path) ? nil : "\(receipt.path) is missing"
    }

    public func offlineReason(_ install: LinuxInstall) -> String? { "an archive with no file named" }

    /// Creates the app's folders (journaled) before any step puts something in them.
    static func prepareApp(_ template: StagedTemplate, transaction: InstallTransaction) throws {
        for folder in [template.layout.source, template.layout.state] {
            if !FileManager.default.fileExists(atPath: folder.path) {
                // The source folder is where the user chose; the state folder is paddock's own.
                if folder == template.layout.source {
                    try transaction.willCreateAppFolder(folder.path)
                } else {
                    try transaction.willCreate(folder.path)
                }
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
        }
        try template.layout.createStateFolders()
    }

    /// Renders the template's project files, and its other top-level files (manifest, deploy
    /// hook, requirements) but not Parameters.xml, into the app's folder.
    static func renderApp(_ template: StagedTemplate, transaction: InstallTransaction) throws {
        try prepareApp(template, transaction: transaction)
        let project = template.folder.appendingPathComponent("project")
        // {{paddock_app}}: the app's name in paddock, for the README's 'paddock run NAME -- …'.
        let values = template.values.merging(["paddock_app": template.layout.name]) { given, _ in given }
        do {
            if FileManager.default.fileExists(atPath: project.path) {
                try TemplateRenderer.render(project, into: template.layout.source, values: values)
            }
            for name in try FileManager.default.contentsOfDirectory(atPath: template.folder.path).sorted()
            where name != "project" && name != "Parameters.xml" {
                let staged = template.folder.appendingPathComponent("\(name)")
                let single = template.folder.appendingPathComponent(".single-\(name)")
                try FileManager.default.createDirectory(at: single, withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: staged, to: single.appendingPathComponent(name))
                try TemplateRenderer.render(single, into: template.layout.source, values: values)
            }
        } catch let error as TemplateRenderer.RenderError {
            throw ServiceError("\(template.productId): \(error.message)", .dataError)
        }
    }
}
