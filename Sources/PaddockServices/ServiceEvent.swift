import Foundation
import Synchronization

/// What a service tells the person (or script) waiting on it, as it happens: will/did pairs
/// around each long step, as SwiftPM's `WorkspaceDelegate` does, so that a terminal can show
/// progress, `--json` can stream one object a line, and a test can record the order.
public enum ServiceEvent: Sendable, Hashable {
    /// Another paddock holds the state lock; this one waits for it.
    case waitingForLock(holder: String)
    /// A killed paddock's unfinished transaction was rolled back (`command` is what it ran).
    case recovered(command: String)
    case willInstall(product: String, version: String?)
    case didInstall(product: String)
    case willRemove(product: String, app: String?)
    case willRunDeployHook(app: String)
    case didRunDeployHook(app: String)
    /// A step failed: what the transaction did so far is being undone.
    case willRollBack
    case willStart(app: String, supervisorPid: Int32)
    case didStop(app: String)
    /// A line of a long step's own output (pip, apt, a deploy hook), for progress that moves.
    case output(step: String, line: String)
    /// Something the user should know that does not stop the command.
    case warning(String)
    /// A step without a will/did pair of its own ("the plan is now:").
    case note(String)

    /// The event's name in `--json` event lines.
    public var name: String {
        switch self {
        case .waitingForLock: "waiting-for-lock"
        case .recovered: "recovered"
        case .willInstall: "will-install"
        case .didInstall: "did-install"
        case .willRemove: "will-remove"
        case .willRunDeployHook: "will-run-deploy-hook"
        case .didRunDeployHook: "did-run-deploy-hook"
        case .willRollBack: "will-roll-back"
        case .willStart: "will-start"
        case .didStop: "did-stop"
        case .output: "output"
        case .warning: "warning"
        case .note: "note"
        }
    }

    /// The event's fields, for a JSON line (`event` holds `name`).
    public var fields: [String: String] {
        var fields = ["event": name]
        switch self {
        case .waitingForLock(let holder): fields["holder"] = holder
        case .recovered(let command): fields["command"] = command
        case .willInstall(let product, let version):
            fields["product"] = product
            fields["version"] = version
        case .didInstall(let product): fields["product"] = product
        case .willRemove(let product, let app):
            fields["product"] = product
            fields["app"] = app
        case .willRunDeployHook(let app), .didRunDeployHook(let app), .didStop(let app): fields["app"] = app
        case .willRollBack: break
        case .willStart(let app, let pid):
            fields["app"] = app
            fields["supervisorPid"] = String(pid)
        case .output(let step, let line):
            fields["step"] = step
            fields["line"] = line
        case .warning(let message), .note(let message): fields["message"] = message
        }
        return fields
    }
}

/// Where a service's events go. Called on whatever thread the service runs on; an
/// implementation that keeps state guards it.
public protocol ServiceDelegate: Sendable {
    func handle(_ event: ServiceEvent)
}

/// Keeps every event, in order: what tests read.
public final class RecordingDelegate: ServiceDelegate {
    private let recorded = Mutex<[ServiceEvent]>([])

    public init() {}

    public func handle(_ event: ServiceEvent) { recorded.withLock { $0.append(event) } }

    public var events: [ServiceEvent] { recorded.withLock { $0 } }
}

/// One JSON object a line, for scripts that follow an install as it runs (`install --json`
/// prints JSON lines on stdout: the download and service events, then its report).
public struct JSONLinesDelegate: ServiceDelegate {
    private let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        self.write = write
    }

    public func handle(_ event: ServiceEvent) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(event.fields) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }
}

/// Says nothing: for commands whose `--json` output is one document.
public struct SilentDelegate: ServiceDelegate {
    public init() {}
    public func handle(_ event: ServiceEvent) {}
}
