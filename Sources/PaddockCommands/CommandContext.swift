import PaddockSQLite
import ArgumentParser
import FeedModel
import FeedReader
import Foundation
import PaddockApps
import PaddockState
import PaddockStore

#if canImport(Glibc)
import Glibc
#endif

/// Everything a command needs from the outside world, made once per run.
struct CommandContext {
    let environment: [String: String]
    let paths: PaddockPaths
    let output: Output

    init(options: GlobalOptions, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        self.paths = PaddockPaths(environment: environment)
        self.output = Output(json: options.json, verbose: options.verbose, environment: environment)
    }

    func openStore() throws -> FeedStore {
        let config = try PaddockConfig.load(from: paths.configFile)
        return try FeedStore(paths: paths, config: config, builtinFeedPath: BuiltinFeedLocator.locate(environment: environment))
    }
}

/// Finds the feed that ships with paddock: `PADDOCK_BUILTIN_FEED`, an installed copy beside
/// the binary (`../share/paddock/Feeds`), or the `Feeds/` folder of the checkout it was built in.
enum BuiltinFeedLocator {
    static let fileName = "paddock.xml"

    static func locate(environment: [String: String]) -> String? {
        if let path = environment["PADDOCK_BUILTIN_FEED"], !path.isEmpty { return path }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? executable.path)
            .deletingLastPathComponent()
        let installed = directory.appendingPathComponent("../share/paddock/Feeds/\(fileName)").standardizedFileURL.path
        if FileManager.default.fileExists(atPath: installed) { return installed }
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("Feeds/\(fileName)").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}

/// Runs a command body, turning known errors into one line on stderr and a meaningful exit code.
func runReportingErrors(_ context: CommandContext, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as StoreError {
        context.output.error(error.description)
        throw ExitCode(error.exitCode)
    } catch let error as XMLSyntaxError {
        context.output.error(error.description)
        throw ExitCode(65)
    } catch let error as CommandError {
        context.output.error(error.message)
        throw ExitCode(error.exitCode)
    } catch let error as DeployFailure {
        // The app's own step failed: its log says why; status 1, as the hook's failure.
        context.output.error(error.description)
        throw ExitCode(1)
    } catch let error as StateLock.Failure {
        context.output.error(error.description)
        throw ExitCode(75)  // EX_TEMPFAIL: try again later.
    } catch let error as ExitCode {
        throw error
    } catch let error as SQLiteError {
        context.output.error("the catalogue database failed: \(error); run 'paddock doctor' or remove \(context.paths.catalogDatabase.path)")
        throw ExitCode(74)
    } catch {
        context.output.error("internal error: \(error); please report it")
        throw ExitCode(70)
    }
}

struct CommandError: Error {
    var message: String
    var exitCode: Int32
}
