import FeedModel
import Foundation
import PaddockSQLite

/// Products stored while their feed is still being parsed: the reader hands each one over as it
/// is read, and a thread of its own encodes, inserts and indexes them for search in the
/// transaction the caller holds open. A large feed is thus stored alongside its parse instead of
/// after it, and never held whole in memory.
///
/// The database connection is used by that thread alone from `init` until `finish` or `cancel`
/// returns; the caller must not touch it in between.
final class ProductStream: @unchecked Sendable {
    private static let batchSize = 64
    private static let capacity = 16  // Batches waiting: memory stays bounded on any feed.

    private let insert: SQLiteStatement
    private let index: SQLiteStatement
    private let database: SQLiteDatabase
    private let feed: SQLiteValue
    private let condition = NSCondition()
    private var queue: [[Product]] = []
    private var closed = false
    private var failure: (any Error)?
    private let done = DispatchSemaphore(value: 0)
    private var waited = false
    /// The batch being filled, and the count: the sender's alone.
    private var batch: [Product] = []
    private(set) var count = 0

    init(insert: SQLiteStatement, index: SQLiteStatement, database: SQLiteDatabase, feed: String) {
        self.insert = insert
        self.index = index
        self.database = database
        self.feed = .text(feed)
        batch.reserveCapacity(Self.batchSize)
        let thread = Thread { [self] in
            defer { done.signal() }
            run()
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
        close(discarding: false)
        if let failure = condition.withLock({ failure }) { throw failure }
        return count
    }

    /// Stops, dropping what is not inserted yet, and waits for the thread (the caller then rolls
    /// the transaction back). Safe to call after `finish`.
    func cancel() { close(discarding: true) }

    private func flush() throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.capacity && failure == nil && !closed { condition.wait() }
        if let failure { throw failure }
        queue.append(batch)
        condition.broadcast()
        batch = []
        batch.reserveCapacity(Self.batchSize)
    }

    private func close(discarding: Bool) {
        condition.lock()
        closed = true
        if discarding { queue.removeAll() }
        condition.broadcast()
        let mustWait = !waited
        waited = true
        condition.unlock()
        if mustWait { done.wait() }
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                return
            }
            let products = queue.removeFirst()
            let stop = failure != nil
            condition.broadcast()
            condition.unlock()
            if stop { continue }  // Drained without inserting: the sender sees the error.
            do {
                for product in products {
                    let row = Catalog.productRow(product, feed: feed)
                    try insert.run(row)
                    try index.run([.integer(database.lastInsertRowID), row[2], row[3], row[5], row[6]])
                }
            } catch {
                condition.withLock { failure = error }
            }
        }
    }
}
