import FeedModel
import Foundation

/// Reads a WebPI feed (with paddock's Linux extension) from a file or bytes, streaming:
/// each top-level block (an entry, the keyword list, ...) is read into a small tree,
/// turned into the model and dropped.
public enum FeedDocumentReader {
    /// Reads the feed at `path`; `label` names it in messages (defaults to the path).
    ///
    /// With `emit`, each product is handed over as soon as it is read, on the calling thread,
    /// instead of being kept in the returned feed, except products that name an os or os list
    /// defined further down, which stay in `products` (see `FeedBuilder.emit`). An error thrown
    /// by `emit` ends the reading.
    public static func read(path: String, label: String? = nil, emit: ((Product) throws -> Void)? = nil) throws -> Feed {
        let text = FeedText.file(path)
        try PrologCheck.check(text, label: label ?? path)
        return try read(.file(path), label: label ?? path, text: text, emit: emit)
    }

    public static func read(bytes: [UInt8], label: String, emit: ((Product) throws -> Void)? = nil) throws -> Feed {
        let text = FeedText.bytes(bytes)
        try PrologCheck.check(text, label: label)
        return try read(.bytes(bytes), label: label, text: text, emit: emit)
    }

    /// Reads the document, then fills in the columns of messages about elements (see FeedText).
    static func read(_ source: XMLSource, label: String, text: FeedText, emit: ((Product) throws -> Void)? = nil) throws -> Feed {
        do {
            var feed = try readDocument(source, label: label, emit: emit)
            let pending = feed.warnings.indices.filter { feed.warnings[$0].column == 0 && feed.warnings[$0].line > 0 }
            if !pending.isEmpty {
                let columns = text.columns(for: pending.map { (feed.warnings[$0].line, feed.warnings[$0].elementName) })
                for (index, column) in zip(pending, columns) { feed.warnings[index].column = column }
            }
            return feed
        } catch let error as ElementError {
            let column = text.columns(for: [(error.line, error.elementName)])[0]
            throw XMLSyntaxError(file: label, line: error.line, column: column, message: error.message)
        }
    }

    static func readDocument(_ source: XMLSource, label: String, emit: ((Product) throws -> Void)? = nil) throws -> Feed {
        var builder = FeedBuilder(file: label)
        builder.emit = emit
        // Two threads: this one turns blocks into the model while another runs the parser and
        // builds the next blocks' trees. The builder sees the blocks in document order, and a
        // parse error is thrown only once every block before it has been taken, so messages and
        // warnings are those of a reading on one thread.
        let channel = BlockChannel()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            channel.finish(with: Self.readBlocks(source, label: label, into: channel))
        }
        thread.stackSize = 8 << 20
        thread.start()
        defer {
            channel.cancel()
            done.wait()
        }
        while let batch = try channel.receive() {
            for element in batch { try builder.take(element) }
            channel.recycle(batch)
        }
        return builder.finish()
    }

    /// The parser's side: reads the root's children into trees and hands them over in
    /// batches; returns the error that ended the reading, if any, after the blocks before it.
    private static func readBlocks(_ source: XMLSource, label: String, into channel: BlockChannel) -> (any Error)? {
        let parser = XMLBlockParser(label: label)
        var batch: [BlockElement] = []
        batch.reserveCapacity(BlockChannel.batchSize)
        var listening = true
        var failure: (any Error)?
        do {
            try parser.parse(
                source,
                root: { name, line in
                    guard name.lowercased() == "feed" else {
                        throw ElementError(
                            line: line, elementName: name, message: "the root element is <\(name)>, not <feed>: this is not a WebPI feed")
                    }
                },
                block: { element in
                    batch.append(element)
                    guard batch.count == BlockChannel.batchSize else { return true }
                    guard var spent = channel.send(batch) else {
                        listening = false  // The builder stopped.
                        return false
                    }
                    batch.removeAll(keepingCapacity: true)
                    spent.removeAll()  // The builder's used trees are freed here, off its thread.
                    return true
                })
        } catch {
            failure = error
        }
        if listening, !batch.isEmpty { _ = channel.send(batch) }
        return failure
    }
}

/// A bounded queue of parsed blocks from the parser thread to the builder, in order, with
/// the error (if any) that ended the parse after the last block.
private final class BlockChannel: @unchecked Sendable {
    static let batchSize = 64
    private static let capacity = 8  // Batches waiting: memory stays bounded on any feed.
    private let condition = NSCondition()
    private var batches: [[BlockElement]] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var spent: [[BlockElement]] = []

    /// Blocks while the queue is full; nil once the builder has stopped listening, else the
    /// batches the builder is done with, for the parser's thread to free.
    func send(_ batch: [BlockElement]) -> [[BlockElement]]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= Self.capacity && !cancelled { condition.wait() }
        guard !cancelled else { return nil }
        batches.append(batch)
        condition.broadcast()
        defer { spent = [] }
        return spent
    }

    /// A batch the builder has taken: freed on the parser's thread, whose allocations these are
    /// (freed on the builder's, every free contends for the parser's malloc arena lock).
    func recycle(_ batch: [BlockElement]) {
        condition.lock()
        defer { condition.unlock() }
        if !cancelled && !finished { spent.append(batch) }
    }

    func finish(with error: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        failure = error
        condition.broadcast()
    }

    /// The next batch; nil at the end; throws the parser's error after the last batch.
    func receive() throws -> [BlockElement]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        if !batches.isEmpty {
            condition.broadcast()
            return batches.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
    }
}
