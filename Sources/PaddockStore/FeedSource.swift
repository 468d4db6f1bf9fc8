import Foundation

/// Where a feed comes from: a local file or a remote URL.
public enum FeedSource: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case url(URL)

    /// Reads what the user typed: a path, `file://...`, or `https://...` (`http://` only when
    /// `insecure`).
    public static func parse(_ text: String, insecure: Bool, relativeTo base: FeedSource? = nil) throws -> FeedSource {
        let lowered = text.lowercased()
        if lowered.hasPrefix("https://") || lowered.hasPrefix("http://") {
            guard let url = URL(string: text), url.host != nil else { throw StoreError.unsupportedSource(text) }
            if lowered.hasPrefix("http://") && !insecure { throw StoreError.insecureURL(text) }
            return .url(url)
        }
        if lowered.hasPrefix("file://") {
            guard let url = URL(string: text), url.isFileURL else { throw StoreError.unsupportedSource(text) }
            return .file(url.path)
        }
        if lowered.contains("://") { throw StoreError.unsupportedSource(text) }
        // A relative reference inside a feed is relative to that feed's own location.
        switch base {
        case .url(let baseURL):
            guard let url = URL(string: text, relativeTo: baseURL)?.absoluteURL else {
                throw StoreError.unsupportedSource(text)
            }
            return try parse(url.absoluteString, insecure: insecure)
        case .file(let basePath) where !text.hasPrefix("/"):
            let directory = (basePath as NSString).deletingLastPathComponent
            return .file((directory as NSString).appendingPathComponent(text))
        default:
            let path = text.hasPrefix("/") ? text : FileManager.default.currentDirectoryPath + "/" + text
            return .file((path as NSString).standardizingPath)
        }
    }

    public var description: String {
        switch self {
        case .file(let path): return path
        case .url(let url): return url.absoluteString
        }
    }

    /// A feed name derived from the file name: `zoo-extras.xml` gives `zoo-extras`.
    public var suggestedName: String {
        let last: String
        switch self {
        case .file(let path): last = (path as NSString).lastPathComponent
        case .url(let url): last = url.lastPathComponent.isEmpty ? (url.host ?? "feed") : url.lastPathComponent
        }
        var base = last
        for suffix in [".in", ".xml", ".atom"] where base.lowercased().hasSuffix(suffix) {
            base = String(base.dropLast(suffix.count))
        }
        let cleaned = String(base.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
        return cleaned.isEmpty ? "feed" : cleaned
    }
}

enum FeedName {
    static func validate(_ name: String) throws {
        let allowed = name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." || $0 == "/" }
        guard !name.isEmpty, allowed, !name.contains(":"), !name.hasPrefix("."), !name.contains("..") else {
            throw StoreError.invalidName(name)
        }
    }
}
