import Foundation
import PaddockStore

/// Where an installer's file is, for a feed: a relative location is relative to the feed's
/// source (its path or URL), never to paddock's cached copy (feed-format.md, Proposed 3).
enum InstallerLocation {
    static func isRelative(_ location: String) -> Bool {
        let lowered = location.lowercased()
        return !(lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("file:") || location.hasPrefix("/")
            || location.hasPrefix("%") || location.hasPrefix("\\\\") || (location.count > 1 && Array(location)[1] == ":"))
    }

    static func resolve(_ location: String, feed: String, catalog: Catalog) throws -> String {
        guard isRelative(location), let record = try catalog.feed(named: feed) else { return location }
        if let base = URL(string: record.source), base.scheme == "http" || base.scheme == "https" {
            return URL(string: location, relativeTo: base)?.absoluteString ?? location
        }
        let directory = (record.source as NSString).deletingLastPathComponent
        return ((directory as NSString).appendingPathComponent(location) as NSString).standardizingPath
    }
}
