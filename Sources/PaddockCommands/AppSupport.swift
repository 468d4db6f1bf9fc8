import FeedModel
import Foundation
import PaddockApps
import PaddockBasics
import PaddockServices
import PaddockState

/// The app lifecycle is PaddockServices' `AppService`; these are the names the rest of the
/// command layer (install, uninstall) uses.
typealias LoadedApp = PaddockServices.LoadedApp

extension CommandContext {
    /// The service context the app commands hand the lifecycle: their events printed as
    /// progress lines on stderr (nothing with --json), nothing asked.
    var appServiceContext: ServiceContext {
        ServiceContext(environment: environment, paths: paths, events: AppEventPrinter(output: output), prompter: NoPrompter(), json: output.json)
    }

    func appService(state: StateStore) throws -> AppService {
        try AppService(context: appServiceContext, state: state) { state in try recoverUnfinished(state: state, context: self) }
    }

    func loadApp(_ name: String, state: StateStore) throws -> LoadedApp {
        try appService(state: state).load(name)
    }

    /// Stops an app (see `AppService.stop`); false when it was not running.
    @discardableResult
    func stopApp(_ loaded: LoadedApp) -> Bool {
        guard let state = try? openState(), let service = try? appService(state: state) else { return false }
        return service.stop(loaded)
    }
}

/// The lifecycle's events, as the progress lines the app commands always printed.
struct AppEventPrinter: ServiceDelegate {
    let output: Output

    func handle(_ event: ServiceEvent) {
        switch event {
        case .waitingForLock(let holder): output.progress("waiting for another paddock (\(holder)) to finish")
        case .willRunDeployHook(let app): output.progress("running the deploy hook of '\(app)'")
        case .willStart(let app, let pid): output.progress("starting '\(app)' (supervisor pid \(pid))")
        case .note(let message): output.progress(message)
        case .warning(let message): output.warning(message)
        default: break
        }
    }
}

/// The app commands ask nothing.
struct NoPrompter: Prompting {
    var canAsk: Bool { false }
    func confirm(_ question: String, defaultAnswer: Bool) throws -> Bool { defaultAnswer }
    func ask(_ prompt: String, secret: Bool) -> String? { nil }
    func tell(_ text: String) {}
}
