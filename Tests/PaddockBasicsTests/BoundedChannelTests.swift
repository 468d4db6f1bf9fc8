import Foundation
import PaddockBasics
import Synchronization
import Testing
import TestSupport

/// The one channel between threads, on real threads. Producers run on threads of their own;
/// the test body waits for them with `onDedicatedThread`, never on the cooperative pool.
@Suite struct BoundedChannelTests {
    struct Stop: Error, Equatable { var reason: String }

    /// Starts `body` on a thread; the semaphore is signalled when it returns.
    static func start(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        Thread {
            body()
            done.signal()
        }.start()
        return done
    }

    /// Polls `condition` for up to `seconds`: true as soon as it holds.
    static func eventually(within seconds: Double = 5, _ condition: @Sendable () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    @Test("elements come out in the order they went in, through a channel smaller than the stream")
    func ordering() async throws {
        let channel = BoundedChannel<Int, Never>(capacity: 3)
        let producer = Self.start {
            for value in 0..<2000 { channel.send(value) }
            channel.finish()
        }
        let received = await onDedicatedThread { () -> [Int] in
            var all: [Int] = []
            while let value = channel.receive() { all.append(value) }
            return all
        }
        await onDedicatedThread { producer.wait() }
        #expect(received == Array(0..<2000))
    }

    @Test("a producer waits at capacity until the consumer takes one")
    func backpressure() async throws {
        let channel = BoundedChannel<Int, Never>(capacity: 2)
        let sent = Atomic<Int>(0)
        let producer = Self.start {
            for value in 0..<5 {
                channel.send(value)
                sent.add(1, ordering: .sequentiallyConsistent)
            }
            channel.finish()
        }
        #expect(try await Self.eventually { sent.load(ordering: .sequentiallyConsistent) == 2 })
        // The third send is blocked: nothing more gets through while nobody receives.
        try await Task.sleep(for: .milliseconds(200))
        #expect(sent.load(ordering: .sequentiallyConsistent) == 2)
        #expect(await onDedicatedThread { channel.receive() } == 0)
        #expect(try await Self.eventually { sent.load(ordering: .sequentiallyConsistent) == 3 })
        try await Task.sleep(for: .milliseconds(100))
        #expect(sent.load(ordering: .sequentiallyConsistent) == 3)
        let rest = await onDedicatedThread { () -> [Int] in
            var all: [Int] = []
            while let value = channel.receive() { all.append(value) }
            return all
        }
        await onDedicatedThread { producer.wait() }
        #expect(rest == [1, 2, 3, 4])
    }

    @Test("after finish the queued elements come out, then nil, every time")
    func finish() {
        let channel = BoundedChannel<String, Never>(capacity: 4)
        #expect(channel.send("a"))
        #expect(channel.send("b"))
        channel.finish()
        #expect(channel.receive() == "a")
        #expect(channel.receive() == "b")
        #expect(channel.receive() == nil)
        #expect(channel.receive() == nil)
    }

    @Test("the error given to finish is thrown after the last element, once")
    func finishWithError() throws {
        let channel = BoundedChannel<Int, Stop>(capacity: 4)
        channel.send(1)
        channel.finish(throwing: Stop(reason: "parse error"))
        channel.finish()  // A second finish changes nothing.
        #expect(try channel.receive() == 1)
        #expect(throws: Stop(reason: "parse error")) { try channel.receive() }
        #expect(try channel.receive() == nil)
    }

    @Test("a consumer that finishes waiting is woken by finish")
    func finishWakesConsumer() async throws {
        let channel = BoundedChannel<Int, Never>(capacity: 1)
        let received = Task { await onDedicatedThread { channel.receive() } }
        try await Task.sleep(for: .milliseconds(100))
        channel.finish()
        #expect(await received.value == nil)
    }

    @Test("cancelling wakes a producer blocked on a full channel; later sends and receives stop")
    func cancelWakesProducer() async throws {
        let channel = BoundedChannel<Int, Never>(capacity: 1)
        #expect(channel.send(1))
        let outcome = Mutex<Bool?>(nil)
        let producer = Self.start {
            let sent = channel.send(2)  // Blocks; the outcome's lock is not held meanwhile.
            outcome.withLock { $0 = sent }
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(outcome.withLock { $0 } == nil)  // Still blocked: the channel is full.
        channel.cancel()
        #expect(try await Self.eventually { outcome.withLock { $0 } == false })
        await onDedicatedThread { producer.wait() }
        #expect(channel.isCancelled)
        #expect(channel.receive() == nil)  // The queued element was dropped.
        #expect(!channel.send(3))
    }

    @Test("many producers and consumers on threads: every element arrives once, each producer's in order")
    func manyAcrossThreads() async throws {
        let producers = 4, consumers = 3, perProducer = 20_000
        let channel = BoundedChannel<(producer: Int, index: Int), Never>(capacity: 8)
        let done = (0..<producers).map { producer in
            Self.start { for index in 0..<perProducer { channel.send((producer, index)) } }
        }
        let finisher = Self.start {
            for semaphore in done { semaphore.wait() }
            channel.finish()
        }
        let seen = try await withThrowingTaskGroup(of: [(producer: Int, index: Int)].self) { group in
            for _ in 0..<consumers {
                group.addTask {
                    await onDedicatedThread { () -> [(producer: Int, index: Int)] in
                        var mine: [(producer: Int, index: Int)] = []
                        while let element = channel.receive() { mine.append(element) }
                        return mine
                    }
                }
            }
            var all: [[(producer: Int, index: Int)]] = []
            for try await part in group { all.append(part) }
            return all
        }
        await onDedicatedThread { finisher.wait() }
        // Within one consumer, each producer's elements keep their order.
        for part in seen {
            for producer in 0..<producers {
                let indexes = part.filter { $0.producer == producer }.map(\.index)
                #expect(indexes == indexes.sorted())
            }
        }
        let everything = seen.flatMap { $0 }
        #expect(everything.count == producers * perProducer)
        for producer in 0..<producers {
            #expect(Set(everything.filter { $0.producer == producer }.map(\.index)) == Set(0..<perProducer))
        }
    }
}
