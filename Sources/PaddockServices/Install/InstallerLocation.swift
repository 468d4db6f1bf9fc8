import FeedModel
import PaddockBasics
import Foundation
import PaddockStore

/// Where an installer's file is, for a feed: a relative location is relative to the feed's
/// source (its path or URL), never to paddock's cached copy (feed-format.md, Proposed 3).
enum InstallerLocation {
    static func isRelative(_ location: String) -> Bool {
        let lowered = location.lowercased()
        return
            !(lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("file:") || location.hasPrefix("/")
            || location.hasPrefix("%") || location.hasPrefix("\\\\") || (location.count > 1 && Array(location)[1] == ":"))
    }

    static func resolve(_ location: String, feed: String, catalog: Catalog) throws -> String {
        guard let record = try catalog.feed(named: feed) else { return location }
        // A signed feed past its expiry answers list and show, but installs nothing (TUF's freeze).
        try SignedFeedClock.refuseInstall(from: record)
        let remote = URL(string: record.source).map { $0.scheme == "http" || $0.scheme == "https" } ?? false
        if remote {
            // A feed from a server names files on servers: one naming a file of this machine
            // ('file:///etc/shadow', '/root/.ssh/id_rsa') would have paddock read it.
            let resolved = isRelative(location) ? URL(string: location, relativeTo: URL(string: record.source))?.absoluteString ?? location : location
            let scheme = URL(string: resolved)?.scheme?.lowercased()
            guard scheme == "http" || scheme == "https" else {
                throw ServiceError(
                    "the remote feed '\(feed)' (\(record.source)) names a file on this machine, '\(location.escapingControlCharacters)'; a feed from a server may only name http(s) downloads",
                    .dataError)
            }
            return resolved
        }
        guard isRelative(location) else { return location }
        let directory = (record.source as NSString).deletingLastPathComponent
        return ((directory as NSString).appendingPathComponent(location) as NSString).standardizingPath
    }
}
