import ArgumentParser

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
            FeedCommand.self, ListCommand.self, SearchCommand.self, ShowCommand.self, PlanCommand.self, WhyCommand.self, InstallCommand.self, DownloadCommand.self,
            LaunchCommand.self, AppsCommand.self, StatusCommand.self, LogsCommand.self, StopCommand.self, RestartCommand.self, RunCommand.self, ShellCommand.self,
            ConfigCommand.self,
            SuperviseCommand.self, EnginesCommand.self, UninstallCommand.self, UpgradeCommand.self, DoctorCommand.self,
        ])

    public init() {}
}
