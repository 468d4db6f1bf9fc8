import Foundation
import FeedModel
import PaddockApps
import PaddockBasics
import PaddockDownload
import PaddockState
import PaddockSystem

/// Asks the person at the terminal. The services never read stdin themselves: a command
/// passes a terminal prompter, a test passes answers (or one that fails when asked).
public protocol Prompting: Sendable {
    /// Whether anyone can be asked (a terminal, no --yes, no --json).
    var canAsk: Bool { get }
    /// A yes/no question; `defaultAnswer` is what Enter means.
    func confirm(_ question: String, defaultAnswer: Bool) throws -> Bool
    /// One line of text; `secret` hides what is typed. Nil at the end of input.
    func ask(_ prompt: String, secret: Bool) -> String?
    /// Text shown before a question (a parameter's description, why the last answer was refused).
    func tell(_ text: String)
}

/// Everything a service touches the world through, made once per command: the environment,
/// paddock's folders, where events go, who answers questions, what runs programs and what
/// the machine is. Tests build one with doubles that fail loudly on a call they did not expect
/// (`Tests/PaddockServicesTests`), as swiftly's tests do with `SwiftlyCoreContext`.
public struct ServiceContext: Sendable {
    public var environment: [String: String]
    public var paths: PaddockPaths
    public var events: any ServiceDelegate
    public var prompter: any Prompting
    public var runner: any ProcessRunning
    /// The installer kinds this paddock carries out (built in, and defined as data).
    public var kinds: InstallerKinds
    /// Where download progress goes (a bar on a terminal, JSON lines, nothing).
    public var downloads: any DownloadDelegate
    /// Whether paddock runs as root (Debian packages need it).
    public var isRoot: Bool
    /// `--json`: reports are documents for scripts; nothing is asked.
    public var json: Bool

    public init(
        environment: [String: String], paths: PaddockPaths, events: any ServiceDelegate, prompter: any Prompting,
        runner: any ProcessRunning = ProcessRunner(), kinds: InstallerKinds = InstallerKinds(), downloads: any DownloadDelegate = SilentDownloadDelegate(), isRoot: Bool = getuid() == 0,
        json: Bool = false
    ) {
        self.downloads = downloads
        self.kinds = kinds
        self.environment = environment
        self.paths = paths
        self.events = events
        self.prompter = prompter
        self.runner = runner
        self.isRoot = isRoot
        self.json = json
    }

    /// Reports an event to the context's delegate.
    public func emit(_ event: ServiceEvent) { events.handle(event) }
}

/// What the install and uninstall services need of the app lifecycle: the inputs of a deploy
/// hook for an app just made, its change fingerprint, and stopping an app that is removed.
public protocol AppControlling {
    /// The placeholder values and environment the deploy hook of a new app runs with.
    func deployInputs(record: AppRecord, layout: AppLayout, manifest: AppManifest, base: [String: String]) -> (values: [String: String], environment: [String: String])
    /// The fingerprint of the app's files, recorded at deploy so that launch sees changes.
    func fingerprint(layout: AppLayout, manifest: AppManifest) -> String
    /// Stops the app when it runs (requests in flight finished first); true when it ran.
    func stopIfRunning(_ record: AppRecord, state: StateStore) -> Bool
}
