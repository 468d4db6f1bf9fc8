import FeedModel
import PaddockXML
import Foundation
import PaddockBasics
import PaddockApps
import PaddockArchive
import PaddockState
import Resolver

#if canImport(Glibc)
import Glibc
#endif

/// A template unpacked into a scratch folder, with its parameters answered.
struct StagedTemplate {
    var productId: String
    var folder: URL
    var layout: AppLayout
    var values: [String: String]
    /// Values kept out of every file and of the state database (passwords): environment only.
    var secretValues: [String: String]
    /// Products the chosen values bring in (`pd:requires` in Parameters.xml), in order.
    var requiredProducts: [String] = []
}

extension Installation {
    /// Unpacks the (verified) template, reads its Parameters.xml and settles every value, all
    /// before the transaction, so nothing waits on a person in the middle of an install.
    func stage(_ step: PlanStep, file: URL, app: String, scratch: URL) throws -> StagedTemplate {
        let folder = scratch.appendingPathComponent("template")
        do {
            _ = try ArchiveExtractor.extract(file, into: folder, stripComponents: step.installer?.linux?.stripComponents ?? 0)
        } catch let error as ArchiveError {
            throw CommandError(message: Self.archiveRefusal(step, error), exitCode: 65)
        }
        let parametersFile = folder.appendingPathComponent("Parameters.xml")
        var parameters: [DeploymentParameter] = []
        if FileManager.default.fileExists(atPath: parametersFile.path) {
            parameters = try WebDeployReader.parameters(path: parametersFile.path, label: "\(step.productId)/Parameters.xml")
        }
        // The app's name is the natural default for the project's package name.
        let pythonName = app.lowercased().replacingOccurrences(of: "-", with: "_")
        for index in parameters.indices where parameters[index].name == "app_name" {
            if ParameterResolver.problem(with: pythonName, for: parameters[index]) == nil { parameters[index].defaultValue = pythonName }
        }
        var given: [String: String] = [:]
        var origins: [String: String] = [:]
        if let answers = options.answersFile {
            guard let text = try? String(contentsOfFile: answers, encoding: .utf8) else {
                throw CommandError(message: "cannot read the answers file '\(answers)'", exitCode: 66)
            }
            do {
                for entry in try AnswersFile.entries(text, file: answers) {
                    given[entry.name] = entry.value
                    origins[entry.name] = "\(answers):\(entry.line)"
                }
            } catch let error as ParameterResolver.Failure {
                throw CommandError(message: error.message, exitCode: 65)
            }
        }
        // --param wins over the answers file.
        for (name, value) in options.parameters {
            given[name] = value
            origins[name] = nil
        }
        let interactive = isatty(STDIN_FILENO) == 1 && !options.yes && !context.output.json
        let values: [String: String]
        let asker: ((DeploymentParameter, String?, String?) -> String?)? = interactive ? { Self.ask($0, $1, $2) } : nil
        do {
            values = try ParameterResolver(parameters: parameters).resolve(given: given, origins: origins, ask: asker)
        } catch let error as ParameterResolver.Failure {
            throw CommandError(message: "\(step.productId): \(error.message)", exitCode: 64)
        }
        let secretNames = Set(parameters.filter(\.isSecret).map(\.name))
        let source = URL(fileURLWithPath: options.path ?? FileManager.default.currentDirectoryPath + "/" + app).standardizedFileURL
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: source.path), !contents.isEmpty {
            throw CommandError(message: "'\(source.path)' already exists and is not empty; choose another --path or app name", exitCode: 73)
        }
        let appState = try PathConfinement.resolve(app, under: context.paths.state.appendingPathComponent("apps"), what: "the state folder of app")
        let layout = AppLayout(name: app, source: source, state: appState)
        var required: [String] = []
        for parameter in parameters {
            for product in parameter.products(for: values[parameter.name] ?? "") where !required.contains(product) { required.append(product) }
        }
        return StagedTemplate(
            productId: step.productId, folder: folder, layout: layout,
            values: values.filter { !secretNames.contains($0.key) }, secretValues: values.filter { secretNames.contains($0.key) },
            requiredProducts: required)
    }

    /// Asks on the terminal: the caption and description, the default in brackets; a password
    /// without echo.
    static func ask(_ parameter: DeploymentParameter, _ fallback: String?, _ refusal: String?) -> String? {
        if let refusal { FileHandle.standardError.write(Data("  \(refusal); try again\n".utf8)) }
        let caption = parameter.friendlyName ?? parameter.name
        if refusal == nil, let description = parameter.description {
            FileHandle.standardError.write(Data("\(description)\n".utf8))
        }
        let prompt = "\(caption)\(fallback.map { $0.isEmpty ? "" : " [\($0)]" } ?? ""): "
        if parameter.hasTag("Password") {
            guard let entered = getpass(prompt) else { return nil }
            return String(cString: entered)
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        return readLine()
    }

    /// Creates the app's folders (journaled) before any step puts something in them.
    func prepareApp(_ template: StagedTemplate, transaction: InstallTransaction) throws {
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
    func renderApp(_ template: StagedTemplate, transaction: InstallTransaction) throws {
        try prepareApp(template, transaction: transaction)
        let project = template.folder.appendingPathComponent("project")
        do {
            if FileManager.default.fileExists(atPath: project.path) {
                try TemplateRenderer.render(project, into: template.layout.source, values: template.values)
            }
            for name in try FileManager.default.contentsOfDirectory(atPath: template.folder.path).sorted()
            where name != "project" && name != "Parameters.xml" {
                let staged = template.folder.appendingPathComponent("\(name)")
                let single = template.folder.appendingPathComponent(".single-\(name)")
                try FileManager.default.createDirectory(at: single, withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: staged, to: single.appendingPathComponent(name))
                try TemplateRenderer.render(single, into: template.layout.source, values: template.values)
            }
        } catch let error as TemplateRenderer.RenderError {
            throw CommandError(message: "\(template.productId): \(error.message)", exitCode: 65)
        }
    }

    /// Writes the app's settings and secrets (outside the source tree), runs its deploy hook,
    /// and returns the app's record, to be written at commit.
    func finishApp(_ template: StagedTemplate, transaction: InstallTransaction) throws -> AppRecord {
        let layout = template.layout
        try prepareApp(template, transaction: transaction)
        var settings: [String: String] = [
            "PADDOCK_SECRET_KEY": EnvironmentFile.generateSecret(),
            "PADDOCK_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PADDOCK_DEBUG": "0",
            "PADDOCK_DATA_DIR": layout.data.path,
        ]
        let database = template.values["database"] ?? "sqlite"
        settings["PADDOCK_DB_ENGINE"] = database
        for (parameter, variable) in [
            ("database_name", "PADDOCK_DB_NAME"), ("database_host", "PADDOCK_DB_HOST"), ("database_port", "PADDOCK_DB_PORT"),
            ("database_user", "PADDOCK_DB_USER"),
        ] {
            if let value = template.values[parameter], !value.isEmpty { settings[variable] = value }
        }
        if let password = template.secretValues["database_password"], !password.isEmpty { settings["PADDOCK_DB_PASSWORD"] = password }
        try EnvironmentFile.write(settings, to: layout.environmentFile)
        guard FileManager.default.fileExists(atPath: layout.manifest.path) else {
            throw CommandError(message: "\(template.productId) has no paddock-app.xml: it is not an app template", exitCode: 65)
        }
        let manifest = try AppManifestReader.read(path: layout.manifest.path)
        var record = AppRecord(
            name: layout.name, template: template.productId, path: layout.source.path, stateDirectory: layout.state.path,
            parameters: template.values)
        let loaded = LoadedApp(record: record, layout: layout, manifest: manifest)
        let values = loaded.values(port: 8000, workers: 1)
        context.output.progress("running the deploy hook of '\(layout.name)'")
        do {
            try DeployHook.run(
                layout: layout, manifest: manifest, environment: loaded.environment(values: values, base: context.environment), values: values,
                childStarted: { try transaction.recordChild($0) })
        } catch let failure as DeployFailure {
            throw CommandError(message: failure.description + "\nnothing was installed", exitCode: 1)
        }
        record.deployedHash = loaded.fingerprint
        record.deployedAt = StateStore.timestamp()
        transaction.record(app: record)
        return record
    }
}
