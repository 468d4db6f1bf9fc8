/// A small element tree, built for one feed entry (or one feed-level block) at a time, so
/// memory stays bounded by the largest entry rather than the whole document.
struct XMLElement: ElementNavigation, Sendable {
    var namespaceURI: String
    var name: String
    /// The name folded to lower case: WebPI matched element names regardless of case
    /// (`cmdline`/`cmdLine`), and so does paddock.
    var key: String
    var attributes: [XMLAttribute]
    var children: [XMLElement]
    var text: String
    var line: Int
    var column: Int

    /// Text of this element and its descendants, trimmed: what a reader of
    /// `<startPage><!-- c --><startPage>x</startPage></startPage>` would want ("x").
    var trimmedText: String {
        var all = text
        for child in children { all += child.allText }
        return all.trimmingWhitespace()
    }

    private var allText: String {
        children.reduce(text) { $0 + $1.allText }
    }

    func attribute(_ name: String, namespace: String? = nil) -> String? {
        let folded = name.lowercased()
        return attributes.first {
            $0.name.lowercased() == folded && (namespace == nil || $0.namespaceURI == namespace)
        }?.value
    }

}

/// Finding children by folded name, shared by the two element types: `XMLElement` (small
/// documents read whole, and edited) and `BlockElement` (a feed's blocks).
protocol ElementNavigation {
    associatedtype Children: Collection where Children.Element == Self
    var key: String { get }
    var children: Children { get }
    var trimmedText: String { get }
}

extension ElementNavigation {
    func children(_ key: String) -> [Self] { children.filter { $0.key == key } }
    func child(_ key: String) -> Self? { children.first { $0.key == key } }
    func childText(_ key: String) -> String? {
        guard let child = child(key) else { return nil }
        let text = child.trimmedText
        return text.isEmpty ? nil : text
    }
}

extension XMLStream {
    /// Reads the element the stream stands on, with everything inside it, and leaves the
    /// stream on its end. Comments and processing instructions are dropped.
    func readElement() throws -> XMLElement {
        var root = XMLElement(
            namespaceURI: namespaceURI, name: localName, key: localKey,
            attributes: attributes(), children: [], text: "", line: nodeLine, column: 0)
        if isEmptyElement { return root }
        // A stack of open elements; each finished child is appended to its parent.
        var stack: [XMLElement] = [root]
        while try read() {
            switch kind {
            case .element:
                let element = XMLElement(
                    namespaceURI: namespaceURI, name: localName, key: localKey,
                    attributes: attributes(), children: [], text: "", line: nodeLine, column: 0)
                if isEmptyElement {
                    stack[stack.count - 1].children.append(element)
                } else {
                    stack.append(element)
                }
            case .text, .cdata, .significantWhitespace, .whitespace:
                stack[stack.count - 1].text += value
            case .endElement:
                let finished = stack.removeLast()
                if stack.isEmpty { return finished }
                stack[stack.count - 1].children.append(finished)
            case .entityReference:
                throw XMLSyntaxError(
                    file: fileLabel, line: line, column: column,
                    message: "entity reference '&\(localName);' is not allowed; paddock does not expand entities")
            default:
                continue
            }
        }
        root = stack.first ?? root
        throw syntaxError(fallback: "the document ends inside <\(root.name)>")
    }
}

extension String {
    /// Trims white space; ASCII white space is recognised without looking up Unicode
    /// properties (the common case in feeds), anything else falls back to `isWhitespace`.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C: return true
            case 0..<0x80: return false
            default: return Character(scalar).isWhitespace
            }
        }
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isSpace(scalars[start]) { start = scalars.index(after: start) }
        while end > start, isSpace(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        if start == scalars.startIndex && end == scalars.endIndex { return self }
        return String(scalars[start..<end])
    }
}
