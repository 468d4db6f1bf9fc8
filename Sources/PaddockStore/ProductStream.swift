import FeedModel
import Foundation
import PaddockBasics
import PaddockSQLite
import Synchronization

/// Products stored while their feed is still being parsed: the reader hands each one over as it
/// is read, and a thread of its own encodes, inserts and indexes them for search in the
/// transaction the caller holds open. A large feed is thus stored alongside its parse instead of
/// after it, and never held whole in memory.
///
/// The database connection is used by that thread alone from `init` until `finish` or `cancel`
/// returns; the caller must not touch it in between. `send`, `finish` and `cancel` are the
/// caller's, from one thread.
final class ProductStream {
    private static let batchSize = 64
    private static let capacity = 16  // Batches waiting: memory stays bounded on any feed.

    /// What the sender and the inserting thread share.
    private final class Shared: Sendable {
        let channel = BoundedChannel<[Product], Never>(capacity: ProductStream.capacity)
        /// The inserting thread's first error; it then stops listening (cancels the channel).
        let failure = Mutex<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
    }
    private let shared = Shared()
    private var channel: BoundedChannel<[Product], Never> { shared.channel }
    private var waited = false
    /// The batch being filled, and the count.
    private var batch: [Product] = []
    private(set) var count = 0

    init(insert: SQLiteStatement, index: SQLiteStatement, database: SQLiteDatabase, feed: String) {
        batch.reserveCapacity(Self.batchSize)
        // The thread gets what it needs, not `self`: the channel, the error slot and the
        // statements, which only it uses until `done` is signalled.
        nonisolated(unsafe) let insert = insert
        nonisolated(unsafe) let index = index
        nonisolated(unsafe) let database = database
        let (shared, feed) = (shared, SQLiteValue.text(feed))
        let thread = Thread {
            defer { shared.done.signal() }
            do {
                while let products = shared.channel.receive() {
                    for product in products {
                        let row = Catalog.productRow(product, feed: feed)
                        try insert.run(row)
                        try index.run([.integer(database.lastInsertRowID), row[2], row[3], row[5], row[6]])
                    }
                }
            } catch {
                shared.failure.withLock { $0 = error }
                shared.channel.cancel()  // The sender's next send returns false and throws this error.
            }
        }
        thread.start()
    }

    /// Takes one product; throws the inserting thread's error, if it stopped on one.
    func send(_ product: Product) throws {
        batch.append(product)
        count += 1
        if batch.count == Self.batchSize { try flush() }
    }

    /// Waits until every product is inserted; throws the first error.
    func finish() throws -> Int {
        if !batch.isEmpty { try flush() }
        channel.finish()
        join()
        if let failure = shared.failure.withLock({ $0 }) { throw failure }
        return count
    }

    /// Stops, dropping what is not inserted yet, and waits for the thread (the caller then rolls
    /// the transaction back). Safe to call after `finish`.
    func cancel() {
        channel.cancel()
        join()
    }

    private func flush() throws {
        defer {
            batch = []
            batch.reserveCapacity(Self.batchSize)
        }
        guard channel.send(batch) else {
            join()  // Cancelled by the thread, on an error: it is set before the cancel.
            throw shared.failure.withLock { $0 } ?? CancellationError()
        }
    }

    private func join() {
        guard !waited else { return }
        waited = true
        shared.done.wait()
    }
}
