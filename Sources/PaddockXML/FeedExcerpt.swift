import FeedModel
import Foundation

/// Writes a new feed made of parts of other feeds, element for element as they were written
/// (unknown elements and `pd:` extensions included), with installer URLs rewritten: what an
/// offline bundle's `feed.xml` is made of. Each source is streamed once, like a feed read.
public enum FeedExcerpt {
    /// What to take from one source feed.
    public struct Selection {
        public var path: String
        public var label: String
        /// Product ids to copy (compared case-insensitively).
        public var productIds: Set<String>
        /// Named dependency sets (`<dependencies><dependency id=...>`) to copy.
        public var namedSets: Set<String>
        /// A new `installerURL` for an installer of a product (product id as written, the
        /// installer's location as written), or nil to keep it.
        public var rewrite: (_ productId: String, _ location: String) -> String?

        public init(
            path: String, label: String, productIds: Set<String>, namedSets: Set<String>,
            rewrite: @escaping (_ productId: String, _ location: String) -> String?
        ) {
            self.path = path
            self.label = label
            self.productIds = Set(productIds.map { $0.lowercased() })
            self.namedSets = namedSets
            self.rewrite = rewrite
        }
    }

    /// The new feed's own `title`, `id`, `updated` and author.
    public struct Header {
        public var title: String
        public var id: String
        public var updated: Date
        public var author: String
        public init(title: String, id: String, updated: Date, author: String) {
            self.title = title
            self.id = id
            self.updated = updated
            self.author = author
        }
    }

    /// Reads the sources and writes the excerpt to `output` (through a temporary file, renamed).
    /// Keywords, `os` and `osList` definitions are copied when a copied entry (or list) uses them.
    public static func write(_ sources: [Selection], header: Header, to output: URL) throws {
        var collected = Collected()
        for source in sources { try collect(source, into: &collected) }
        var text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        text += "<feed xmlns=\"\(FeedNamespace.atom)\" xmlns:pd=\"\(FeedNamespace.paddock)\">\n"
        text += "  <webpiFile version=\"5.0.0.0\" />\n"
        text += "  <title>\(escapeText(header.title))</title>\n"
        text += "  <id>\(escapeText(header.id))</id>\n"
        text += "  <updated>\(ISO8601DateFormatter().string(from: header.updated))</updated>\n"
        text += "  <author><name>\(escapeText(header.author))</name></author>\n"
        for entry in collected.entries { serialize(entry, depth: 1, into: &text) }
        let usedKeywords = Set(collected.entries.flatMap { $0.children("keywords").flatMap { $0.children("keywordid").map(\.trimmedText) } })
        let keywords = collected.keywords.filter { usedKeywords.contains($0.attribute("id") ?? "") }
        let usedOS = collected.usedOSIds()
        let oses = collected.oses.filter { usedOS.contains($0.attribute("id") ?? "") }
        let osLists = collected.osLists.filter { usedOS.contains($0.attribute("id") ?? "") }
        for (name, children) in [("languages", collected.languages), ("keywords", keywords), ("oses", oses), ("osLists", osLists), ("dependencies", collected.sets)]
        where !children.isEmpty {
            text += "  <\(name)>\n"
            for child in children { serialize(child, depth: 2, into: &text) }
            text += "  </\(name)>\n"
        }
        text += "</feed>\n"
        let temporary = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).tmp-\(getpid())")
        try Data(text.utf8).write(to: temporary)
        if FileManager.default.fileExists(atPath: output.path) { try FileManager.default.removeItem(at: output) }
        try FileManager.default.moveItem(at: temporary, to: output)
    }

    /// What has been kept so far, across sources; ids first seen win.
    struct Collected {
        var entries: [XMLElement] = []
        var keywords: [XMLElement] = []
        var oses: [XMLElement] = []
        var osLists: [XMLElement] = []
        var sets: [XMLElement] = []
        var languages: [XMLElement] = []
        var seen: Set<String> = []

        mutating func keep(_ element: XMLElement, kind: String, id: String?, in list: WritableKeyPath<Collected, [XMLElement]>) {
            guard let id, !id.isEmpty, seen.insert("\(kind):\(id.lowercased())").inserted else { return }
            self[keyPath: list].append(element)
        }

        /// Ids named by `os`/`osList` `idref`s of kept entries and kept lists. An installer's
        /// `osList idref` may name an `os`, so one set serves both.
        func usedOSIds() -> Set<String> {
            var ids: Set<String> = []
            func walk(_ element: XMLElement) {
                if element.key == "os" || element.key == "oslist", let ref = element.attribute("idref") { ids.insert(ref) }
                element.children.forEach(walk)
            }
            entries.forEach(walk)
            // A kept list names its oses; those are walked after the lists named by entries.
            for list in osLists where ids.contains(list.attribute("id") ?? "") { walk(list) }
            return ids
        }
    }

    private static func collect(_ source: Selection, into collected: inout Collected) throws {
        let stream = try XMLStream(path: source.path, label: source.label)
        // Down to the root element.
        while try stream.read() { if stream.kind == .element { break } }
        guard stream.kind == .element, !stream.isEmptyElement else { return }
        let rootDepth = stream.depth
        while try stream.read() {
            guard stream.kind == .element else {
                if stream.kind == .endElement, stream.depth == rootDepth { break }
                continue
            }
            let element = try stream.readElement()
            switch element.key {
            case "entry":
                guard let id = productId(of: element), source.productIds.contains(id.lowercased()) else { continue }
                collected.keep(rewriteInstallers(element, productId: id, source.rewrite), kind: "entry", id: id, in: \.entries)
            case "keywords":
                for keyword in element.children("keyword") { collected.keep(keyword, kind: "keyword", id: keyword.attribute("id"), in: \.keywords) }
            case "oses":
                for os in element.children("os") { collected.keep(os, kind: "os", id: os.attribute("id"), in: \.oses) }
            case "oslists":
                for list in element.children("oslist") { collected.keep(list, kind: "oslist", id: list.attribute("id"), in: \.osLists) }
            case "dependencies":
                for set in element.children("dependency") {
                    guard let id = set.attribute("id"), source.namedSets.contains(id) else { continue }
                    collected.keep(set, kind: "set", id: id, in: \.sets)
                }
            case "languages":
                for language in element.children("language") {
                    collected.keep(language, kind: "language", id: language.childText("languageid"), in: \.languages)
                }
            default:
                continue  // title, links (child feeds are merged in), tabs, resources...: the bundle has its own
            }
        }
    }

    /// `productId` directly under the entry, or inside Kudu's `<metadata>` wrapper.
    static func productId(of entry: XMLElement) -> String? {
        entry.childText("productid") ?? entry.child("metadata")?.childText("productid")
    }

    private static func rewriteInstallers(
        _ entry: XMLElement, productId: String, _ rewrite: (String, String) -> String?
    ) -> XMLElement {
        var entry = entry
        for (i, installers) in entry.children.enumerated() where installers.key == "installers" {
            for (j, installer) in installers.children.enumerated() where installer.key == "installer" {
                for (k, file) in installer.children.enumerated() where file.key == "installerfile" {
                    guard let location = file.childText("installerurl") ?? file.childText("relativeinstallerurl"),
                        let replacement = rewrite(productId, location)
                    else { continue }
                    var newFile = file
                    newFile.children.removeAll { $0.key == "installerurl" || $0.key == "relativeinstallerurl" }
                    let url = XMLElement(
                        namespaceURI: FeedNamespace.atom, name: "installerURL", key: "installerurl", attributes: [], children: [],
                        text: replacement, line: 0, column: 0)
                    // installerURL where WebPI writes it: after fileSize, before the hashes.
                    let position = newFile.children.firstIndex { $0.key != "filesize" } ?? newFile.children.count
                    newFile.children.insert(url, at: position)
                    entry.children[i].children[j].children[k] = newFile
                }
            }
        }
        return entry
    }

    // MARK: - Writing XML

    static func serialize(_ element: XMLElement, depth: Int, into text: inout String) {
        let indent = String(repeating: "  ", count: depth)
        var declarations: [String: String] = [:]  // uri -> prefix, declared on this element
        func prefix(_ uri: String, attribute: Bool) -> String {
            switch uri {
            case "": return ""
            case FeedNamespace.atom: return attribute ? "" : ""
            case FeedNamespace.paddock: return "pd:"
            case "http://www.w3.org/XML/1998/namespace": return "xml:"
            default:
                if let known = declarations[uri] { return known + ":" }
                let name = "ns\(declarations.count + 1)"
                declarations[uri] = name
                return name + ":"
            }
        }
        let name = prefix(element.namespaceURI, attribute: false) + element.name
        var attributes = ""
        for attribute in element.attributes {
            attributes += " \(prefix(attribute.namespaceURI, attribute: true))\(attribute.name)=\"\(escapeAttribute(attribute.value))\""
        }
        for (uri, declared) in declarations.sorted(by: { $0.value < $1.value }) {
            attributes += " xmlns:\(declared)=\"\(escapeAttribute(uri))\""
        }
        let textIsSpace = element.text.allSatisfy { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        if element.children.isEmpty {
            text += element.text.isEmpty ? "\(indent)<\(name)\(attributes) />\n" : "\(indent)<\(name)\(attributes)>\(escapeText(element.text))</\(name)>\n"
            return
        }
        text += "\(indent)<\(name)\(attributes)>"
        // Mixed content is rare in feeds; its text is kept, before the children.
        text += textIsSpace ? "\n" : escapeText(element.text.trimmingWhitespace()) + "\n"
        for child in element.children { serialize(child, depth: depth + 1, into: &text) }
        text += "\(indent)</\(name)>\n"
    }

    static func escapeText(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func escapeAttribute(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\t": out += "&#9;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
