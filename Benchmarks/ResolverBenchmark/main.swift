import FeedModel
import Foundation
import Resolver
import TestSupport

/// Times paddock's resolver on generated catalogues of 1k, 10k and 100k products, then solves the
/// same problems with libsolv (through `Benchmarks/libsolv_bench.py`) and prints both.
/// It prints figures; it asserts nothing.

struct LibsolvRun {
    var setupSeconds: Double
    var solveSeconds: Double
    var results: String
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
}

/// `Benchmarks/libsolv_bench.py` from the package directory, else next to this source file.
func libsolvScript() -> String {
    let relative = "Benchmarks/libsolv_bench.py"
    if FileManager.default.fileExists(atPath: relative) { return relative }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("libsolv_bench.py").path
}

func runLibsolv(problemFile: String) -> Result<LibsolvRun, BenchmarkError> {
    let script = libsolvScript()
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
        return .failure(BenchmarkError(description: "/usr/bin/python3 is missing"))
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = [script, problemFile]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    do { try process.run() } catch { return .failure(BenchmarkError(description: "cannot run \(script): \(error)")) }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    var run = LibsolvRun(setupSeconds: 0, solveSeconds: 0, results: "")
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { continue }
        switch parts[0] {
        case "SETUP": run.setupSeconds = Double(parts[1]) ?? 0
        case "TIME": run.solveSeconds = Double(parts[1]) ?? 0
        case "RESULTS": run.results = parts[1]
        case "ERROR": return .failure(BenchmarkError(description: parts[1]))
        default: break
        }
    }
    guard process.terminationStatus == 0, !run.results.isEmpty else {
        return .failure(BenchmarkError(description: "libsolv_bench.py failed (status \(process.terminationStatus)): \(text.prefix(500))"))
    }
    return .success(run)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func format(_ value: Double) -> String { String(format: "%.3f", value) }

/// Left-aligns `text` in a column of `width` characters.
func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0) }

let machine = MachineFacts(operatingSystem: .linux, distribution: "debian", distributionVersion: "12", architecture: "x86_64")
let requestCount = 200
let clock = ContinuousClock()
print("paddock resolver vs libsolv: \(requestCount) requests per catalogue, times in seconds (solving only, best of 3 batches)")
print("products  entries  paddock-setup  paddock-solve  libsolv-setup  libsolv-solve  ratio  solvable(paddock/libsolv)  agree")
for profile in [GeneratedCatalog.Profile.typical, .conflictHeavy] {
    print("profile \(profile.name): \(profile.constraintPercent)% of leaves with ranges, \(profile.orPercent)% or-groups, \(profile.incompatibilityPercent)% of entries with an incompatibility")
    /// Sizes from the command line (`ResolverBenchmark 1000 10000`), else 1k, 10k and 100k.
    let sizes = CommandLine.arguments.dropFirst().compactMap { Int($0) }
    for productCount in sizes.isEmpty ? [1_000, 10_000, 100_000] : sizes {
        let generated = GeneratedCatalog(productCount: productCount, requestCount: requestCount, seed: UInt64(productCount), profile: profile)
        var catalog = InMemoryCatalog()
        let setup = clock.measure { catalog.add(feed: "bench", products: generated.products) }
        let resolver = Resolver(catalog: catalog, machine: machine)
        // Best of three batches (libsolv_bench.py does the same), to damp noise from other work.
        var paddockResults = ""
        var planSizes = 0
        var solve = Duration.seconds(1_000_000)
        var coldBatch = Duration.zero
        for run in 0..<3 {
            paddockResults = ""
            planSizes = 0
            let batch = clock.measure {
                for request in generated.requests {
                    // An in-memory catalogue never throws.
                    switch try! resolver.resolve(request) {
                    case .success(let plan):
                        paddockResults += "1"
                        planSizes += plan.steps.count
                    case .failure:
                        paddockResults += "0"
                    }
                }
            }
            solve = min(solve, batch)
            if run == 0 { coldBatch = batch }  // Versions parsed and installers chosen on first use.
        }
        let problemFile = FileManager.default.temporaryDirectory.appendingPathComponent("paddock-bench-\(productCount).txt").path
        try LibsolvFormat.write(generated).write(toFile: problemFile, atomically: true, encoding: .utf8)
        let paddockSolvable = paddockResults.filter { $0 == "1" }.count
        let columns =
            cell("\(productCount)", 10) + cell("\(generated.products.count)", 9)
            + cell(format(seconds(setup)), 15) + cell(format(seconds(solve)), 15)
        switch runLibsolv(problemFile: problemFile) {
        case .success(let libsolv):
            let ratio = seconds(solve) / max(libsolv.solveSeconds, 1e-9)
            let libsolvSolvable = libsolv.results.filter { $0 == "1" }.count
            let disagreements = zip(paddockResults, libsolv.results).filter { $0 != $1 }.count
            let agreement = disagreements == 0 ? "yes" : "NO (\(disagreements) differ)"
            let libsolvColumns: [String] = [
                cell(format(libsolv.setupSeconds), 15), cell(format(libsolv.solveSeconds), 15),
                cell(String(format: "%.2fx", ratio), 7), cell("\(paddockSolvable)/\(libsolvSolvable)", 27), agreement,
            ]
            print(columns + libsolvColumns.joined())
        case .failure(let reason):
            print(columns + "libsolv not run: \(reason)")
            print("  paddock alone: \(paddockSolvable)/\(requestCount) solvable")
        }
        print("  paddock first batch (cold caches): \(format(seconds(coldBatch))) s")
        print("  mean plan size \(paddockSolvable == 0 ? 0 : planSizes / paddockSolvable) products")
        try? FileManager.default.removeItem(atPath: problemFile)
    }
}
