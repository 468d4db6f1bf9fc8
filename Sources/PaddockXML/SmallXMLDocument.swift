import FeedModel

/// A small XML file paddock reads whole (an app manifest, an engine file, a kind definition):
/// its prolog checked, libxml2's reader without network or entities, its root element as a
/// tree, and errors told as `FILE:LINE:COLUMN: message` at an element.
struct SmallXMLDocument {
    let file: String
    let text: FeedText
    /// The first element; nil when the file has none.
    let root: XMLElement?

    init(path: String, label: String?) throws {
        file = label ?? path
        text = FeedText.file(path)
        try PrologCheck.check(text, label: file)
        let stream = try XMLStream(path: path, label: file)
        var first: XMLElement?
        while try stream.read() {
            if stream.kind == .element {
                first = try stream.readElement()
                break
            }
        }
        while try stream.read() {}
        root = first
    }

    /// An error at `element`'s line and column.
    func fail(_ element: XMLElement, _ message: String) -> XMLSyntaxError {
        let column = text.columns(for: [(element.line, element.name)])[0]
        return XMLSyntaxError(file: file, line: element.line, column: column, message: message)
    }
}
