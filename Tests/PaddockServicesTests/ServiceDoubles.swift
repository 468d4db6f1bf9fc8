import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockServices
import PaddockState
import PaddockSystem
import Synchronization
import Testing

/// A process runner that answers only the commands a test expects, and fails the test (and the
/// call) on any other: an unexpected `apt-get` must never reach the machine.
final class ScriptedRunner: ProcessRunning {
    struct Expectation: Sendable {
        var prefix: [String]
        var status: Int32
        var output: String
    }
    private let state = Mutex<(expected: [Expectation], calls: [[String]])>(([], []))

    /// Answers commands starting with `prefix` (as many times as they come) with `status`.
    func expect(_ prefix: [String], status: Int32 = 0, output: String = "") {
        state.withLock { $0.expected.append(Expectation(prefix: prefix, status: status, output: output)) }
    }

    var calls: [[String]] { state.withLock { $0.calls } }

    func run(
        _ arguments: [String], environment: [String: String]?, directory: String?, log: String?, check: Bool, deadline: TimeInterval?,
        onLine: ((Substring) -> Void)?
    ) throws -> ProcessOutput {
        let match: Expectation? = state.withLock { state in
            state.calls.append(arguments)
            return state.expected.first { arguments.starts(with: $0.prefix) }
        }
        guard let match else {
            Issue.record("an unexpected process: \(arguments.joined(separator: " "))")
            throw CommandFailure(arguments: arguments, status: 127, output: "not expected by the test")
        }
        if check && match.status != 0 { throw CommandFailure(arguments: arguments, status: match.status, output: match.output) }
        return ProcessOutput(status: match.status, output: match.output)
    }

    func tracked(_ childStarted: @escaping @Sendable (pid_t) throws -> Void) -> any ProcessRunning { self }
}

/// A prompter for tests: nobody is there unless answers are given; a question with no answer
/// left fails the test.
final class ScriptedPrompter: Prompting {
    private let answers = Mutex<[String]>([])
    let canAsk: Bool

    init(answers: [String] = []) {
        canAsk = !answers.isEmpty
        self.answers.withLock { $0 = answers }
    }

    func confirm(_ question: String, defaultAnswer: Bool) throws -> Bool {
        guard let answer = next(question) else { return false }
        return answer.isEmpty ? defaultAnswer : answer == "y"
    }

    func ask(_ prompt: String, secret: Bool) -> String? { next(prompt) }

    private let tellings = Mutex<[String]>([])
    /// Every line told (descriptions, refusals), in order.
    var told: [String] { tellings.withLock { $0 } }

    func tell(_ text: String) { tellings.withLock { $0.append(text) } }

    private let questions = Mutex<[String]>([])
    /// Every question and prompt, in the order asked.
    var asked: [String] { questions.withLock { $0 } }

    private func next(_ question: String) -> String? {
        questions.withLock { $0.append(question) }
        let answer: String? = answers.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        if answer == nil { Issue.record("asked '\(question)' with no answer left") }
        return answer
    }
}

/// The app lifecycle as the install service sees it: the deploy hook's inputs from the app's
/// own values, no app running.
struct TestApps: AppControlling {
    func deployInputs(record: AppRecord, layout: AppLayout, manifest: AppManifest, base: [String: String]) -> (values: [String: String], environment: [String: String]) {
        var environment = base
        environment["PATH"] = layout.source.appendingPathComponent(".venv/bin").path + ":" + (base["PATH"] ?? "/usr/bin:/bin")
        return (record.parameters.merging(["app_root": layout.source.path]) { $1 }, environment)
    }

    func fingerprint(layout: AppLayout, manifest: AppManifest) -> String { "test" }

    func stopIfRunning(_ record: AppRecord, state: StateStore) -> Bool { false }
}
