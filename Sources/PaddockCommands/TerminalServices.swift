import Foundation
import PaddockServices

#if canImport(Glibc)
    import Glibc
#endif

/// The services' events as the terminal shows them: each long step (an install, a removal,
/// the deploy hook, a wait for the lock) a line of its own on stderr, redrawn on a terminal
/// with its elapsed time and its program's last line (`StatusLine`); with -v every line the
/// programs print; warnings as warnings. The words are the ones paddock has always printed.
struct TerminalEvents: ServiceDelegate {
    let output: Output

    func handle(_ event: ServiceEvent) {
        let status = output.status
        switch event {
        case .waitingForLock(let holder): status.begin("waiting for another paddock (\(holder)) to finish")
        case .recovered: output.warning(event.warningText ?? "")
        case .willInstall(let product, let version): status.begin("installing \(product)\(version.map { " \($0)" } ?? "")")
        case .willRemove(let product, let app): status.begin("removing \(product)\(app.map { " (app \($0))" } ?? "")")
        case .willRunDeployHook(let app): status.begin("running the deploy hook of '\(app)'")
        case .didInstall, .didRunDeployHook: status.finish()
        case .willRollBack:
            status.finish(failed: true)
            output.progress("rolling back")
        case .willStart(let app, let pid): output.progress("starting '\(app)' (supervisor pid \(pid))")
        case .didStop(let app): output.progress("stopped '\(app)'")
        case .warning(let message): output.warning(message)
        case .note(let message): output.progress(message)
        case .output(_, let line): status.output(line)
        }
    }
}

/// With `--json` and one JSON document as the answer: only warnings, on stderr.
struct QuietEvents: ServiceDelegate {
    let output: Output

    func handle(_ event: ServiceEvent) {
        if let warning = event.warningText { output.warning(warning) }
    }
}

extension ServiceEvent {
    /// The warning an event is, in the words both renderings use; nil for the other events.
    var warningText: String? {
        switch self {
        case .warning(let message): message
        case .recovered(let command): "rolled back what a killed paddock left unfinished: paddock \(command)"
        default: nil
        }
    }
}

/// Questions on the terminal: stdin must be one; passwords are read without echo.
struct TerminalPrompter: Prompting {
    var canAsk: Bool { isatty(STDIN_FILENO) == 1 }

    func confirm(_ question: String, defaultAnswer: Bool) throws -> Bool {
        FileHandle.standardError.write(Data("\(question) \(defaultAnswer ? "[Y/n]" : "[y/N]") ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? "n"
        if answer.isEmpty { return defaultAnswer }
        return answer == "y" || answer == "yes"
    }

    func ask(_ prompt: String, secret: Bool) -> String? {
        if secret {
            guard let entered = getpass(prompt) else { return nil }
            return String(cString: entered)
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        return readLine()
    }

    func tell(_ text: String) { FileHandle.standardError.write(Data("\(text)\n".utf8)) }
}
