import Foundation

/// Runs `body` on a thread of its own and resumes the caller when it returns: for blocking work
/// (waiting for a child process, a semaphore, a blocking queue) in async tests, which would
/// otherwise hold one of the few threads of Swift's cooperative pool that every test shares.
public func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// `onDedicatedThread` for work that cannot throw.
public func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
