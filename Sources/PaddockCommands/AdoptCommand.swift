import ArgumentParser
import Foundation
import PaddockBasics
import PaddockServices

/// `paddock adopt PATH`: the Zoo's "upload the folder to a server that has the template's
/// dependencies, no matter what directory": an app folder made by paddock elsewhere (its
/// manifest, pinned requirements; no secrets, no environment) taken in as it is.
struct AdoptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adopt", abstract: "Take in an app folder made by paddock elsewhere (uploaded with rsync or git), as it is.",
        discussion: """
            Reads the folder's paddock-app.xml for the template it was made from, installs that \
            template's products (its runtime, framework and server, into the folder's own \
            environment), makes the app's environment file and secrets on this machine, runs its \
            deploy hook and records it: then 'paddock launch NAME' serves it. Nothing in the \
            folder is rendered or replaced, and the folder stays yours: a failure leaves it as \
            it was, and uninstalling the app keeps it. The template's parameters (the database) \
            are asked, or given with --param, as for install.

            Examples:
              rsync -a laptop:src/mysite/ /srv/mysite/ && paddock adopt /srv/mysite --yes
              paddock adopt ./shop --app shop --param database=postgresql --param database_password=… --yes
            """)
    @Argument(help: "The app folder (it holds paddock-app.xml).", completion: .directory) var path: String
    @Option(help: "The app's name (default: the folder's name).") var app: String?
    @Option(help: "The template it was made from, when its paddock-app.xml does not say (template=).") var template: String?
    @Option(name: .customLong("param"), help: "A template parameter, NAME=VALUE (repeatable).") var parameters: [String] = []
    @Flag(name: .shortAndLong, help: "Do not ask (accepts the licences the plan lists).") var yes = false
    @Flag(help: "Accept the licences the plan lists without asking to proceed.") var acceptEula = false
    @Flag(help: "Fail at once if another paddock is installing, instead of waiting.") var noWait = false
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let folder = URL(fileURLWithPath: path).standardizedFileURL
            let templateId = try InstallService.templateOfAppFolder(folder, given: template)
            let name = app ?? folder.lastPathComponent
            let parsed = try parsedParameters(parameters)
            var request = InstallRequest(
                app: name, path: folder.path, parameters: parsed, yes: yes, noWait: noWait,
                commandLine: "adopt \(folder.path) --app \(name)", acceptEula: acceptEula)
            request.adopting = true
            try await InstallReporter.run(request, products: [templateId], context: context)
        }
    }
}
