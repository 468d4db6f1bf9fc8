import Foundation
import Synchronization
import Testing

/// Runs each test of a suite on a thread of its own instead of on Swift's cooperative pool.
///
/// End-to-end tests wait on real child processes (paddock, pip, gunicorn) for seconds at a time,
/// in `waitUntilExit`, `poll` and `usleep`. On the cooperative pool, which has as many threads as
/// the machine has cores (2 here), such a wait holds a thread every other test needs: the
/// loopback servers' watchdogs of the download timing tests then measured the wait for a thread,
/// not the download. Under this trait a test case runs with a task executor preference for a
/// thread made for it (`withTaskExecutorPreference`), so its synchronous body, and every wait in
/// it, blocks that thread alone.
///
/// At most `limit` such tests run at once (waiting for a turn suspends, it does not block): as
/// many as the pool would have run, so the machine is not flooded with child processes.
public struct OffCooperativePoolTrait: SuiteTrait, TestTrait, TestScoping {
    public static let limit = 2
    static let turns = AsyncSemaphore(value: limit)

    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self  // Each test case, not the suite around them.
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await Self.turns.wait()
        defer { Self.turns.signal() }
        let executor = DedicatedThreadExecutor(name: "test: \(test.name)")
        defer { executor.shutDown() }
        try await withTaskExecutorPreference(executor) { try await function() }
    }
}

extension Trait where Self == OffCooperativePoolTrait {
    /// See `OffCooperativePoolTrait`.
    public static var offCooperativePool: Self { Self() }
}

/// A task executor with one thread of its own, which runs the jobs given to it in order.
public final class DedicatedThreadExecutor: TaskExecutor, Sendable {
    private let jobs = Mutex<(queue: [UnownedJob], open: Bool)>(([], true))
    private let available = DispatchSemaphore(value: 0)

    public init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.stackSize = 8 << 20  // Deep recursion in a test (a resolver, a parser) as on the main thread.
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        jobs.withLock { $0.queue.append(unowned) }
        available.signal()
    }

    /// Ends the thread once the jobs queued so far have run.
    public func shutDown() {
        jobs.withLock { $0.open = false }
        available.signal()
    }

    private func run() {
        while true {
            available.wait()
            let (next, open) = jobs.withLock { state -> (UnownedJob?, Bool) in
                (state.queue.isEmpty ? nil : state.queue.removeFirst(), state.open)
            }
            if let next {
                next.runSynchronously(on: asUnownedTaskExecutor())
            } else if !open {
                return
            }
        }
    }
}

/// A counting semaphore whose `wait` suspends the task instead of blocking its thread.
public final class AsyncSemaphore: Sendable {
    private let state: Mutex<(value: Int, waiters: [CheckedContinuation<Void, Never>])>

    public init(value: Int) { state = Mutex((value, [])) }

    public func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                guard state.value > 0 else {
                    state.waiters.append(continuation)
                    return false
                }
                state.value -= 1
                return true
            }
            if ready { continuation.resume() }
        }
    }

    public func signal() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.value += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// Tests that measure time against loopback servers (a stalled download must fail within N
/// seconds): they run one at a time across suites and modules, so that no two of them share
/// Foundation's one URLSession thread or each other's endless and dripping servers.
public struct TimingSensitiveTrait: SuiteTrait, TestTrait, TestScoping {
    static let turn = AsyncSemaphore(value: 1)

    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await Self.turn.wait()
        defer { Self.turn.signal() }
        try await function()
    }
}

extension Trait where Self == TimingSensitiveTrait {
    /// See `TimingSensitiveTrait`.
    public static var timingSensitive: Self { Self() }
}
