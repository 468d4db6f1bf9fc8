import FeedModel
import Foundation
import PaddockBasics
import Synchronization

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
        let channel = BoundedChannel<[BlockElement], any Error>(capacity: Self.batchesWaiting)
        let spent = SpentBatches()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            let failure = Self.readBlocks(source, label: label, into: channel, spent: spent)
            spent.close()
            channel.finish(throwing: failure)
        }
        thread.stackSize = 8 << 20
        thread.start()
        defer {
            channel.cancel()
            done.wait()
        }
        while let batch = try channel.receive() {
            for element in batch { try builder.take(element) }
            spent.add(batch)
        }
        return builder.finish()
    }

    /// Blocks per batch handed over, and batches waiting at most: memory stays bounded on any feed.
    static let batchSize = 64
    static let batchesWaiting = 8

    /// The parser's side: reads the root's children into trees and hands them over in
    /// batches; returns the error that ended the reading, if any, after the blocks before it.
    private static func readBlocks(
        _ source: XMLSource, label: String, into channel: BoundedChannel<[BlockElement], any Error>, spent: SpentBatches
    ) -> (any Error)? {
        let parser = XMLBlockParser(label: label)
        var batch: [BlockElement] = []
        batch.reserveCapacity(batchSize)
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
                    guard batch.count == batchSize else { return true }
                    guard channel.send(batch) else {
                        listening = false  // The builder stopped.
                        return false
                    }
                    batch.removeAll(keepingCapacity: true)
                    var used = spent.takeAll()
                    used.removeAll()  // The builder's used trees are freed here, off its thread.
                    return true
                })
        } catch {
            failure = error
        }
        if listening, !batch.isEmpty { channel.send(batch) }
        return failure
    }
}

/// Batches the builder has taken, handed back to be freed on the parser's thread, whose
/// allocations they are (freed on the builder's, every free contends for the parser's malloc
/// arena lock). Not a channel: nobody waits for it, the parser takes whatever is there after
/// each send; so a Mutex alone. Once the parser is done, the builder frees its batches itself.
private final class SpentBatches: Sendable {
    private let state = Mutex<(batches: [[BlockElement]], open: Bool)>(([], true))

    func add(_ batch: [BlockElement]) {
        state.withLock { state in
            if state.open { state.batches.append(batch) }
        }
    }

    func takeAll() -> [[BlockElement]] {
        state.withLock { state in
            defer { state.batches = [] }
            return state.batches
        }
    }

    func close() {
        let left = state.withLock { state in
            state.open = false
            defer { state.batches = [] }
            return state.batches
        }
        _ = consume left  // Freed here, on the parser's thread, outside the lock.
    }
}
