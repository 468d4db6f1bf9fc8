import PaddockBasics
import PaddockXML

/// What can go wrong in the feed store. Each message names the thing and what to do next.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case feedNotFound(String, known: [String])
    case feedExists(String)
    case insecureURL(String)
    case unsupportedSource(String)
    case sourceMissing(String)
    /// The local feed file changed between the start of its parse and its cached copy.
    case changedWhileReading(String)
    /// A local feed's file was edited in place after paddock read it (its cached copy is a link).
    case feedFileEdited(feed: String, path: String)
    case fetchFailed(url: String, reason: String)
    case malformedFeed(XMLSyntaxError)
    case builtinNotRemovable
    case productNotFound(String, suggestions: [String])
    case invalidName(String)
    /// `--key` (or a key of config.toml) that cannot be read as a public key.
    case badKey(String, reason: String)
    /// A feed added with a key has no detached signature beside it.
    case signatureMissing(feed: String, expected: String)
    /// The signature does not verify the feed with the trusted key.
    case badSignature(signature: String, feed: String, reason: String)
    /// A copy older than the one kept (by `<updated>` or by signed timestamp).
    case rollback(feed: String, offered: String, kept: String)
    /// A signed copy past its expiry (TUF's freeze attack).
    case expired(feed: String, on: String, how: String)
    /// A signed time more than `SignedFeedClock.allowedSkew` ahead of the clock (fast-forward).
    case signedInFuture(feed: String, signed: String, now: String)
    /// A signature with neither `timestamp:` nor `expires:` in its trusted comment.
    case noSignedTime(feed: String)
    /// A child feed whose bytes are not the ones its signed parent lists (mix-and-match).
    case snapshotMismatch(child: String, parent: String, listed: String?, actual: String)
    /// `feeds.json` (the feeds added, kept apart from the index) cannot be read.
    case registrationsUnreadable(path: String, reason: String)
    /// `feeds.json` cannot be written: the change to the feeds is not made.
    case registrationsUnwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .feedNotFound(let name, let known):
            let list = known.isEmpty ? "no feeds are added" : "feeds: " + known.joined(separator: ", ")
            return "no feed named '\(name)' (\(list)); see 'paddock feed list'"
        case .feedExists(let name):
            return "a feed named '\(name)' is already added; choose another with --name, or 'paddock feed update \(name)'"
        case .insecureURL(let url):
            return "'\(url)' is plain http: its content could be changed in transit; use https, or pass --insecure to accept that"
        case .unsupportedSource(let source):
            return "'\(source)' is neither a file nor an https URL; give a path or https://..."
        case .sourceMissing(let path):
            return "no file at '\(path)'; check the path"
        case .feedFileEdited(let feed, let path):
            return "'\(path)' was edited since feed '\(feed)' was read; run 'paddock feed update \(feed)' first"
        case .changedWhileReading(let path):
            return "'\(path)' changed while paddock read it; the catalogue is unchanged. Run the command again once the file is written"
        case .fetchFailed(let url, let reason):
            return "could not fetch '\(url)': \(reason)"
        case .malformedFeed(let error):
            return error.description
        case .builtinNotRemovable:
            return "the built-in feed cannot be removed; set 'builtin-feed = false' in config.toml to stop loading it"
        case .productNotFound(let id, let suggestions):
            let hint = suggestions.isEmpty ? "try 'paddock search \(id)'" : "did you mean " + suggestions.map { "'\($0)'" }.joined(separator: ", ") + "?"
            return "no product '\(id)' in any feed; \(hint)"
        case .invalidName(let name):
            return "'\(name)' is not a valid feed name: use letters, digits, '-', '_' and '.'"
        case .badKey(let key, let reason):
            return "--key '\(key)': \(reason); give a minisign public key (RW...), a .pub file, or a name from config.toml's [keys]"
        case .signatureMissing(let feed, let expected):
            return
                "no signature for '\(feed)': a feed added with --key must have '\(expected)' beside it; the catalogue is unchanged. Sign it with 'paddock feed sign FEED --secret-key KEY' (or 'minisign -S -l -m FEED -x FEED.sig')"
        case .badSignature(let signature, let feed, let reason):
            return "'\(signature)' does not verify '\(feed)': \(reason); the catalogue is unchanged. Fetch the feed and its signature again, or ask its publisher to sign it with the key you trust"
        case .rollback(let feed, let offered, let kept):
            return
                "feed '\(feed)' is older than the copy paddock has (\(offered) vs \(kept)): a rollback; the catalogue is unchanged. If the publisher really went back, run 'paddock feed remove \(feed)' and add it again"
        case .expired(let feed, let on, let how):
            return "feed '\(feed)' expired on \(on) (\(how)); ask its publisher for a fresh copy, or remove it ('paddock feed remove \(feed)')"
        case .signedInFuture(let feed, let signed, let now):
            return
                "feed '\(feed)' is signed at \(signed), ahead of this machine's clock (\(now)) by more than an hour; the catalogue is unchanged. Check this machine's clock, or ask its publisher to re-sign it with the right time"
        case .noSignedTime(let feed):
            return
                "feed '\(feed)' is signed without a time: its trusted comment has no 'timestamp:' or 'expires:', so it could never expire; the catalogue is unchanged. Ask its publisher to sign it with 'paddock feed sign --expires 30d'"
        case .snapshotMismatch(let child, let parent, let listed, let actual):
            if let listed {
                return
                    "child feed '\(child)' is not the copy its parent '\(parent)' was published with (sha256 \(actual), the parent lists \(listed)): feeds mixed from different publications; the catalogue is unchanged. Run 'paddock feed update \(parent)' again once the publisher's copies agree"
            }
            return
                "child feed '\(child)' is not listed with a paddock:sha256 by its signed parent '\(parent)', which lists its other children's: the catalogue is unchanged. Ask the publisher to list every child"
        case .registrationsUnreadable(let path, let reason):
            return
                "the feed registrations '\(path)' cannot be read: \(reason); the index is unchanged. Restore the file from a backup, or move it aside and add your feeds again with 'paddock feed add'"
        case .registrationsUnwritable(let path, let reason):
            return "the feed registrations '\(path)' cannot be written (\(reason)); the feeds are unchanged. Check that its folder is writable and has space, then run the command again"
        }
    }

    /// sysexits: 65 bad data, 66 missing input, 69 unavailable, 64 usage, 78 config.
    public var exitCode: Int32 {
        switch self {
        case .feedNotFound, .productNotFound, .feedExists, .insecureURL, .unsupportedSource, .builtinNotRemovable, .invalidName, .badKey:
            return 64
        case .sourceMissing: return 66
        case .changedWhileReading, .feedFileEdited: return 75
        case .fetchFailed: return 69
        case .malformedFeed, .signatureMissing, .badSignature, .rollback, .registrationsUnreadable, .expired, .signedInFuture, .noSignedTime,
            .snapshotMismatch:
            return 65
        case .registrationsUnwritable: return 74
        }
    }
}

extension StoreError: PaddockError {
    public var exitStatus: ExitStatus { ExitStatus(rawValue: exitCode) ?? .software }
}
