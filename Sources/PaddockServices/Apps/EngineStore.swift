import FeedModel
import Foundation
import PaddockBasics
import PaddockXML

/// Where engine definitions come from: the ones shipped with paddock (`PADDOCK_ENGINES`, a
/// folder; else `../share/paddock/Recipes/engines` beside the binary, as the package puts them;
/// else `Recipes/engines` in the checkout it was built in), then the admin's
/// (`$XDG_CONFIG_HOME/paddock/engines`), whose engine replaces a shipped one of the same name
/// whole. Upgrades replace the shipped folder and never touch the admin's.
public struct EngineStore: Sendable {
    public var shippedFolder: URL?
    public var userFolder: URL

    public init(shippedFolder: URL?, userFolder: URL) {
        self.shippedFolder = shippedFolder
        self.userFolder = userFolder
    }

    /// Found as the built-in feed is found.
    public init(environment: [String: String], paths: PaddockPaths) {
        self.init(shippedFolder: Self.locateShipped(environment: environment), userFolder: paths.config.appendingPathComponent("engines"))
    }

    public static func locateShipped(environment: [String: String]) -> URL? {
        if let path = environment["PADDOCK_ENGINES"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = directory.appendingPathComponent("../share/paddock/Recipes/engines").standardizedFileURL
        if FileManager.default.fileExists(atPath: installed.path) { return installed }
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("Recipes/engines")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// Reads every `*.xml` of both folders (in name order); a file that does not read is an
    /// error naming it, line and column.
    public func catalog() throws -> EngineCatalog {
        EngineCatalog(shipped: try Self.read(shippedFolder), user: try Self.read(userFolder))
    }

    static func read(_ folder: URL?) throws -> [EngineDefinition] {
        guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var engines: [EngineDefinition] = []
        for name in names.sorted() where name.hasSuffix(".xml") {
            engines += try EngineReader.read(path: folder.appendingPathComponent(name).path)
        }
        return engines
    }
}
