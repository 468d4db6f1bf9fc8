import Dispatch
import Synchronization

/// A first-in first-out queue between threads, holding at most `capacity` elements: `send`
/// waits while it is full, so a producer faster than its consumer is slowed down instead of
/// filling memory (a large feed's parse, its insertion, ...).
///
/// The producer ends the stream with `finish`, optionally with an error that `receive` throws
/// after the last element (`Failure` is `Never` for a stream that cannot fail). Either side
/// stops it with `cancel`: elements not yet received are dropped, a blocked `send` returns
/// false and `receive` returns nil.
///
/// For threads, not tasks: `send` and `receive` block the calling thread, so they must not be
/// called on Swift's cooperative pool (the callers here are `Thread`s of their own and the
/// synchronous code that started them).
public final class BoundedChannel<Element: Sendable, Failure: Error>: Sendable {
    private struct State {
        var elements: [Element] = []
        /// Index of the next element to receive; the array is compacted once half of it is
        /// taken, so a receive shifts nothing most of the time.
        var head = 0
        var finished = false
        var cancelled = false
        var failure: Failure?
        /// Threads waiting on each semaphore, so that each signal matches one waiter.
        var waitingSenders = 0
        var waitingReceivers = 0

        var count: Int { elements.count - head }
    }

    public let capacity: Int
    private let state: Mutex<State>
    // Mutex has no condition variable: a waiter counts itself under the lock, then waits on a
    // semaphore outside it; whoever changes what it waits for signals once per counted waiter.
    // A semaphore keeps a signal given before its wait, so no wake-up is lost, and a woken
    // thread checks again under the lock (another may have been quicker).
    private let spaceFreed = DispatchSemaphore(value: 0)
    private let elementAdded = DispatchSemaphore(value: 0)

    public init(capacity: Int) {
        precondition(capacity > 0, "a BoundedChannel holds at least one element")
        self.capacity = capacity
        var initial = State()
        initial.elements.reserveCapacity(capacity)
        state = Mutex(initial)
    }

    /// Queues `element`, waiting while the channel is full. False (the element dropped) once the
    /// channel is cancelled: the consumer has stopped listening.
    @discardableResult
    public func send(_ element: Element) -> Bool {
        while true {
            let outcome = state.withLock { state -> SendOutcome in
                if state.cancelled { return .cancelled }
                precondition(!state.finished, "BoundedChannel.send after finish")
                guard state.count < capacity else {
                    state.waitingSenders += 1
                    return .wait
                }
                state.elements.append(element)
                guard state.waitingReceivers > 0 else { return .sent }
                state.waitingReceivers -= 1
                return .sentWakingReceiver
            }
            switch outcome {
            case .cancelled: return false
            case .wait: spaceFreed.wait()
            case .sent: return true
            case .sentWakingReceiver:
                elementAdded.signal()
                return true
            }
        }
    }

    /// The next element, waiting for one; nil once the channel is finished and drained, or
    /// cancelled. Throws the error given to `finish` (once), after the last element.
    public func receive() throws(Failure) -> Element? {
        while true {
            let outcome = state.withLock { state -> ReceiveOutcome in
                if state.cancelled { return .end }
                if state.count > 0 {
                    let element = state.elements[state.head]
                    state.head += 1
                    if state.head * 2 >= state.elements.count {
                        state.elements.removeFirst(state.head)
                        state.head = 0
                    }
                    guard state.waitingSenders > 0 else { return .element(element, wakeSender: false) }
                    state.waitingSenders -= 1
                    return .element(element, wakeSender: true)
                }
                if state.finished {
                    guard let failure = state.failure else { return .end }
                    state.failure = nil
                    return .failure(failure)
                }
                state.waitingReceivers += 1
                return .wait
            }
            switch outcome {
            case .element(let element, let wakeSender):
                if wakeSender { spaceFreed.signal() }
                return element
            case .failure(let error): throw error
            case .end: return nil
            case .wait: elementAdded.wait()
            }
        }
    }

    /// The producer is done: `receive` returns what is queued, then throws `error` if there is
    /// one, then returns nil. Calls after the first, or after `cancel`, change nothing.
    public func finish(throwing error: Failure? = nil) {
        let receivers = state.withLock { state -> Int in
            guard !state.finished, !state.cancelled else { return 0 }
            state.finished = true
            state.failure = error
            defer { state.waitingReceivers = 0 }
            return state.waitingReceivers
        }
        for _ in 0..<receivers { elementAdded.signal() }
    }

    /// Stops the channel, from either side: queued elements are dropped, every waiting `send`
    /// returns false and every waiting `receive` nil, and so do later calls.
    public func cancel() {
        let (senders, receivers, dropped) = state.withLock { state -> (Int, Int, [Element]) in
            state.cancelled = true
            defer {
                state.elements = []
                state.head = 0
                state.waitingSenders = 0
                state.waitingReceivers = 0
            }
            return (state.waitingSenders, state.waitingReceivers, state.elements)
        }
        for _ in 0..<senders { spaceFreed.signal() }
        for _ in 0..<receivers { elementAdded.signal() }
        _ = consume dropped  // The dropped elements are freed here, outside the lock.
    }

    /// True once `cancel` has been called.
    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    private enum SendOutcome { case sent, sentWakingReceiver, wait, cancelled }
    private enum ReceiveOutcome {
        case element(Element, wakeSender: Bool)
        case failure(Failure)
        case end
        case wait
    }
}
