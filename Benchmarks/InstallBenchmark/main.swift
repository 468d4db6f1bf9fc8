// Times paddock's download + SHA-256 check + extraction of one large archive against
// `curl -s -o f URL && sha256sum f && bsdtar -xf f -C d`, both from the same loopback server,
// and 20 small downloads in parallel against one after another.
//
//   flock /tmp/paddock-swift.lock swift build -c release --product InstallBenchmark
//   .build/release/InstallBenchmark [--size-mb 200] [--runs 3] [--keep]
//
// Needs curl, sha256sum and bsdtar (scripts/install-bench-deps.sh).
import Foundation
import PaddockArchive
import PaddockDownload
import TestSupport

var sizeMB = 200
var runs = 3
var keep = false
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--size-mb": sizeMB = Int(arguments.popFirst() ?? "") ?? sizeMB
    case "--runs": runs = Int(arguments.popFirst() ?? "") ?? runs
    case "--keep": keep = true
    default:
        FileHandle.standardError.write(Data("usage: InstallBenchmark [--size-mb N] [--runs N] [--keep]\n".utf8))
        exit(64)
    }
}

let fileManager = FileManager.default
let work = fileManager.temporaryDirectory.appendingPathComponent("paddock-bench")
try fileManager.createDirectory(at: work, withIntermediateDirectories: true)

func run(_ argv: [String], in directory: URL? = nil) throws {
    let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), argv, directory: directory)
    guard result.status == 0 else {
        FileHandle.standardError.write(Data("\(argv.joined(separator: " ")) failed (\(result.status)): \(result.stderr)\n".utf8))
        exit(70)
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func timed(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    return seconds(clock.now - start)
}

func format(_ value: Double) -> String { String(format: "%.3f s", value) }

// 1. The archive: half incompressible (random) files, half text that gzip shrinks, so the
//    .tar.gz is about `sizeMB` and expands to about 1.6 times that. Made once and kept.
let archive = work.appendingPathComponent("bench-\(sizeMB)mb.tar.gz")
if !fileManager.fileExists(atPath: archive.path) {
    print("making a \(sizeMB) MB test archive (once)...")
    let tree = work.appendingPathComponent("tree")
    try? fileManager.removeItem(at: tree)
    let payload = tree.appendingPathComponent("payload-1.0")
    try fileManager.createDirectory(at: payload.appendingPathComponent("random"), withIntermediateDirectories: true)
    try fileManager.createDirectory(at: payload.appendingPathComponent("text"), withIntermediateDirectories: true)
    let randomFiles = sizeMB * 9 / 10
    let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
    for index in 0..<randomFiles {
        try random.read(upToCount: 1 << 20)!.write(to: payload.appendingPathComponent("random/blob\(index).bin"))
    }
    for index in 0..<randomFiles {
        var text = ""
        var line = 0
        while text.utf8.count < 1 << 20 {
            text += "line \(line) of file \(index): the quick brown fox jumps over the lazy dog \(line * 7919 % 1000)\n"
            line += 1
        }
        try text.write(to: payload.appendingPathComponent("text/page\(index).txt"), atomically: false, encoding: .utf8)
    }
    try run(["tar", "-czf", archive.path, "-C", tree.path, "payload-1.0"])
    try fileManager.removeItem(at: tree)
}
let bytes = [UInt8](try Data(contentsOf: archive))
let expected = Hashing.sha256(bytes)
print("archive: \(String(format: "%.1f", Double(bytes.count) / 1_048_576)) MiB, sha256 \(expected.prefix(16))…")

let server = try LoopbackHTTPServer { request in
    request.path == "/bench.tar.gz" ? .serving(bytes, for: request) : .init(status: 404)
}
let url = "\(server.baseURL)/bench.tar.gz"

// 2. Large archive: paddock vs curl + sha256sum + bsdtar, alternating, `runs` times each.
var paddockTimes: [Double] = []
var toolTimes: [Double] = []
for round in 1...runs {
    let cache = work.appendingPathComponent("cache")
    let paddockTarget = work.appendingPathComponent("out-paddock")
    let toolTarget = work.appendingPathComponent("out-tools")
    let toolFile = work.appendingPathComponent("f.tar.gz")
    for stale in [cache, paddockTarget, toolTarget, toolFile] { try? fileManager.removeItem(at: stale) }
    try fileManager.createDirectory(at: toolTarget, withIntermediateDirectories: true)

    let paddock = try await timed {
        let downloader = Downloader(configuration: DownloaderConfiguration(cache: cache, environment: [:]))
        let result = try await downloader.download(DownloadRequest(url, hash: .sha256(expected)))
        _ = try ArchiveExtractor.extract(result.file, into: paddockTarget)
    }
    let tools = try await timed {
        try run(["sh", "-c", "curl -s -o f.tar.gz \(url) && sha256sum f.tar.gz >/dev/null && bsdtar -xf f.tar.gz -C out-tools"], in: work)
    }
    paddockTimes.append(paddock)
    toolTimes.append(tools)
    print("round \(round): paddock \(format(paddock)), curl+sha256sum+bsdtar \(format(tools))")
    for stale in [cache, paddockTarget, toolTarget, toolFile] { try? fileManager.removeItem(at: stale) }
}
let paddockBest = paddockTimes.min()!
let toolBest = toolTimes.min()!
let paddockMedian = paddockTimes.sorted()[paddockTimes.count / 2]
let toolMedian = toolTimes.sorted()[toolTimes.count / 2]
print("large archive, best of \(runs): paddock \(format(paddockBest)), tools \(format(toolBest)), ratio \(String(format: "%.2f", paddockBest / toolBest))")
print("large archive, median of \(runs): paddock \(format(paddockMedian)), tools \(format(toolMedian)), ratio \(String(format: "%.2f", paddockMedian / toolMedian))")

// 3. Twenty small files, with no added latency and with 100 ms per response (a far server).
let smallFiles = (0..<20).map { index in (0..<262_144).map { UInt8(truncatingIfNeeded: $0 &* (index + 3) &+ index) } }
for latency in [0.0, 0.1] {
    let small = try LoopbackHTTPServer { request in
        let index = Int(request.path.dropFirst("/small".count)) ?? 0
        return .init(body: smallFiles[index], delay: latency > 0 ? latency : nil)
    }
    let requests = smallFiles.indices.map { DownloadRequest("\(small.baseURL)/small\($0)", hash: .sha256(Hashing.sha256(smallFiles[$0]))) }
    var line: [String] = []
    for parallel in [1, 4, 20] {
        let cache = work.appendingPathComponent("cache-small")
        try? fileManager.removeItem(at: cache)
        let time = try await timed {
            let downloader = Downloader(configuration: DownloaderConfiguration(cache: cache, environment: [:], maxParallel: parallel))
            _ = try await downloader.download(requests)
        }
        try? fileManager.removeItem(at: cache)
        line.append("\(parallel == 1 ? "one after another" : "\(parallel) at once") \(format(time))")
    }
    print("20 × 256 KiB, \(latency > 0 ? "100 ms latency" : "no added latency"): " + line.joined(separator: ", "))
}
if !keep { try? fileManager.removeItem(at: archive) }
