/// One top-level block of a feed (an entry, the keyword list, ...) as the SAX reader builds it:
/// flat arrays instead of a tree of values, so that building a block costs a few appends per
/// element rather than several heap allocations, and dropping it frees four arrays.
///
/// Elements are numbered in document order; each element's children are a contiguous run of
/// `childIndexes` (written when the element closes), its text a run of `bytes` (made a String
/// only when asked for), its attributes a run of `attributes`.
final class BlockTree: @unchecked Sendable {
    /// Plain integers only: building a block appends these by the million, and a struct without
    /// references is copied as bytes (no reference counting).
    struct Node {
        /// Index in `names`.
        var name: Int32
        var namespace: Int32
        var line: Int32
        var childStart: Int32 = 0
        var childCount: Int32 = 0
        var textStart: Int32 = 0
        var textCount: Int32 = 0
        var attributeStart: Int32
        var attributeCount: Int32 = 0
    }

    struct Attribute {
        /// Index in `names`.
        var name: Int32
        var namespace: Int32
        var valueStart: Int32
        var valueCount: Int32
    }

    // Constants once built (the reader fills them in and hands them over): reads from another
    // thread need no locks, and `let` properties of a class need no exclusivity checks.
    let nodes: [Node]
    let childIndexes: [Int32]
    let attributes: [Attribute]
    let bytes: [UInt8]
    /// Namespace URIs used in this block; nodes and attributes hold an index.
    let namespaces: [String]
    /// What each of `namespaces` is to the builder.
    let namespaceKinds: [FeedNamespace.Kind]
    /// The element and attribute names this block uses; nodes and attributes hold an index.
    let names: [Name]

    /// A name as written, and folded to lower case.
    struct Name {
        let name: String
        let key: String
    }

    init(nodes: [Node], childIndexes: [Int32], attributes: [Attribute], bytes: [UInt8], namespaces: [String], names: [Name]) {
        self.nodes = nodes
        self.childIndexes = childIndexes
        self.attributes = attributes
        self.bytes = bytes
        self.namespaces = namespaces
        self.namespaceKinds = namespaces.map(FeedNamespace.Kind.init(uri:))
        self.names = names
    }

    var root: BlockElement { BlockElement(tree: self, index: 0) }

    func string(_ start: Int32, _ count: Int32) -> String {
        guard count > 0 else { return "" }
        return bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[Int(start)..<Int(start + count)]), as: UTF8.self)
        }
    }
}

/// An element of a `BlockTree`: a tree and an index, cheap to copy. What the feed builder reads.
struct BlockElement: ElementNavigation, Sendable {
    let tree: BlockTree
    let index: Int32

    private var node: BlockTree.Node { tree.nodes[Int(index)] }

    var name: String { tree.names[Int(node.name)].name }
    /// The name folded to lower case: WebPI matched element names regardless of case
    /// (`cmdline`/`cmdLine`), and so does paddock.
    var key: String { tree.names[Int(node.name)].key }
    var namespaceURI: String { tree.namespaces[Int(node.namespace)] }
    var namespaceKind: FeedNamespace.Kind { tree.namespaceKinds[Int(node.namespace)] }
    var line: Int { Int(node.line) }

    /// The element's own text (pieces around child elements joined), untrimmed.
    var text: String {
        let node = node
        return tree.string(node.textStart, node.textCount)
    }

    var children: Children { Children(tree: tree, start: Int(node.childStart), count: Int(node.childCount)) }

    /// Text of this element and its descendants, trimmed: what a reader of
    /// `<startPage><!-- c --><startPage>x</startPage></startPage>` would want ("x").
    var trimmedText: String {
        let node = node
        guard node.childCount == 0 else {
            var all: [UInt8] = []
            appendAllText(to: &all)
            return String(decoding: all, as: UTF8.self).trimmingWhitespace()
        }
        // The usual case: one run of bytes, trimmed of ASCII space before it becomes a String.
        var start = Int(node.textStart)
        var end = start + Int(node.textCount)
        let bytes = tree.bytes
        while start < end, Self.isASCIISpace(bytes[start]) { start += 1 }
        while end > start, Self.isASCIISpace(bytes[end - 1]) { end -= 1 }
        let text = tree.string(Int32(start), Int32(end - start))
        // Other white space (a no-break space, say) is rare: the String's own trimming handles it.
        if start < end, bytes[start] >= 0x80 || bytes[end - 1] >= 0x80 { return text.trimmingWhitespace() }
        return text
    }

    private func appendAllText(to all: inout [UInt8]) {
        let node = node
        all.append(contentsOf: tree.bytes[Int(node.textStart)..<Int(node.textStart + node.textCount)])
        for child in children { child.appendAllText(to: &all) }
    }

    private static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    /// The value of an attribute, by name regardless of case (and namespace, when given).
    func attribute(_ name: String, namespace: String? = nil) -> String? {
        let node = node
        guard node.attributeCount > 0 else { return nil }
        let folded = name.lowercased()
        for position in Int(node.attributeStart)..<Int(node.attributeStart + node.attributeCount) {
            let attribute = tree.attributes[position]
            guard tree.names[Int(attribute.name)].key == folded else { continue }
            if let namespace, tree.namespaces[Int(attribute.namespace)] != namespace { continue }
            return tree.string(attribute.valueStart, attribute.valueCount)
        }
        return nil
    }

    /// The children of an element, in document order.
    struct Children: RandomAccessCollection {
        let tree: BlockTree
        let start: Int
        let count: Int
        var startIndex: Int { 0 }
        var endIndex: Int { count }
        subscript(position: Int) -> BlockElement {
            BlockElement(tree: tree, index: tree.childIndexes[start + position])
        }
    }
}
