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
    func appService(state: StateStore) throws -> AppService {
        try AppService(context: try services(), state: state)
    }

    /// The serving service (`paddock serve` and its subcommands) on a fresh state connection.
    func serveService() throws -> ServeService {
        ServeService(apps: try appService(state: try openState()))
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
