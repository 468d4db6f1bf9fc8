import FeedModel
import Foundation
import Synchronization

/// What a discovery hint found on this machine.
public struct Discovery: Sendable, Hashable, Codable {
    public var found: Bool
    /// The version seen, when the hint reads one (a command's output, a dpkg package).
    public var version: String?
    public var evidence: String
}

/// Decides whether a product is already on the machine from its hints: a file exists, a
/// command prints a version at least N, a Debian package is installed at least at N.
/// Windows-only hints (registry, MSI) are never true on Linux.
public struct DiscoveryProbe: Sendable {
    let runner: ProcessRunner
    let environment: [String: String]

    public init(runner: ProcessRunner = ProcessRunner(), environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.runner = runner
        self.environment = environment
    }

    /// Every hint at once, in order: each may start a process (`python3 --version`,
    /// `dpkg-query`) that mostly waits, so they run side by side (at most `width` at a time)
    /// and a plan or `list --installed` waits for the slowest, not for the sum.
    public func evaluateAll(_ hints: [DiscoveryHint], width: Int = 8) -> [Discovery] {
        guard hints.count > 1 else { return hints.map(evaluate) }
        let results = ResultSlots<Discovery>(count: hints.count)
        let slots = DispatchSemaphore(value: max(1, width))
        let group = DispatchGroup()
        // Threads of our own: Dispatch's global queues run about as many blocks as there are
        // cores, and these blocks wait on child processes rather than compute.
        for (index, hint) in hints.enumerated() {
            slots.wait()
            group.enter()
            Thread.detachNewThread {
                results.set(index, evaluate(hint))
                slots.signal()
                group.leave()
            }
        }
        group.wait()
        return results.values
    }

    public func evaluate(_ hint: DiscoveryHint) -> Discovery {
        switch hint {
        case .file(let path, _):
            let expanded = PathVariables.expand(path, environment: environment).replacingOccurrences(of: "\\", with: "/")
            guard expanded.hasPrefix("/") else { return Discovery(found: false, version: nil, evidence: "'\(path)' is not a Linux path") }
            let exists = FileManager.default.fileExists(atPath: expanded)
            return Discovery(found: exists, version: nil, evidence: exists ? "\(expanded) exists" : "no \(expanded)")
        case .registry, .msiProductCode:
            return Discovery(found: false, version: nil, evidence: "a Windows-only hint")
        case .command(let arguments, let pattern, let minimum):
            guard let result = try? runner.run(arguments, check: false), result.status == 0 else {
                return Discovery(found: false, version: nil, evidence: "'\(arguments.joined(separator: " "))' did not run")
            }
            guard let version = Self.version(in: result.output, pattern: pattern) else {
                return Discovery(found: minimum == nil, version: nil, evidence: "no version in the output of '\(arguments.joined(separator: " "))'")
            }
            return Discovery(found: Self.atLeast(version, minimum), version: version, evidence: "\(arguments[0]) reports \(version)")
        case .dpkg(let package, let minimum):
            guard let result = try? runner.run(["dpkg-query", "-W", "-f", "${Status}|${Version}", package], check: false),
                result.status == 0, result.output.hasPrefix("install ok installed|")
            else {
                return Discovery(found: false, version: nil, evidence: "Debian package \(package) is not installed")
            }
            let version = String(result.output.split(separator: "|").last ?? "")
            var satisfied = true
            if let minimum {
                // dpkg knows its own ordering (epochs, ~, revisions) best.
                satisfied = (try? runner.run(["dpkg", "--compare-versions", version, "ge", minimum], check: false))?.status == 0
            }
            return Discovery(found: satisfied, version: Self.upstream(version), evidence: "Debian package \(package) \(version)")
        case .any(let hints):
            let results = hints.map(evaluate)
            return results.first { $0.found } ?? results.last ?? Discovery(found: false, version: nil, evidence: "no hints")
        case .all(let hints):
            let results = hints.map(evaluate)
            if let failed = results.first(where: { !$0.found }) { return failed }
            return results.first { $0.version != nil } ?? results.first ?? Discovery(found: false, version: nil, evidence: "no hints")
        }
    }

    /// The first match of `pattern`'s first group, or else the first dotted number.
    static func version(in output: String, pattern: String?) -> String? {
        if let pattern, let regex = try? NSRegularExpression(pattern: pattern) {
            let range = NSRange(output.startIndex..., in: output)
            guard let match = regex.firstMatch(in: output, range: range) else { return nil }
            let group = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
            return Range(group, in: output).map { String(output[$0]) }
        }
        let regex = try! NSRegularExpression(pattern: #"\d+(\.\d+)+"#)
        let range = NSRange(output.startIndex..., in: output)
        return regex.firstMatch(in: output, range: range).flatMap { Range($0.range, in: output) }.map { String(output[$0]) }
    }

    static func atLeast(_ version: String, _ minimum: String?) -> Bool {
        guard let minimum else { return true }
        guard let have = Version(version), let need = Version(minimum) else { return false }
        return have >= need
    }

    /// `3.11.2-1+b1` → `3.11.2`; `1:2.3-4` → `2.3`: the upstream part, for comparing with feeds.
    static func upstream(_ debianVersion: String) -> String {
        var text = Substring(debianVersion)
        if let colon = text.firstIndex(of: ":") { text = text[text.index(after: colon)...] }
        if let dash = text.lastIndex(of: "-") { text = text[..<dash] }
        if let plus = text.firstIndex(of: "+") { text = text[..<plus] }
        if let tilde = text.firstIndex(of: "~") { text = text[..<tilde] }
        return String(text)
    }
}

/// Results written by several threads, each into its own slot.
private final class ResultSlots<Value: Sendable>: Sendable {
    private let slots: Mutex<[Value?]>
    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }
    func set(_ index: Int, _ value: Value) { slots.withLock { $0[index] = value } }
    /// Every slot's value: read once all the threads have written theirs.
    var values: [Value] { slots.withLock { $0.map { $0! } } }
}
