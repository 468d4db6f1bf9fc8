import ArgumentParser
import FeedModel
import Foundation
import PaddockBasics

@available(macOS 10.15, *)
public struct Paddock: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paddock",
        abstract: "Install and launch web apps from WebPI-style product feeds.",
        discussion: """
            paddock reads XML product feeds (WebPI's Atom format, extended for Linux), works out \
            what a product needs, installs it, and launches web apps built from blank project \
            templates.

            Examples:
              paddock install blank-django --app mysite
              paddock launch mysite
              paddock feed add ./my-feed.xml
              paddock search django
              paddock show blank-django
            """,
        version: "0.1.0",
        subcommands: [
            FeedCommand.self, ListCommand.self, SearchCommand.self, ShowCommand.self, PlanCommand.self, WhyCommand.self, InstallCommand.self, AdoptCommand.self, DownloadCommand.self,
            LaunchCommand.self, AppsCommand.self, StatusCommand.self, LogsCommand.self, StopCommand.self, RestartCommand.self, RunCommand.self, ShellCommand.self,
            ConfigCommand.self, TestCommand.self,
            SuperviseCommand.self, ServeCommand.self, ServePartCommand.self, EnginesCommand.self, UninstallCommand.self, UpgradeCommand.self, DoctorCommand.self,
        ])

    public init() {}

    /// As argument-parser's own main, after one check of ours: a first word that is no
    /// subcommand (`paddock instal`) is refused naming the one meant, as git and cargo do,
    /// instead of argument-parser's "2 unexpected arguments".
    public static func main() async {
        if let message = unknownSubcommand(Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data("paddock: error: \(message)\n".utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    /// The refusal of a first argument that is neither an option nor a subcommand, or nil.
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), first != "help" else { return nil }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName }
        guard !names.contains(first) else { return nil }
        let hint = DidYouMean.suggestion(for: first, among: names).map { "did you mean '\($0)'?" } ?? "see 'paddock --help' for the commands"
        return "'\(first)' is not a paddock command; \(hint)"
    }
}
