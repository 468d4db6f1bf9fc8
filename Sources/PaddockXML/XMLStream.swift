import PaddockBasics
import CLibXML2

/// Options every paddock parse uses: never touch the network, never substitute entities,
/// never load an external DTD. `XML_PARSE_HUGE` is left off so libxml2 keeps its limits
/// on text size and depth.
/// `XML_PARSE_BIG_LINES` keeps line numbers right past 65,535 (large feeds).
/// `XML_PARSE_NOBLANKS` drops the indentation between elements in the parser (about half the
/// nodes of a pretty-printed feed; a tenth of a large feed's load time). libxml2 only drops
/// white space between an element's child elements when the element's first child is not text,
/// so mixed text such as `<summary>a <b>b</b> c</summary>` keeps its spaces; what the readers
/// take (trimmed text) only changes for text nested under such an element inside other text.
let safeParseOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_NOBLANKS.rawValue)

/// An error found while reading XML, at a place in a file.
public struct XMLSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COLUMN: what is wrong`, the form compilers use, so editors can jump to it.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// Collects the first error libxml2 reports, instead of letting it print to stderr.
final class ErrorSink {
    var first: (line: Int, column: Int, message: String)?
}

func collectError(_ context: UnsafeMutableRawPointer?, _ error: UnsafePointer<xmlError>?) {
    guard let context, let error else { return }
    let sink = Unmanaged<ErrorSink>.fromOpaque(context).takeUnretainedValue()
    guard sink.first == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
    var message = error.pointee.message.map { String(cString: $0) } ?? "malformed XML"
    while message.last?.isNewline == true || message.last == " " { message.removeLast() }
    // libxml2 puts some details on a line of their own ("…, indicate encoding !\nBytes: 0xFF"):
    // an error is one line, so they follow after a semicolon.
    message = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
    sink.first = (Int(error.pointee.line), Int(error.pointee.int2), message)
}

/// A node of the stream, as libxml2's text reader reports it.
enum XMLNodeKind: Int32 {
    case element = 1, attribute = 2, text = 3, cdata = 4, entityReference = 5, entity = 6
    case processingInstruction = 7, comment = 8, document = 9, documentType = 10
    case documentFragment = 11, notation = 12, whitespace = 13, significantWhitespace = 14
    case endElement = 15, endEntity = 16, xmlDeclaration = 17
}

/// An owning wrapper of `xmlTextReader`: a pull parser that never holds the whole document.
final class XMLStream {
    private let reader: xmlTextReaderPtr
    private let sink = ErrorSink()
    let fileLabel: String
    /// libxml2 interns names in a dictionary, so a name's pointer identifies it; caching the
    /// Swift string per pointer avoids converting the same few dozen names millions of times.
    private var nameCache: [UnsafeRawPointer: String] = [:]
    private var keyCache: [UnsafeRawPointer: String] = [:]

    init(path: String, label: String) throws {
        guard let reader = xmlReaderForFile(path, nil, safeParseOptions) else {
            if let error = PrologCheck.unreadable(path, label: label) { throw error }
            throw XMLSyntaxError(file: label, line: 0, column: 0, message: "cannot open the file for reading")
        }
        self.reader = reader
        self.fileLabel = label
        installErrorHandler()
    }

    init(bytes: [UInt8], label: String) throws {
        let created: xmlTextReaderPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                // xmlReaderForMemory does not copy: `bytes` must outlive the reader, so keep it.
                xmlReaderForMemory($0, Int32(buffer.count), label, nil, safeParseOptions)
            }
        }
        guard let created else {
            throw XMLSyntaxError(file: label, line: 0, column: 0, message: "cannot read the document")
        }
        self.reader = created
        self.fileLabel = label
        self.retainedBytes = bytes
        installErrorHandler()
    }

    private var retainedBytes: [UInt8] = []

    private func installErrorHandler() {
        xmlTextReaderSetStructuredErrorHandler(
            reader,
            { context, error in collectError(context, error) },
            Unmanaged.passUnretained(sink).toOpaque())
    }

    deinit {
        xmlFreeTextReader(reader)
    }

    /// Advances to the next node; false at the end of the document. Throws the first
    /// well-formedness error with its line and column.
    func read() throws -> Bool {
        let status = xmlTextReaderRead(reader)
        if status == 1 { return true }
        if status == 0, sink.first == nil { return false }
        throw syntaxError(fallback: "the document is not well-formed XML")
    }

    func syntaxError(fallback: String) -> XMLSyntaxError {
        if let first = sink.first {
            return XMLSyntaxError(
                file: fileLabel, line: first.line, column: first.column, message: Self.explain(first.message, atEnd: atEnd))
        }
        return XMLSyntaxError(file: fileLabel, line: line, column: column, message: fallback)
    }

    /// Whether the parser has consumed all input: an error there means the file was cut short.
    private var atEnd: Bool { xmlTextReaderReadState(reader) == Int32(XML_TEXTREADER_MODE_EOF.rawValue) }

    /// libxml2's words, with what the user can do about them.
    static func explain(_ message: String, atEnd: Bool) -> String {
        switch message {
        case "Document is empty", "Start tag expected, '<' not found":
            return "this is not XML (no element where the feed should start); check that the file is a feed"
        default:
            if message.hasPrefix("Premature end of data") || message.hasPrefix("EndTag: '</' not found") || atEnd {
                return "\(message): the file ends too early; it may be truncated, fetch or copy it again"
            }
            return "\(message): the feed is not well-formed XML; fix it at this place"
        }
    }

    var kind: XMLNodeKind? { XMLNodeKind(rawValue: xmlTextReaderNodeType(reader)) }
    var depth: Int { Int(xmlTextReaderDepth(reader)) }
    var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }
    /// The parser's position: where an error was found. The parser reads ahead of the node
    /// it hands out, so this is not where the current node starts (see `nodeLine`).
    var line: Int { Int(xmlTextReaderGetParserLineNumber(reader)) }
    /// The line on which the current node starts.
    var nodeLine: Int {
        guard let node = xmlTextReaderCurrentNode(reader) else { return line }
        return Int(xmlGetLineNo(node))
    }
    var column: Int { Int(xmlTextReaderGetParserColumnNumber(reader)) }

    var localName: String { interned(xmlTextReaderConstLocalName(reader)) }
    var namespaceURI: String { interned(xmlTextReaderConstNamespaceUri(reader)) }
    /// The local name folded to lower case, cached per interned name like the name itself.
    var localKey: String {
        guard let pointer = xmlTextReaderConstLocalName(reader) else { return "" }
        let key = UnsafeRawPointer(pointer)
        if let cached = keyCache[key] { return cached }
        let folded = interned(pointer).lowercased()
        keyCache[key] = folded
        return folded
    }

    var value: String {
        guard let value = xmlTextReaderConstValue(reader) else { return "" }
        return String(cString: value)
    }

    /// The attributes of the current element as (namespace, local name, value).
    func attributes() -> [XMLAttribute] {
        guard xmlTextReaderHasAttributes(reader) == 1 else { return [] }
        var result: [XMLAttribute] = []
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            if xmlTextReaderIsNamespaceDecl(reader) == 1 { continue }
            result.append(XMLAttribute(namespaceURI: namespaceURI, name: localName, value: value))
        }
        xmlTextReaderMoveToElement(reader)
        return result
    }

    private func interned(_ pointer: UnsafePointer<xmlChar>?) -> String {
        guard let pointer else { return "" }
        let key = UnsafeRawPointer(pointer)
        if let cached = nameCache[key] { return cached }
        let name = String(cString: pointer)
        nameCache[key] = name
        return name
    }
}

struct XMLAttribute: Hashable, Sendable {
    var namespaceURI: String
    var name: String
    var value: String
}

extension XMLSyntaxError: PaddockError {
    public var exitStatus: ExitStatus { .dataError }
}
