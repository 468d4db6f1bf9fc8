import Foundation

/// Where a feed's text comes from, kept so that messages can point at a column: the streaming
/// parser knows the line a node starts on, but not its column.
enum FeedText {
    case file(String)
    case bytes([UInt8])

    /// The first `limit` bytes: enough to check the prolog.
    func prefix(_ limit: Int) -> [UInt8] {
        switch self {
        case .bytes(let bytes): return Array(bytes.prefix(limit))
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
            defer { try? handle.close() }
            return [UInt8]((try? handle.read(upToCount: limit)) ?? Data())
        }
    }

    /// For each (line, element name), the 1-based column of `<name` (or `<prefix:name`) on that
    /// line, or 1 when it cannot be found. One pass over the text up to the last line asked for.
    func columns(for requests: [(line: Int, name: String)]) -> [Int] {
        guard let maxLine = requests.map(\.line).max(), maxLine > 0 else { return requests.map { _ in 1 } }
        var wanted: [Int: [UInt8]] = [:]
        for request in requests where wanted[request.line] == nil { wanted[request.line] = [] }
        var currentLine = 1
        var lineBytes: [UInt8] = []
        func consume(_ chunk: some Collection<UInt8>) -> Bool {
            for byte in chunk {
                if byte == 10 {
                    if wanted[currentLine] != nil { wanted[currentLine] = lineBytes }
                    currentLine += 1
                    lineBytes.removeAll(keepingCapacity: true)
                    if currentLine > maxLine { return false }
                } else if wanted[currentLine] != nil {
                    lineBytes.append(byte)
                }
            }
            return true
        }
        switch self {
        case .bytes(let bytes): _ = consume(bytes)
        case .file(let path):
            if let handle = FileHandle(forReadingAtPath: path) {
                while let data = try? handle.read(upToCount: 1 << 20), !data.isEmpty, consume(data) {}
                try? handle.close()
            }
        }
        if currentLine <= maxLine, wanted[currentLine] != nil { wanted[currentLine] = lineBytes }
        return requests.map { request in
            guard let bytes = wanted[request.line] else { return 1 }
            return Self.column(of: request.name, in: bytes)
        }
    }

    private static func column(of name: String, in line: [UInt8]) -> Int {
        let target = Array(name.utf8)
        var index = 0
        while index < line.count {
            if line[index] == UInt8(ascii: "<") {
                // Skip an optional namespace prefix, then compare the local name.
                var start = index + 1
                if let colon = line[start...].prefix(40).firstIndex(of: UInt8(ascii: ":")),
                    !line[start..<colon].contains(where: { $0 == 32 || $0 == UInt8(ascii: ">") })
                {
                    start = colon + 1
                }
                let end = start + target.count
                if end <= line.count, Array(line[start..<end]).lowercasedASCII == target.lowercasedASCII,
                    end == line.count || !isNameByte(line[end])
                {
                    return String(decoding: line[..<index], as: UTF8.self).count + 1
                }
            }
            index += 1
        }
        return 1
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 45 || byte == 95
            || byte == 46 || byte == 58
    }
}

extension Array where Element == UInt8 {
    var lowercasedASCII: [UInt8] { map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 } }
}

/// Checks the prolog before libxml2 sees the document: an empty file, and any DOCTYPE, are
/// refused here, so no DTD (internal or external) is ever parsed.
enum PrologCheck {
    /// Said wherever a DOCTYPE is found (here, or by the SAX reader's second line of defence).
    static let doctypeMessage =
        "the feed has a DOCTYPE; paddock refuses DTDs, entities and external references in feeds: remove the <!DOCTYPE ...> declaration"

    /// A file that is missing or cannot be opened, said so with its path (not as an empty file).
    static func unreadable(_ path: String, label: String) -> XMLSyntaxError? {
        guard !FileManager.default.isReadableFile(atPath: path) else { return nil }
        let why = FileManager.default.fileExists(atPath: path) ? "cannot be opened for reading" : "does not exist"
        // The label is usually the path itself; said once then.
        return XMLSyntaxError(file: label, line: 0, column: 0, message: label == path ? "the file \(why)" : "the file '\(path)' \(why)")
    }

    static func check(_ text: FeedText, label: String) throws {
        let head = text.prefix(1 << 16)
        guard !head.isEmpty else {
            if case .file(let path) = text, let error = unreadable(path, label: label) { throw error }
            throw XMLSyntaxError(file: label, line: 1, column: 1, message: "the file is empty: a feed needs a <feed> root element")
        }
        let doctype = Array("<!DOCTYPE".utf8)
        var line = 1, column = 1, index = 0
        while index < head.count {
            let byte = head[index]
            if byte == UInt8(ascii: "<"), index + 1 < head.count {
                let next = head[index + 1]
                if next != UInt8(ascii: "?") && next != UInt8(ascii: "!") { return }  // The root element: prolog over.
                if head.count - index >= doctype.count, Array(head[index..<(index + doctype.count)]).lowercasedASCII == doctype.lowercasedASCII {
                    throw XMLSyntaxError(
                        file: label, line: line, column: column,
                        message: doctypeMessage)
                }
            }
            if byte == 10 {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
    }
}
