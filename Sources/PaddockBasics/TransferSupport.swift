import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Whether a transfer has been slower than a minimum over a sliding window, from the byte
/// count sampled at each watchdog tick (curl's `--speed-limit`/`--speed-time`).
public struct SpeedCheck: Sendable {
    private var samples: [(time: Date, bytes: Int64)] = []
    private var since: Date?

    /// The window starts with the answer: the time before it is the connect timeout's.
    public init() {}

    public mutating func start(at time: Date) {
        if since == nil { since = time }
    }

    /// True when, over the last `window` seconds, fewer than `minSpeed × window` bytes came.
    public mutating func isTooSlow(at now: Date, received: Int64, minSpeed: Int64, window: TimeInterval) -> Bool {
        guard let since, minSpeed > 0, window > 0 else { return false }
        if samples.isEmpty { samples.append((since, 0)) }
        samples.append((now, received))
        // Keep the newest sample at or before the window's start, and everything after it.
        let windowStart = now.addingTimeInterval(-window)
        while samples.count > 1, samples[1].time <= windowStart { samples.removeFirst() }
        guard samples[0].time <= windowStart else { return false }  // Not a whole window yet.
        return Double(received - samples[0].bytes) < Double(minSpeed) * window
    }
}

/// The delegate queue of a transfer (an installer's download or a feed's fetch). corelibs'
/// URLSession hands each chunk libcurl reads to the delegate queue at once and never pauses libcurl, so a server faster than the
/// delegate piled chunks up in memory (an endless body capped at 1 GB took 10 GB). Here the
/// hand-over waits while `high` chunks are queued, until they are down to `low`: libcurl
/// stops reading meanwhile, and TCP slows the server down. A chunk is at most libcurl's
/// 16 KB, so at most 64 MB wait; waking at `low`, not at each chunk, keeps the two threads from
/// taking turns chunk by chunk (with 256 and 64, 200 MB took 12 s instead of 2.5 s).
///
/// A wait lasts 50 ms at most, the callbacks run on a serial dispatch queue of their own and
/// cancels go to one too: with waits without a bound, on the global queues (whose threads are
/// as many as the cores), parallel transfers froze for a minute on a 2-core machine (the
/// callbacks that would end the waits could not get a thread).
///
/// Not a `BoundedChannel`: nothing is handed over through it (the operations run on the queue
/// itself), it wakes at a low-water mark rather than at each free slot, and its wait is bounded
/// in time; so it keeps its own condition.
public final class BackpressureQueue: OperationQueue, @unchecked Sendable {
    private let condition = NSCondition()
    private var pending = 0
    private var waiting = false
    private let high: Int
    private let low: Int

    public init(high: Int = 4096, low: Int = 1024) {
        self.high = high
        self.low = low
        super.init()
        maxConcurrentOperationCount = 1
        // A serial queue of its own runs on a thread libdispatch adds when others are busy.
        underlyingQueue = DispatchQueue(label: "paddock.http.delegate")
    }

    public override func addOperation(_ block: @escaping @Sendable () -> Void) {
        condition.lock()
        // Never for ever: should the callbacks be starved of a thread, the hand-over goes on at
        // 20 chunks a second rather than deadlock.
        let until = Date().addingTimeInterval(0.05)
        while pending >= high {
            waiting = true
            if !condition.wait(until: until) { break }
        }
        pending += 1
        condition.unlock()
        super.addOperation { [self] in
            block()
            condition.lock()
            pending -= 1
            if waiting, pending <= low {
                waiting = false
                condition.broadcast()
            }
            condition.unlock()
        }
    }

    /// `cancel()` waits for URLSession's work queue, which may be waiting for this queue: from
    /// a delegate callback it must be called elsewhere (a serial queue of its own, not a global
    /// one, for the reason above).
    public static func cancel(_ task: URLSessionTask) {
        DispatchQueue(label: "paddock.http.cancel").async { task.cancel() }
    }
}

/// "1 GB", "64 KB", "1500 bytes"; "1 second", "10 minutes": for messages about limits.
public enum LimitWords {
    public static func bytes(_ count: Int64) -> String {
        for (unit, name) in [(Int64(1) << 30, "GB"), (Int64(1) << 20, "MB"), (Int64(1) << 10, "KB")]
        where count >= unit && count % unit == 0 {
            return "\(count / unit) \(name)"
        }
        return count == 1 ? "1 byte" : "\(count) bytes"
    }

    public static func seconds(_ value: TimeInterval) -> String {
        if value >= 60, value.truncatingRemainder(dividingBy: 60) == 0 {
            let minutes = Int(value / 60)
            return minutes == 1 ? "1 minute" : "\(minutes) minutes"
        }
        if value == value.rounded() {
            let whole = Int(value)
            return whole == 1 ? "1 second" : "\(whole) seconds"
        }
        return "\(value) seconds"
    }
}
