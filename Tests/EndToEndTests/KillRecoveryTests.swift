import Foundation
import Testing
import TestSupport

@testable import PaddockState

#if canImport(Glibc)
    import Glibc
#endif

/// kill -9 of a real `paddock install` (and upgrade, uninstall) of several products at
/// distinct points; the next paddock command must leave the database and the disk in
/// agreement, file by file, with what was installed before untouched.
@Suite("kill -9 recovery, end to end", .serialized, .offCooperativePool)
struct KillRecoveryTests {
    typealias Product = OpsSandbox.Product

    enum Point: String, CaseIterable, CustomTestStringConvertible {
        /// While one archive is coming from a server that stalls (before the lock).
        case download
        /// Transaction open, nothing done.
        case begin
        /// alpha unpacked, beta not yet.
        case betweenSteps = "step:beta"
        /// alpha and beta unpacked, the command step running (a real child sleeping).
        case duringStep
        /// alpha, beta, sleeper and gamma done, suite not yet.
        case beforeLastStep = "step:suite"
        /// Everything unpacked, right before the commit.
        case commit
        /// `paddock upgrade base` (1.0 → 2.0) with 2.0 unpacked and 1.0 moved aside.
        case upgradeBeforeCommit
        /// `paddock uninstall base --cascade` with every folder moved aside.
        case uninstallBeforeCommit

        var testDescription: String { rawValue }
    }

    static let baseFiles = ["bin/base": "base 1\n", "lib/base.txt": "kept\n"]
    static let base2Files = ["bin/base": "base 2\n"]
    static func files(_ id: String) -> [String: String] { ["bin/\(id)": "\(id) 1.0\n", "share/\(id)/README": "\(id)\n"] }

    /// base ← alpha ← beta ← sleeper (command) ← gamma (from a server) ← suite.
    static func products(server: String, baseVersion: String = "1.0") -> [Product] {
        [
            baseVersion == "1.0"
                ? Product(id: "base", version: "1.0", kind: .archive(files: baseFiles))
                : Product(id: "base", version: baseVersion, kind: .archive(files: base2Files)),
            Product(id: "alpha", version: "1.0", needs: ["base"], kind: .archive(files: files("alpha"))),
            Product(id: "beta", version: "1.0", needs: ["alpha"], kind: .archive(files: files("beta"))),
            Product(
                id: "sleeper", version: "1.0", needs: ["beta"],
                kind: .command([
                    // With PADDOCK_TEST_SLEEPER: a grandchild sleeping in the background, then
                    // the shell's own pid, then the shell waits.
                    "/bin/sh", "-c",
                    "if [ -n \"$PADDOCK_TEST_SLEEPER\" ]; then sleep 60 & echo $! > \"$PADDOCK_TEST_SLEEPER.child\"; echo $$ > \"$PADDOCK_TEST_SLEEPER\"; wait; fi",
                ])),
            Product(id: "gamma", version: "1.0", needs: ["sleeper"], kind: .archive(files: files("gamma"), url: "\(server)/gamma-1.0.tar.gz")),
            Product(id: "suite", version: "1.0", needs: ["gamma"], kind: .archive(files: files("suite"))),
        ]
    }

    /// Serves gamma's archive; stalls the first request when asked to.
    final class GammaServer: @unchecked Sendable {
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var stallFirst = false
            var served = 0
        }
        let counter = Counter()
        let server: LoopbackHTTPServer
        init(file: URL) throws {
            let counter = self.counter
            server = try LoopbackHTTPServer { request in
                guard let bytes = try? Data(contentsOf: file) else { return .init(status: 404) }
                let stall = counter.lock.withLock { () -> Bool in
                    counter.served += 1
                    return counter.stallFirst && counter.served == 1
                }
                if stall { return .init(status: 200, headers: ["Content-Length": "\(bytes.count)"], body: Array(bytes), stallAfter: 16) }
                return .serving(Array(bytes), for: request)
            }
        }
        func stallFirst() { counter.lock.withLock { counter.stallFirst = true } }
        var requests: Int { counter.lock.withLock { counter.served } }
    }

    @Test("after kill -9, the next command leaves a consistent state", arguments: Point.allCases)
    func killed(at point: Point) throws {
        let sandbox = try OpsSandbox()
        let gamma = try GammaServer(file: sandbox.root.appendingPathComponent("gamma-1.0.tar.gz"))
        defer { gamma.server.stop() }
        try sandbox.writeFeed(Self.products(server: gamma.server.baseURL))
        #expect(try sandbox.paddock(["install", "base", "--yes"]).status == 0)
        let all: [String: [String: String]] = [
            "base": Self.baseFiles, "alpha": Self.files("alpha"), "beta": Self.files("beta"), "gamma": Self.files("gamma"),
            "suite": Self.files("suite"),
        ]
        var before: [String: [String: String]] = ["base": Self.baseFiles]
        var commandsBefore: Set<String> = []
        if point == .uninstallBeforeCommit {
            #expect(try sandbox.paddock(["install", "suite", "--yes"]).status == 0)
            before = all
            commandsBefore = ["sleeper"]
        }
        if point == .upgradeBeforeCommit { try sandbox.writeFeed(Self.products(server: gamma.server.baseURL, baseVersion: "2.0")) }
        try sandbox.expectConsistent(before, commands: commandsBefore, "\(point) before")

        // The run to kill.
        let paused = sandbox.root.appendingPathComponent("paused")
        let sleeperMarker = sandbox.root.appendingPathComponent("sleeper.pid")
        var environment: [String: String] = ["PADDOCK_TEST_PAUSE_FILE": paused.path]
        var arguments = ["install", "suite", "--yes"]
        switch point {
        case .download: gamma.stallFirst()
        case .duringStep: environment["PADDOCK_TEST_SLEEPER"] = sleeperMarker.path
        case .upgradeBeforeCommit:
            arguments = ["upgrade", "base", "--yes"]
            environment["PADDOCK_TEST_PAUSE_AT"] = "commit"
        case .uninstallBeforeCommit:
            arguments = ["uninstall", "base", "--cascade", "--yes"]
            environment["PADDOCK_TEST_PAUSE_AT"] = "commit"
        default: environment["PADDOCK_TEST_PAUSE_AT"] = point.rawValue
        }
        let started = Date()
        let victim = try sandbox.spawn(arguments, environment: environment, label: "victim")
        var sleeperPid: pid_t?
        var grandchildPid: pid_t?
        switch point {
        case .download:
            let deadline = Date().addingTimeInterval(30)
            while gamma.requests == 0 && Date() < deadline { usleep(10_000) }
            usleep(300_000)
        case .duringStep:
            #expect(OpsSandbox.waitFor(sleeperMarker))
            func pid(_ file: URL) -> pid_t? { (try? String(contentsOf: file, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
            sleeperPid = pid(sleeperMarker)
            grandchildPid = pid(URL(fileURLWithPath: sleeperMarker.path + ".child"))
        default:
            #expect(OpsSandbox.waitFor(paused), "\(sandbox.log("victim"))")
        }
        #expect(victim.isRunning, "\(sandbox.log("victim"))")
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        let killedAfter = Date().timeIntervalSince(started)
        // The child of the step dies with paddock (its parent-death signal); what it started is
        // left in its process group until the next paddock ends that group.
        if let sleeperPid {
            let deadline = Date().addingTimeInterval(3)
            while Self.isRunning(sleeperPid) && Date() < deadline { usleep(20_000) }
            #expect(!Self.isRunning(sleeperPid), "the step's shell (pid \(sleeperPid)) outlived the killed paddock")
        }
        if let grandchildPid { #expect(Self.isRunning(grandchildPid), "the grandchild was expected to be left for the recovery") }
        #expect(victim.terminationReason == .uncaughtSignal && victim.terminationStatus == SIGKILL)

        // What was half done is on disk at this point (except before the transaction).
        let leftBehind = Set((try? FileManager.default.contentsOfDirectory(atPath: sandbox.programs.path)) ?? [])

        // The next command recovers.
        let recovering = Date()
        let list = try sandbox.paddock(["list", "--installed", "--json"])
        let recoveredIn = Date().timeIntervalSince(recovering)
        #expect(list.status == 0, "\(list.stderr)")
        if point != .download {
            #expect(list.stderr == "paddock: warning: rolled back what a killed paddock left unfinished: paddock \(arguments.filter { $0 != "--yes" }.joined(separator: " "))\n")
        }
        if let grandchildPid {
            #expect(!Self.isRunning(grandchildPid), "recovery did not end the step's process group (pid \(grandchildPid) still runs)")
            if Self.isRunning(grandchildPid) { kill(grandchildPid, SIGKILL) }
        }
        let rows = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(Set(rows.compactMap { $0["productId"] as? String }) == Set(before.keys).union(commandsBefore))
        try sandbox.expectConsistent(before, commands: commandsBefore, "\(point) after recovery")
        print(
            "kill -9 at \(point.rawValue): killed \(Int(killedAfter * 1000)) ms after start, prefix then held \(leftBehind.sorted()); recovered by 'list --installed' in \(Int(recoveredIn * 1000)) ms")

        let doctor = try sandbox.paddock(["doctor"])
        #expect(doctor.status == 0, "\(doctor.stdout)")
        #expect(doctor.stdout.contains("ok        transactions: none unfinished"))
        if point == .download { #expect(doctor.stdout.contains("a temporary folder of a dead paddock")) }

        // And the same command, not killed, completes.
        let again = try sandbox.paddock(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        switch point {
        case .upgradeBeforeCommit: try sandbox.expectConsistent(["base": Self.base2Files], "\(point) redone")
        case .uninstallBeforeCommit: try sandbox.expectConsistent([:], "\(point) redone")
        default: try sandbox.expectConsistent(all, commands: ["sleeper"], "\(point) redone")
        }
    }

    /// Alive and not a zombie (a dead child not yet reaped still has a /proc entry).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }
}
