import CLibXML2
import Glibc

/// Reads a document through libxml2's SAX2 push parser and hands over each child of the root
/// element as a small tree (a "block": an entry, the keyword list, ...), in document order.
///
/// Why not `XMLStream` (xmlTextReader) for feeds: the reader builds libxml2's own tree for every
/// node and frees it again, then `readElement` copies it into Swift values. SAX callbacks build the
/// Swift tree directly: on a 400 MB feed libxml2 alone takes 0.8 s through SAX against 1.65 s for
/// `xmllint --stream`, and the copy goes. The same safe options apply (no network, no entity
/// substitution, no DTD loading); the errors are libxml2's, caught the same way.
final class XMLBlockParser {
    let fileLabel: String
    /// The callbacks' state, behind a pointer: the callbacks run millions of times, and a class's
    /// stored properties would pay a dynamic exclusivity check on every access.
    private let events: UnsafeMutablePointer<BlockEvents>

    /// libxml2 refuses a text node over 10 MB without `XML_PARSE_HUGE`; SAX has no such limit,
    /// so the same one is kept here, for each run of text between tags.
    static let maximumTextBytes = 10_000_000
    /// A block (an entry) is held whole while it is read, so its size is capped too: its text
    /// and attribute values together, and its elements and attributes by count (each costs a
    /// node of its own). The largest real entries are a few KB; Microsoft's whole 2012 feed of
    /// 99 applications is 400 KB. Without the cap an entry of 360 MB of attributes took 1.15 GB.
    static let maximumBlockBytes = 64 << 20
    static let maximumBlockItems = 1_000_000
    /// libxml2's tree builder stops at 256 levels of nesting ("Excessive depth in document");
    /// its push parser has no such check, and the trees are built and freed recursively.
    static let maximumDepth = 256
    static let chunkSize = 1 << 20

    init(label: String) {
        fileLabel = label
        events = .allocate(capacity: 1)
        events.initialize(to: BlockEvents(label: label))
    }

    deinit {
        if let context = events.pointee.context {
            if let document = context.pointee.myDoc { xmlFreeDoc(document) }
            xmlFreeParserCtxt(context)
        }
        events.deinitialize(count: 1)
        events.deallocate()
    }

    /// Parses `source` to the end. `root` is called with the root element's name and line
    /// (it may throw to refuse the document); `block` with each child of the root, and returns
    /// false to stop the parse. Throws the first error: libxml2's with its line and column, or a
    /// refusal.
    func parse(
        _ source: XMLSource, root: @escaping (String, Int) throws -> Void, block: @escaping (BlockElement) -> Bool
    ) throws {
        events.pointee.checkRoot = root
        events.pointee.onBlock = block
        switch source {
        case .file(let path):
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw XMLSyntaxError(file: fileLabel, line: 0, column: 0, message: "cannot open the file for reading")
            }
            defer { close(descriptor) }
            var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
            while !events.pointee.isDone {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw XMLSyntaxError(file: fileLabel, line: 0, column: 0, message: "cannot read the file: \(String(cString: strerror(errno)))")
                }
                if count == 0 { break }
                buffer.withUnsafeBytes { push(UnsafeRawBufferPointer(rebasing: $0[0..<count]), last: false) }
            }
        case .bytes(let bytes):
            bytes.withUnsafeBytes { all in
                var start = 0
                while start < all.count, !events.pointee.isDone {
                    let end = min(all.count, start + Self.chunkSize)
                    push(UnsafeRawBufferPointer(rebasing: all[start..<end]), last: false)
                    start = end
                }
            }
        }
        if !events.pointee.isDone { push(UnsafeRawBufferPointer(start: nil, count: 0), last: true) }
        let state = events.pointee
        if state.stopped { return }
        if let refusal = state.refusal { throw refusal }
        if state.sink.first != nil || state.context?.pointee.wellFormed == 0 {
            throw syntaxError(fallback: "the document is not well-formed XML")
        }
        if let status = state.failedStatus {
            // libxml2 stopped without reporting through the context (bytes its decoder rejects).
            throw syntaxError(
                fallback: "the reading stopped here (libxml2 error \(status)): the bytes do not match the encoding the feed declares, or are not XML; save the feed as UTF-8 and check this place")
        }
        if !state.sawRoot { throw syntaxError(fallback: "the document is empty: a feed needs a <feed> root element") }
    }

    /// libxml2's first error, or where the parser stands for a message it did not place.
    private func syntaxError(fallback: String) -> XMLSyntaxError {
        if let first = events.pointee.sink.first {
            // libxml2's decoder stops at a byte the declared encoding does not allow and says so
            // only on stderr; the parse then ends there as if the file did.
            if events.pointee.decoderStopped {
                return XMLSyntaxError(
                    file: fileLabel, line: first.line, column: first.column,
                    message: "the bytes here are not valid \(events.pointee.declaredEncoding); save the feed as UTF-8, or declare the encoding it is written in")
            }
            // At the end of the input libxml2's push parser calls an unclosed element "extra
            // content"; with elements still open, the file was cut short.
            if first.message.hasPrefix("Extra content at the end of the document"), let open = events.pointee.innermostOpenElement {
                return XMLSyntaxError(
                    file: fileLabel, line: first.line, column: first.column,
                    message: "the file ends inside <\(open)>: it may be truncated, fetch or copy it again")
            }
            return XMLSyntaxError(
                file: fileLabel, line: first.line, column: first.column, message: XMLStream.explain(first.message, atEnd: false))
        }
        let position = events.pointee.position
        return XMLSyntaxError(file: fileLabel, line: position.line, column: position.column, message: fallback)
    }

    private func push(_ bytes: UnsafeRawBufferPointer, last: Bool) {
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        guard let context = events.pointee.context else {
            // The first bytes create the parser, which detects the encoding from them.
            var handler = Self.makeHandler()
            let created = xmlCreatePushParserCtxt(&handler, UnsafeMutableRawPointer(events), base, Int32(bytes.count), fileLabel)
            guard let created else {
                events.pointee.refusal = XMLSyntaxError(file: fileLabel, line: 0, column: 0, message: "cannot start the XML parser")
                return
            }
            events.pointee.context = created
            xmlCtxtUseOptions(created, safeParseOptions)
            if last { events.pointee.note(xmlParseChunk(created, nil, 0, 1)) }
            return
        }
        events.pointee.note(xmlParseChunk(context, base, Int32(bytes.count), last ? 1 : 0))
    }

    // MARK: - The C handler

    private static func events(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<BlockEvents> {
        context!.assumingMemoryBound(to: BlockEvents.self)
    }

    /// The callbacks, made per parse (a C struct of function pointers: cheap, and no shared state).
    private static func makeHandler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        handler.initialized = XML_SAX2_MAGIC
        handler.startElementNs = { context, localName, _, uri, _, _, attributeCount, _, attributes in
            XMLBlockParser.events(context).pointee.startElement(localName, uri, Int(attributeCount), attributes)
        }
        handler.endElementNs = { context, _, _, _ in XMLBlockParser.events(context).pointee.endElement() }
        handler.characters = { context, bytes, count in XMLBlockParser.events(context).pointee.characters(bytes, Int(count)) }
        // No cdataBlock: XML_PARSE_NOCDATA clears it, and CDATA arrives through `characters`.
        // PrologCheck refuses a DOCTYPE before parsing starts; this is the second line of defence.
        handler.internalSubset = { context, _, _, _ in XMLBlockParser.events(context).pointee.refuseDoctype() }
        handler.serror = { context, error in
            guard let context else { return }
            let sink = XMLBlockParser.events(context).pointee.sink
            collectError(UnsafeMutableRawPointer(Unmanaged.passUnretained(sink).toOpaque()), error)
        }
        return handler
    }
}

/// Where a document's bytes come from.
enum XMLSource {
    case file(String)
    case bytes([UInt8])
}

/// What the SAX callbacks build: the open block's elements, the text not yet made a String,
/// and how the parse ended.
private struct BlockEvents {
    let label: String
    var context: xmlParserCtxtPtr?
    let sink = ErrorSink()
    /// Set by a callback that refuses the document (not a feed, a DOCTYPE, text too long).
    var refusal: (any Error)?
    /// Set when the consumer stopped listening: the parse ends quietly.
    var stopped = false
    var sawRoot = false
    var onBlock: (BlockElement) -> Bool = { _ in true }
    var checkRoot: (_ name: String, _ line: Int) throws -> Void = { _, _ in }

    /// Open elements: the root is depth 1 and is not kept; `open` holds the open block's path
    /// (indexes in `nodes`), with each level's children so far in the buffer of the same level
    /// (kept from block to block, so they are allocated once).
    private var depth = 0
    private var open: [Int32] = []
    private var openChildren: [[Int32]] = []
    /// The open block's tree as it grows, handed over as a `BlockTree` when the block closes.
    private var nodes: [BlockTree.Node] = []
    private var childIndexes: [Int32] = []
    private var attributes: [BlockTree.Attribute] = []
    private var bytes: [UInt8] = []
    private var namespaces: [String] = []
    /// Text goes straight into `bytes` while the innermost element has no child (a leaf, the
    /// usual case), from `directStart` on. An element's text after a child has started (mixed
    /// content, rare) is kept in `openText` at its level and copied when the element closes.
    private var directStart = 0
    private var openText: [[UInt8]] = []
    /// Where the innermost element's current run of text in `openText` (since its last tag) starts.
    private var runStart = 0
    private var names = InternedNames()
    /// The current block's namespaces, by libxml2's interned pointer (a block uses one to three).
    private var namespacePointers: [(pointer: UnsafeRawPointer?, index: Int32)] = []

    init(label: String) {
        self.label = label
        open.reserveCapacity(16)
    }

    /// A failure libxml2 returned without reporting it through the context.
    private(set) var failedStatus: Int32?
    private var rootName = ""

    var isDone: Bool { stopped || refusal != nil || sink.first != nil || failedStatus != nil }

    /// Keeps what `xmlParseChunk` returned when nothing else explains a stop.
    mutating func note(_ status: Int32) {
        if status != 0, !stopped, refusal == nil, sink.first == nil { failedStatus = status }
    }

    /// Whether libxml2's decoder stopped on bytes the declared encoding does not allow: it
    /// leaves them undecoded (or marks the buffer) and reports it only on stderr.
    var decoderStopped: Bool {
        guard let buffer = context?.pointee.input?.pointee.buf else { return false }
        if buffer.pointee.error != 0 { return true }
        guard buffer.pointee.encoder != nil, let raw = buffer.pointee.raw else { return false }
        return xmlBufUse(raw) > 0
    }

    var declaredEncoding: String {
        guard let encoding = context?.pointee.encoding else { return "in the feed's encoding" }
        return String(cString: encoding)
    }

    /// The name of the innermost element still open (nil when the root was closed or never opened).
    var innermostOpenElement: String? {
        if let last = open.last { return names.blockNames[Int(nodes[Int(last)].name)].name }
        return depth >= 1 ? rootName : nil
    }

    var position: (line: Int, column: Int) {
        guard let context else { return (0, 0) }
        return (Int(xmlSAX2GetLineNumber(UnsafeMutableRawPointer(context))), Int(xmlSAX2GetColumnNumber(UnsafeMutableRawPointer(context))))
    }

    private var line: Int { Int(context?.pointee.input.pointee.line ?? 0) }

    private func stop() {
        if let context { xmlStopParser(context) }
    }

    mutating func startElement(
        _ localName: UnsafePointer<xmlChar>?, _ uri: UnsafePointer<xmlChar>?, _ attributeCount: Int,
        _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        depth += 1
        endRunBeforeChild()
        let global = names.global(localName)
        guard depth <= XMLBlockParser.maximumDepth else {
            refuse("elements are nested more than \(XMLBlockParser.maximumDepth) deep here (<\(names.name(global))>); this is not a feed paddock reads: check the file")
            return
        }
        if depth == 1 {
            rootName = names.name(global)
            sawRoot = true
            do { try checkRoot(rootName, line) } catch {
                refusal = error
                stop()
            }
            return
        }
        if depth == 2 { namespacePointers.removeAll(keepingCapacity: true) }
        let index = Int32(nodes.count)
        var node = BlockTree.Node(
            name: names.inBlock(global), namespace: namespaceIndex(uri), line: Int32(clamping: line),
            attributeStart: Int32(self.attributes.count))
        if attributeCount > 0, let attributes {
            for position in 0..<attributeCount {
                // Five pointers per attribute: local name, prefix, URI, value start, value end.
                let base = position * 5
                guard let valueStart = attributes[base + 3], let valueEnd = attributes[base + 4] else { continue }
                let start = Int32(bytes.count)
                Self.appendAttributeValue(UnsafeBufferPointer(start: valueStart, count: valueEnd - valueStart), to: &bytes)
                self.attributes.append(
                    BlockTree.Attribute(
                        name: names.inBlock(names.global(attributes[base])), namespace: namespaceIndex(attributes[base + 2]),
                        valueStart: start, valueCount: Int32(bytes.count) - start))
                node.attributeCount += 1
            }
        }
        guard bytes.count <= XMLBlockParser.maximumBlockBytes, nodes.count + self.attributes.count < XMLBlockParser.maximumBlockItems else {
            refuse("an entry is larger than 64 MB or holds more than a million elements and attributes (here, <\(names.name(global))>); this is not a feed paddock reads: check the file")
            return
        }
        nodes.append(node)
        let level = open.count
        if level > 0 { openChildren[level - 1].append(index) }
        open.append(index)
        if openChildren.count == level {
            openChildren.append([])
            openText.append([])
        }
        directStart = bytes.count
        runStart = 0
    }

    private mutating func namespaceIndex(_ uri: UnsafePointer<xmlChar>?) -> Int32 {
        let pointer = uri.map(UnsafeRawPointer.init)
        for known in namespacePointers where known.pointer == pointer { return known.index }
        let index = Int32(namespaces.count)
        namespaces.append(uri.map { String(cString: $0) } ?? "")
        namespacePointers.append((pointer, index))
        return index
    }

    mutating func endElement() {
        defer { depth -= 1 }
        guard depth >= 2, let index = open.last else { return }
        let level = open.count - 1
        if openChildren[level].isEmpty {
            // A leaf: its text is in place; white space alone is no text.
            if Self.isAllBlank(bytes[directStart...]) { bytes.removeSubrange(directStart...) }
            nodes[Int(index)].textStart = Int32(directStart)
            nodes[Int(index)].textCount = Int32(bytes.count - directStart)
        } else {
            endBufferedRun(level)
            nodes[Int(index)].textStart = Int32(bytes.count)
            nodes[Int(index)].textCount = Int32(openText[level].count)
            bytes.append(contentsOf: openText[level])
            nodes[Int(index)].childStart = Int32(childIndexes.count)
            nodes[Int(index)].childCount = Int32(openChildren[level].count)
            childIndexes.append(contentsOf: openChildren[level])
            openText[level].removeAll(keepingCapacity: true)
            openChildren[level].removeAll(keepingCapacity: true)
        }
        open.removeLast()
        if level > 0 {
            runStart = openText[level - 1].count  // The parent's next run begins after this child.
            return
        }
        let tree = BlockTree(
            nodes: nodes, childIndexes: childIndexes, attributes: attributes, bytes: bytes, namespaces: namespaces,
            names: names.takeBlockNames())
        // Fresh buffers for the next block, sized like this one (the tree keeps these).
        nodes = []
        nodes.reserveCapacity(tree.nodes.count)
        childIndexes = []
        childIndexes.reserveCapacity(tree.childIndexes.count)
        attributes = []
        attributes.reserveCapacity(tree.attributes.count)
        bytes = []
        bytes.reserveCapacity(tree.bytes.count)
        namespaces = []
        if !onBlock(tree.root) {
            stopped = true
            stop()
        }
    }

    mutating func characters(_ text: UnsafePointer<xmlChar>?, _ count: Int) {
        guard let level = open.indices.last, let text, count > 0 else { return }
        let direct = openChildren[level].isEmpty
        let run = direct ? bytes.count - directStart : openText[level].count - runStart
        guard run + count <= XMLBlockParser.maximumTextBytes else {
            refuse("the text of <\(innermostOpenElement ?? "")> is longer than 10 MB; this is not a feed paddock reads: check the file")
            return
        }
        guard bytes.count + openText[level].count + count <= XMLBlockParser.maximumBlockBytes else {
            refuse("an entry is larger than 64 MB or holds more than a million elements and attributes (here, <\(innermostOpenElement ?? "")>); this is not a feed paddock reads: check the file")
            return
        }
        if direct {
            bytes.append(contentsOf: UnsafeBufferPointer(start: text, count: count))
        } else {
            openText[level].append(contentsOf: UnsafeBufferPointer(start: text, count: count))
        }
    }

    /// Ends the innermost element's run of text as a child element starts. White space before an
    /// element's first text is dropped, as `XML_PARSE_NOBLANKS` drops it when libxml2 builds a
    /// tree (its check needs the tree, so in SAX mode libxml2 hands all of it over): the
    /// indentation between child elements, about half the text of a pretty-printed feed. Mixed
    /// text (`<summary>a <b>b</b> c</summary>`) keeps its spaces.
    private mutating func endRunBeforeChild() {
        guard let level = open.indices.last else { return }
        if openChildren[level].isEmpty {
            // The element's first child: text read so far moves out of the way of the child's.
            if !Self.isAllBlank(bytes[directStart...]) { openText[level].append(contentsOf: bytes[directStart...]) }
            bytes.removeSubrange(directStart...)
            runStart = openText[level].count
        } else {
            endBufferedRun(level)
        }
    }

    private mutating func endBufferedRun(_ level: Int) {
        if runStart == 0, !openText[level].isEmpty, Self.isAllBlank(openText[level][...]) {
            openText[level].removeAll(keepingCapacity: true)
        }
        runStart = openText[level].count
    }

    private static func isAllBlank(_ text: ArraySlice<UInt8>) -> Bool {
        text.allSatisfy(isBlank)
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
    }

    mutating func refuseDoctype() {
        refuse(PrologCheck.doctypeMessage, column: 1)
    }

    /// Ends the parse with `message` at the parser's place (or at `column` of its line).
    private mutating func refuse(_ message: String, column: Int? = nil) {
        let position = position
        refusal = XMLSyntaxError(file: label, line: position.line, column: column ?? position.column, message: message)
        stop()
    }

    /// Without entity substitution libxml2 hands SAX an attribute's `&amp;` (and `&#38;`) as
    /// `&#38;`, for a tree builder to decode; every other reference arrives decoded.
    static func appendAttributeValue(_ value: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        guard value.contains(UInt8(ascii: "&")) else {
            bytes.append(contentsOf: value)
            return
        }
        bytes.append(contentsOf: decodeAmpersands(String(decoding: value, as: UTF8.self)).utf8)
    }

    static func decodeAmpersands(_ value: String) -> String {
        guard value.utf8.contains(UInt8(ascii: "&")) else { return value }
        return value.replacingOccurrences(of: "&#38;", with: "&")
    }
}

/// Swift strings for libxml2's interned names. The parser's dictionary gives each distinct name
/// one pointer, so a small table indexed by the pointer's bits answers without hashing the text.
/// Names are numbered twice: once for the whole parse, and once within the open block, whose
/// nodes hold the block's numbers and whose tree gets the block's names (a few dozen: the work
/// per block stays in proportion to the block, however many names the document uses).
private struct InternedNames {
    private static let slots = 512
    private var table = [(pointer: UnsafeRawPointer?, global: Int32)](repeating: (nil, 0), count: slots)
    private var overflow: [UnsafeRawPointer: Int32] = [:]
    /// By global number; 0 is the empty name (a null pointer).
    private var all: [BlockTree.Name] = [BlockTree.Name(name: "", key: "")]
    /// By global number: the number in the open block, or -1.
    private var numberInBlock: [Int32] = [-1]
    private(set) var blockNames: [BlockTree.Name] = []
    private var blockGlobals: [Int32] = []

    mutating func global(_ pointer: UnsafePointer<xmlChar>?) -> Int32 {
        guard let pointer else { return 0 }
        let raw = UnsafeRawPointer(pointer)
        // Dictionary entries are at least 8-byte aligned; the bits above are spread enough.
        let slot = Int(truncatingIfNeeded: UInt(bitPattern: raw) >> 3) & (Self.slots - 1)
        if table[slot].pointer == raw { return table[slot].global }
        if let known = overflow[raw] { return known }
        let name = String(cString: pointer)
        let global = Int32(all.count)
        all.append(BlockTree.Name(name: name, key: name.lowercased()))
        numberInBlock.append(-1)
        if table[slot].pointer == nil {
            table[slot] = (raw, global)
        } else {
            overflow[raw] = global
        }
        return global
    }

    func name(_ global: Int32) -> String { all[Int(global)].name }

    /// The name's number in the open block.
    mutating func inBlock(_ global: Int32) -> Int32 {
        let known = numberInBlock[Int(global)]
        if known >= 0 { return known }
        let number = Int32(blockNames.count)
        numberInBlock[Int(global)] = number
        blockNames.append(all[Int(global)])
        blockGlobals.append(global)
        return number
    }

    /// The open block's names, for its tree; the next block numbers afresh.
    mutating func takeBlockNames() -> [BlockTree.Name] {
        for global in blockGlobals { numberInBlock[Int(global)] = -1 }
        blockGlobals.removeAll(keepingCapacity: true)
        let names = blockNames
        blockNames = []
        blockNames.reserveCapacity(names.count)
        return names
    }
}
