import FeedModel

/// Reads a WebPI feed (with paddock's Linux extension) from a file or bytes, streaming:
/// each top-level block (an entry, the keyword list, ...) is read into a small tree,
/// turned into the model and dropped.
public enum FeedDocumentReader {
    /// Reads the feed at `path`; `label` names it in messages (defaults to the path).
    public static func read(path: String, label: String? = nil) throws -> Feed {
        let text = FeedText.file(path)
        try PrologCheck.check(text, label: label ?? path)
        let stream = try XMLStream(path: path, label: label ?? path)
        return try read(stream, text: text)
    }

    public static func read(bytes: [UInt8], label: String) throws -> Feed {
        let text = FeedText.bytes(bytes)
        try PrologCheck.check(text, label: label)
        let stream = try XMLStream(bytes: bytes, label: label)
        return try read(stream, text: text)
    }

    /// Reads the document, then fills in the columns of messages about elements (see FeedText).
    static func read(_ stream: XMLStream, text: FeedText) throws -> Feed {
        do {
            var feed = try readDocument(stream)
            let pending = feed.warnings.indices.filter { feed.warnings[$0].column == 0 && feed.warnings[$0].line > 0 }
            if !pending.isEmpty {
                let columns = text.columns(for: pending.map { (feed.warnings[$0].line, feed.warnings[$0].elementName) })
                for (index, column) in zip(pending, columns) { feed.warnings[index].column = column }
            }
            return feed
        } catch let error as ElementError {
            let column = text.columns(for: [(error.line, error.elementName)])[0]
            throw XMLSyntaxError(file: stream.fileLabel, line: error.line, column: column, message: error.message)
        }
    }

    static func readDocument(_ stream: XMLStream) throws -> Feed {
        var builder = FeedBuilder(file: stream.fileLabel)
        try moveToRoot(stream)
        let rootDepth = stream.depth
        if stream.isEmptyElement { return builder.finish() }
        while try stream.read() {
            guard stream.kind == .element else {
                if stream.kind == .endElement, stream.depth == rootDepth { break }
                if stream.kind == .entityReference { throw entityError(stream) }
                continue
            }
            let element = try stream.readElement()
            try builder.take(element)
        }
        // Anything after the root's end (a second root, junk) must still be well-formed.
        while try stream.read() {}
        return builder.finish()
    }

    /// Refuses a DOCTYPE before the parser can do anything with it, and checks the root.
    private static func moveToRoot(_ stream: XMLStream) throws {
        while try stream.read() {
            switch stream.kind {
            case .documentType:
                throw XMLSyntaxError(
                    file: stream.fileLabel, line: stream.line, column: stream.column,
                    message: "the feed has a DOCTYPE; paddock refuses DTDs, entities and external references in feeds: remove the <!DOCTYPE ...> declaration")
            case .element:
                guard stream.localName.lowercased() == "feed" else {
                    throw ElementError(
                        line: stream.nodeLine, elementName: stream.localName,
                        message: "the root element is <\(stream.localName)>, not <feed>: this is not a WebPI feed")
                }
                return
            default:
                continue
            }
        }
        throw stream.syntaxError(fallback: "the document is empty: a feed needs a <feed> root element")
    }

    private static func entityError(_ stream: XMLStream) -> XMLSyntaxError {
        XMLSyntaxError(
            file: stream.fileLabel, line: stream.line, column: stream.column,
            message: "entity reference '&\(stream.localName);' is not allowed; paddock does not expand entities")
    }
}
