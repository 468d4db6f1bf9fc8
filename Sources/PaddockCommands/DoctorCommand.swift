import ArgumentParser
import Foundation
import PaddockBasics
import PaddockApps
import PaddockDownload
import PaddockServices
import PaddockSQLite
import PaddockState
import PaddockServices
import PaddockStore
import PaddockSystem

#if canImport(Glibc)
    import Glibc
#endif

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check paddock's own state and repair what can be repaired.",
        discussion: """
            Takes the lock (like every command that writes), then checks and, where it is safe, \
            repairs: an unfinished transaction (rolled back), the state database's integrity and \
            schema version (one that cannot be read is reported with what can be recovered, and \
            left as it is), the index database's integrity (a damaged one is rebuilt from the \
            feeds added and their cached copies), records whose files are missing, \
            backups a killed paddock left, apps' stale pid and status files, and the download \
            cache (files whose hash does not match their name are removed, as are a dead \
            paddock's temporary folders). Each check prints ok, repaired or problem, with what to \
            do. Exit status 0 when everything is healthy or was repaired, 1 when a problem \
            remains (75 with --no-wait when another paddock holds the lock).

            Examples:
              paddock doctor
              paddock doctor --json
              paddock doctor --no-wait
            """)
    @Flag(help: "Fail at once if another paddock is changing the installation, instead of waiting.") var noWait = false
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let report = try Doctor(context: try context.services()).run(wait: !noWait)
            if context.output.json {
                try context.output.printJSON(report)
            } else {
                for check in report.checks {
                    let label: String
                    switch check.status {
                    case .ok: label = context.output.green("ok      ")
                    case .repaired: label = context.output.yellow("repaired")
                    case .problem: label = context.output.bold("problem ")
                    }
                    context.output.line("\(label)  \(check.name): \(check.summary)")
                    for detail in check.details { context.output.line("          - \(detail)") }
                }
                context.output.line(report.healthy ? "paddock is healthy." : "paddock has problems; see above for what to run.")
            }
            if !report.healthy { throw ExitCode(1) }
        }
    }
}
