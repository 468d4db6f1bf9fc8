import FeedModel
import Foundation
import PaddockApps
import PaddockArchive
import PaddockBasics
import PaddockState
import PaddockSystem
import PaddockXML
import Resolver

#if canImport(Glibc)
    import Glibc
#endif

/// A template unpacked into a scratch folder, with its parameters answered.
public struct StagedTemplate: Sendable {
    var productId: String
    var folder: URL
    var layout: AppLayout
    var values: [String: String]
    /// Values kept out of every file and of the state database (passwords): environment only.
    var secretValues: [String: String]
    /// Products the chosen values bring in (`pd:requires` in Parameters.xml), in order.
    var requiredProducts: [String] = []
    /// An uploaded app folder taken as it is (`paddock adopt`): nothing rendered into it.
    var adopted = false
    /// `--engine`: the engine chosen over the manifest's (nil: the manifest's own).
    var engine: String?
}

extension InstallService {
    /// The template an app folder made by paddock elsewhere was made from: `given` (--template),
    /// else its manifest's `template=`. For `paddock adopt`.
    public static func templateOfAppFolder(_ folder: URL, given: String?) throws -> String {
        let manifestFile = folder.appendingPathComponent("paddock-app.xml")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ServiceError("there is no folder at '\(folder.path)'; give the path of the app folder you uploaded", .noInput)
        }
        guard FileManager.default.fileExists(atPath: manifestFile.path) else {
            throw ServiceError(
                "'\(folder.path)' has no paddock-app.xml: it is not an app folder made by paddock (make one with 'paddock install TEMPLATE --app NAME')",
                .noInput)
        }
        if let given, !given.isEmpty { return given }
        guard let template = try AppManifestReader.read(path: manifestFile.path).template, !template.isEmpty else {
            throw ServiceError("\(manifestFile.path) does not say which template the app was made from; name it with --template ID (see 'paddock list')", .usage)
        }
        return template
    }

    /// Unpacks the (verified) template, reads its Parameters.xml and settles every value, all
    /// before the transaction, so nothing waits on a person in the middle of an install.
    func stage(_ step: PlanStep, file: URL, app: String, scratch: URL) throws -> StagedTemplate {
        let folder = scratch.appendingPathComponent("template")
        do {
            _ = try ArchiveExtractor.extract(file, into: folder, stripComponents: step.installer?.linux?.stripComponents ?? 0)
        } catch let error as ArchiveError {
            throw ServiceError(ArchiveKind.refusal(step.productId, installer: step.installer, error), .dataError)
        }
        let parametersFile = folder.appendingPathComponent("Parameters.xml")
        var parameters: [DeploymentParameter] = []
        if FileManager.default.fileExists(atPath: parametersFile.path) {
            parameters = try WebDeployReader.parameters(path: parametersFile.path, label: "\(step.productId)/Parameters.xml")
        }
        // The app's name is the natural default for the project's own name (a package or module
        // name in most languages: lower case, '-' as '_'), when the template's rule accepts it.
        let identifier = app.lowercased().replacingOccurrences(of: "-", with: "_")
        for index in parameters.indices where parameters[index].name == "app_name" {
            if ParameterResolver.problem(with: identifier, for: parameters[index]) == nil { parameters[index].defaultValue = identifier }
        }
        // The template's `port` is where `launch` serves the app. Every app of a template shares
        // the same default, so a second app would clash with the first at its launch: its
        // default moves to the first port after it that no other app holds and nothing listens
        // on now (still within the template's rule).
        for index in parameters.indices where parameters[index].name == "port" {
            guard let start = parameters[index].defaultValue.flatMap(Int.init), (1...65535).contains(start) else { continue }
            let held = Set(try state.apps().compactMap { $0.port ?? Int($0.parameters["port"] ?? "") })
            let candidate = (start...min(start + 999, 65535)).first { port in
                !held.contains(port) && !HTTPProbe.isListening(port: port)
                    && ParameterResolver.problem(with: String(port), for: parameters[index]) == nil
            }
            if let candidate { parameters[index].defaultValue = String(candidate) }
        }
        var given: [String: String] = [:]
        var origins: [String: String] = [:]
        if let answers = request.answersFile {
            guard let text = try? String(contentsOfFile: answers, encoding: .utf8) else {
                throw ServiceError("cannot read the answers file '\(answers)'", .noInput)
            }
            do {
                for entry in try AnswersFile.entries(text, file: answers) {
                    given[entry.name] = entry.value
                    origins[entry.name] = "\(answers):\(entry.line)"
                }
            } catch let error as ParameterResolver.Failure {
                throw ServiceError(error.message, .dataError)
            }
        }
        // --param wins over the answers file.
        for (name, value) in request.parameters {
            given[name] = value
            origins[name] = nil
        }
        let interactive = context.prompter.canAsk && !request.yes && !context.json
        let values: [String: String]
        let prompter = context.prompter
        let asker: ((DeploymentParameter, String?, String?) -> String?)? = interactive ? { Self.ask($0, $1, $2, prompter: prompter) } : nil
        do {
            values = try ParameterResolver(parameters: parameters).resolve(given: given, origins: origins, ask: asker)
        } catch let error as ParameterResolver.Failure {
            throw ServiceError("\(step.productId): \(error.message)", .usage)
        }
        let secretNames = Set(parameters.filter(\.isSecret).map(\.name))
        let source = URL(fileURLWithPath: request.path ?? FileManager.default.currentDirectoryPath + "/" + app).standardizedFileURL
        if request.adopting {
            guard FileManager.default.fileExists(atPath: source.appendingPathComponent("paddock-app.xml").path) else {
                throw ServiceError("'\(source.path)' has no paddock-app.xml: it is not an app folder made by paddock (make one with 'paddock install TEMPLATE --app NAME')", .noInput)
            }
        } else if let contents = try? FileManager.default.contentsOfDirectory(atPath: source.path), !contents.isEmpty {
            throw ServiceError("'\(source.path)' already exists and is not empty; choose another --path or app name", .cannotCreate)
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
            requiredProducts: required, adopted: request.adopting)
    }

    /// `--engine NAME`: checked against the engine the template's manifest names (the same
    /// runtime), kept in the staged template; the engine's `<requires>` products, for the plan.
    func chooseEngine(_ template: inout StagedTemplate) throws -> [String] {
        guard let wanted = request.engine else { return [] }
        let manifestFile = template.folder.appendingPathComponent(template.layout.manifest.lastPathComponent)
        guard FileManager.default.fileExists(atPath: manifestFile.path) else {
            throw ServiceError("--engine \(wanted): \(template.productId) has no paddock-app.xml, so it names no engine to replace", .usage)
        }
        let manifest = try AppManifestReader.read(path: manifestFile.path, label: "\(template.productId)/paddock-app.xml")
        let engines = try EngineStore(environment: context.environment, paths: context.paths).catalog()
        template.engine = try AppService.engineChoice(
            wanted, manifestEngine: manifest.engineName, engines: engines, app: template.layout.name, option: "--engine \(wanted)")
        return engines.engine(named: template.engine ?? manifest.engineName)?.products ?? []
    }

    /// Asks through the prompter: the caption and description, the default in brackets; a
    /// password without echo.
    static func ask(_ parameter: DeploymentParameter, _ fallback: String?, _ refusal: String?, prompter: any Prompting) -> String? {
        if let refusal { prompter.tell("  \(refusal); try again") }
        let caption = parameter.friendlyName ?? parameter.name
        if refusal == nil, let description = parameter.description { prompter.tell(description) }
        let prompt = "\(caption)\(fallback.map { $0.isEmpty ? "" : " [\($0)]" } ?? ""): "
        return prompter.ask(prompt, secret: parameter.hasTag("Password"))
    }

    /// Writes the app's settings and secrets (outside the source tree), runs its deploy hook,
    /// and returns the app's record, to be written at commit.
    func finishApp(_ template: StagedTemplate, transaction: InstallTransaction) throws -> AppRecord {
        let layout = template.layout
        try TemplateKind.prepareApp(template, transaction: transaction)
        var settings = Self.appSettings(template, layout: layout)
        if let engine = template.engine { settings[AppService.engineSetting] = engine }
        try EnvironmentFile.write(settings, to: layout.environmentFile)
        guard FileManager.default.fileExists(atPath: layout.manifest.path) else {
            throw ServiceError("\(template.productId) has no paddock-app.xml: it is not an app template", .dataError)
        }
        let manifest = try AppManifestReader.read(path: layout.manifest.path)
        var record = AppRecord(
            name: layout.name, template: template.productId, path: layout.source.path, stateDirectory: layout.state.path,
            parameters: template.values)
        let inputs = apps.deployInputs(record: record, layout: layout, manifest: manifest, base: context.environment)
        context.emit(.willRunDeployHook(app: layout.name))
        // The hook's lines go to the install's log too (its own log keeps them all, as always).
        let installLog = StepLog(path: context.paths.state.appendingPathComponent("logs/install-\(transaction.id).log").path)
        installLog.header("the deploy hook of '\(layout.name)': \(manifest.deployArguments.joined(separator: " "))")
        do {
            try DeployHook.run(
                layout: layout, manifest: manifest, environment: inputs.environment, values: inputs.values,
                childStarted: { try transaction.recordChild($0) },
                onLine: { [context] line in
                    installLog.write(String(line) + "\n")
                    context.emit(.output(step: "deploy", line: String(line)))
                })
        } catch let failure as DeployFailure {
            throw ServiceError(failure.description + "\nnothing was installed", .failure)
        }
        context.emit(.didRunDeployHook(app: layout.name))
        // An adopted folder is the user's, with its own history (or none, as rsync leaves it).
        if !template.adopted { commitFirst(layout, template: template.productId, transaction: transaction) }
        record.deployedHash = apps.fingerprint(layout: layout, manifest: manifest)
        record.deployedAt = StateStore.timestamp()
        transaction.record(app: record)
        return record
    }

    /// The app's settings for its environment file, under the names hosts use (`SECRET_KEY`,
    /// `ALLOWED_HOSTS`, `DEBUG`, `DATABASE_URL`: Heroku's, Dokku's, Kamal's), so a copy of the
    /// folder runs elsewhere with the same names. Each value once: the database's password is in
    /// `DATABASE_URL` only (the templates still read the `PADDOCK_*` names paddock wrote before,
    /// for apps made then). `PADDOCK_DATA_DIR` is paddock's own: the app's data folder.
    static func appSettings(_ template: StagedTemplate, layout: AppLayout) -> [String: String] {
        let database = template.values["database"] ?? "sqlite"
        return [
            "SECRET_KEY": EnvironmentFile.generateSecret(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "0",
            "PADDOCK_DATA_DIR": layout.data.path,
            "DATABASE_URL": databaseURL(
                engine: database, data: layout.data, name: template.values["database_name"] ?? "", host: template.values["database_host"] ?? "",
                port: template.values["database_port"] ?? "", user: template.values["database_user"] ?? "",
                password: template.secretValues["database_password"] ?? "",
                query: database == "mssql" ? ["tds_version": template.values["tds_version"] ?? "7.4"] : [:]),
        ]
    }

    /// `DATABASE_URL` in the dj-database-url form: `sqlite:////abs/data/db.sqlite3`,
    /// `postgres://user:password@host:port/name`, `mysql://…`, `mssql://…?tds_version=7.4`; user,
    /// password, name and query values percent-encoded, an IPv6 host in brackets.
    static func databaseURL(
        engine: String, data: URL, name: String, host: String, port: String, user: String, password: String, query: [String: String] = [:]
    ) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
        let schemes = ["postgresql": "postgres", "mysql": "mysql", "mssql": "mssql"]
        guard let scheme = schemes[engine] else {
            let path = data.appendingPathComponent("db.sqlite3").path
            return "sqlite:///" + (path.split(separator: "/").map { encoded(String($0)) }.reduce("") { $0 + "/" + $1 })
        }
        var url = scheme + "://"
        if !user.isEmpty || !password.isEmpty { url += encoded(user) + (password.isEmpty ? "" : ":" + encoded(password)) + "@" }
        url += host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if !port.isEmpty { url += ":" + port }
        url += "/" + encoded(name)
        if !query.isEmpty { url += "?" + query.sorted { $0.key < $1.key }.map { "\(encoded($0.key))=\(encoded($0.value))" }.joined(separator: "&") }
        return url
    }

    /// Makes the new app's folder a git repository with one first commit of everything the
    /// template put there (its `.gitignore` keeps out `.venv`, data and secrets), so the folder
    /// can be pushed to a host as it is. git comes from the feed (the templates depend on the
    /// `git` product); without it, or when it fails, the install goes on and says so.
    func commitFirst(_ layout: AppLayout, template: String, transaction: InstallTransaction) {
        let folder = layout.source.path
        guard Spawn.which("git", path: context.environment["PATH"]) != nil else {
            context.emit(.warning("git is not installed, so \(folder) is not a git repository; install git and run: git init && git add -A && git commit"))
            return
        }
        let runner = context.runner.tracked { try transaction.recordChild($0) }
        let environment = context.environment
        do {
            try runner.run(["git", "-c", "init.defaultBranch=main", "init", "-q"], environment: environment, directory: folder)
            try runner.run(["git", "add", "-A"], environment: environment, directory: folder)
            // The person's own name and e-mail when git knows them; paddock's otherwise.
            let known = try runner.run(["git", "config", "user.email"], environment: environment, directory: folder, check: false).status == 0
            let identity = known ? [] : ["-c", "user.name=paddock", "-c", "user.email=paddock@localhost"]
            try runner.run(
                ["git"] + identity + ["-c", "commit.gpgsign=false", "commit", "-q", "-m", "\(layout.name): a new app from paddock's \(template) template"],
                environment: environment, directory: folder)
        } catch {
            context.emit(.warning("\(folder) could not be made a git repository with a first commit: \(error)"))
        }
    }
}
