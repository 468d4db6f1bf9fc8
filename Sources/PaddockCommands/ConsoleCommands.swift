import ArgumentParser
import FeedModel
import Foundation
import PaddockBasics
import PaddockServices

/// Replaces paddock with the app's command: the terminal, the signals and the exit status are
/// then the command's own. Prints and exits 127/126 when it cannot be run.
private func execute(_ console: AppService.Console, context: CommandContext) throws -> Never {
    context.output.flush()
    let (failure, status) = Spawn.exec(console.arguments, environment: console.environment, directory: console.directory)
    context.output.error(failure.message)
    throw ExitCode(status)
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a command in an app's folder with exactly the environment its engine gets.",
        discussion: """
            The command runs in the app's folder with its runtime first on PATH (the virtual \
            environment's python and manage.py's Django), its settings and secrets from its \
            environment file, and the manifest's variables: the same database the running app \
            uses. paddock is replaced by the command (no shell in between): stdin, stdout, stderr \
            and signals are the command's, and paddock exits with its status. Of the caller's \
            environment only PATH, HOME, LANG, LC_ALL, TZ, TMPDIR, USER and TERM are kept; set \
            more with env(1).

            Examples:
              paddock run mysite -- python manage.py createsuperuser
              paddock run mysite -- python manage.py migrate
              paddock run mysite -- env DJANGO_SUPERUSER_PASSWORD=s3cret python manage.py createsuperuser --noinput --username admin --email a@example.com
              paddock run mysite -- env
            """)
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after '--'.") var command: [String] = []
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if (command.first == "--" ? Array(command.dropFirst()) : command).isEmpty {
            throw ValidationError("say what to run after '--', e.g. 'paddock run \(app) -- python manage.py shell'; 'paddock shell \(app)' starts a shell")
        }
    }

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let (app, command) = (self.app, self.command.first == "--" ? Array(self.command.dropFirst()) : self.command)
            let console = try await OffPool.run { try context.appService(state: try context.openState()).console(app, command: command) }
            try execute(console, context: context)
        }
    }
}

struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell", abstract: "Start a shell in an app's folder with exactly the environment its engine gets.",
        discussion: """
            Your $SHELL (else /bin/sh), in the app's folder, with the environment 'paddock run' \
            gives a command: the app's python and manage.py work as the running app sees them. \
            Leave it with 'exit'; paddock exits with the shell's status.

            Examples:
              paddock shell mysite
              SHELL=/bin/bash paddock shell mysite
            """)
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let app = self.app
            let console = try await OffPool.run { try context.appService(state: try context.openState()).console(app, command: []) }
            try execute(console, context: context)
        }
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "List or change an app's settings (its environment variables).",
        discussion: """
            Without assignments, lists the app's settings: the variables of its environment file, \
            which its engine, its deploy hook, 'paddock run' and 'paddock shell' get. Secrets \
            (names with SECRET, PASSWORD, TOKEN, KEY…) are shown as ********. KEY=VALUE sets a \
            setting, --unset KEY removes one; names are letters, digits and '_', values are one \
            line. The file is changed under paddock's lock and replaced atomically. A running app \
            keeps its settings until 'paddock restart', which then stops and starts it with them \
            and says so. engine=NAME names the app's engine (only the one its manifest names, \
            while no other serves its runtime).

            Examples:
              paddock config mysite
              paddock config mysite --json
              paddock config mysite DEBUG=1 ALLOWED_HOSTS=127.0.0.1,localhost,example.org
              paddock config mysite --unset DEBUG
            """)
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @Argument(help: "Settings to change, as KEY=VALUE.") var assignments: [String] = []
    @Option(name: .customLong("unset"), help: "A setting to remove (repeatable).") var unset: [String] = []
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        for assignment in assignments where !assignment.contains("=") || assignment.hasPrefix("=") {
            throw ValidationError("'\(assignment)' is not KEY=VALUE; to list the settings, give only the app's name")
        }
    }

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let (app, unset) = (self.app, self.unset)
            let pairs = assignments.map { assignment -> (name: String, value: String) in
                let equals = assignment.firstIndex(of: "=")!
                return (String(assignment[..<equals]), String(assignment[assignment.index(after: equals)...]))
            }
            if pairs.isEmpty && unset.isEmpty {
                let listing = try await OffPool.run { try context.appService(state: try context.openState()).config(app) }
                if context.output.json {
                    try context.output.printJSON(listing)
                    return
                }
                context.output.line("\(context.output.bold(app)) (engine \(listing.engine))")
                for setting in listing.settings { context.output.line("  \(setting.name)=\(setting.value.terminalSafe())") }
                if listing.pendingRestart {
                    context.output.line("Changed since '\(app)' started: 'paddock restart \(app)' applies the settings.")
                }
                return
            }
            let change = try await OffPool.run {
                try context.appService(state: try context.openState()).changeConfig(app, set: pairs, unset: unset)
            }
            if context.output.json {
                try context.output.printJSON(["app": app, "set": change.set.joined(separator: ","), "unset": change.unset.joined(separator: ","), "running": String(change.running)])
                return
            }
            for name in change.set { context.output.line("set \(name)") }
            for name in change.unset { context.output.line("unset \(name)") }
            if change.running {
                context.output.line("'\(app)' is running with its old settings: they take effect at 'paddock restart \(app)'")
            } else if !change.set.isEmpty || !change.unset.isEmpty {
                context.output.line("'\(app)' gets them when it is launched: 'paddock launch \(app)'")
            }
        }
    }
}

struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Run an app's tests in its environment, with its test database kept between runs.",
        discussion: """
            Runs the command the app's manifest gives under <test> (blank-django: manage.py test \
            --keepdb) in the app's folder with the environment 'paddock run' gives, so against \
            the app's own database server. The test database is kept between runs (the seed's \
            TEST_CREATE = False): the manifest's setup step (blank-django: testdb.py, which \
            makes the test database and loads testdata/setup/*.sql and testdata/fixtures/*.json) \
            runs only on the first run, when its inputs or the database changed, or with \
            --setup. Arguments after '--' go to the test command. The exit status is the tests'.

            Examples:
              paddock test mysite
              paddock test mysite -- mysite.tests.HomePageTests
              paddock test mysite --setup
            """)
    @Argument(help: "The app's name.", completion: Completions.apps) var app: String
    @Flag(help: "Run the setup step even if the kept test database is up to date.") var setup = false
    @Argument(parsing: .captureForPassthrough, help: "Arguments for the test command, after '--'.") var arguments: [String] = []
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let (app, extra, force) = (self.app, self.arguments.first == "--" ? Array(self.arguments.dropFirst()) : self.arguments, self.setup)
            let output = context.output
            let run = try await OffPool.run { () -> AppService.TestRun in
                let service = try context.appService(state: try context.openState())
                let run = try service.testRun(app, extraArguments: extra, forceSetup: force)
                if let reason = run.setupReason {
                    output.progress("setting up the test database (\(reason))")
                    try service.runTestSetup(run) { line in
                        if output.verbose { FileHandle.standardError.write(Data((String(line) + "\n").utf8)) }
                    }
                } else {
                    output.progress("using the kept test database (up to date, so no setup)")
                }
                return run
            }
            try execute(run.test, context: context)
        }
    }
}
