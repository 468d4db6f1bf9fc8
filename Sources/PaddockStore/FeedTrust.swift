import FeedModel
import PaddockXML
import Foundation
import PaddockBasics
import PaddockSigning

/// How a signed feed is trusted: the key it was added with, and what the last accepted copy
/// said of itself (for rollback protection). Kept with the feed in the catalogue.
public struct FeedSignature: Codable, Sendable, Hashable {
    /// The minisign public key, base64 (`RW...`).
    public var publicKey: String
    /// As minisign prints it: 16 upper-case hex digits.
    public var keyId: String
    /// Where the key came from: a name of config.toml's [keys], a file, or "inline".
    public var keyName: String
    /// The `timestamp:` of the accepted copy's trusted comment (seconds since 1970), if any.
    public var signedAt: Int?
    public var trustedComment: String?
    /// When the accepted copy stops being trusted (seconds since 1970): the signed `expires:`,
    /// or `signedAt` + `SignedFeedClock.defaultLifetime` when the signature names none.
    public var expiresAt: Int?
}

/// The clock rules for signed feeds (TUF's freeze and fast-forward attacks): a signed copy
/// expires, a signed time ahead of this machine's clock is refused, and neither is bent by
/// the kept copy.
public enum SignedFeedClock {
    /// How far a signing machine's clock may run ahead of this one's.
    public static let allowedSkew = 3600
    /// Fewer than this many seconds left: each add, update and install says so.
    public static let warningWindow = 7 * 86400
    /// A signature with a timestamp and no `expires:` (minisign's own, or an older
    /// `paddock feed sign`) expires this long after it was made, so no copy is trusted forever.
    public static let defaultLifetime = 365 * 86400

    /// When a signature stops being trusted; nil when it names neither an expiry nor a time.
    public static func expiry(signedAt: Int?, expires: Int?) -> Int? {
        expires ?? signedAt.map { $0 + defaultLifetime }
    }

    /// Refuses a signature made in the future or already expired, and says how long is left
    /// when it is under `warningWindow` (nil otherwise).
    public static func check(_ signature: FeedSignature, feed: String, now: Int) throws -> String? {
        if let signed = signature.signedAt, signed > now + allowedSkew {
            throw StoreError.signedInFuture(feed: feed, signed: FeedStore.isoDate(signed), now: FeedStore.isoDate(now))
        }
        guard let expires = signature.expiresAt else {
            throw StoreError.noSignedTime(feed: feed)
        }
        if expires <= now {
            throw StoreError.expired(feed: feed, on: FeedStore.isoDate(expires), how: signature.expiryWords)
        }
        return warning(signature, feed: feed, now: now)
    }

    /// The warning for a copy with fewer than 7 days left, or nil.
    public static func warning(_ signature: FeedSignature, feed: String, now: Int) -> String? {
        guard let expires = signature.expiresAt, expires > now, expires - now < warningWindow else { return nil }
        let hours = (expires - now) / 3600
        let left = hours >= 48 ? "\(hours / 24) days" : "\(hours) hours"
        return "feed '\(feed)' expires on \(FeedStore.isoDate(expires)) (\(signature.expiryWords)), in \(left); ask its publisher for a fresh copy, then run 'paddock feed update \(feed)'"
    }

    /// Whether a kept copy has expired: install refuses it, list and show say so.
    public static func expired(_ record: FeedRecord, now: Int = Int(Date().timeIntervalSince1970)) -> Bool {
        guard let expires = record.signature?.effectiveExpiry else { return false }
        return expires <= now
    }

    /// Refuses to install from a feed whose kept copy has expired (the catalogue still answers
    /// list and show from it).
    public static func refuseInstall(from record: FeedRecord, now: Int = Int(Date().timeIntervalSince1970)) throws {
        guard let signature = record.signature, let expires = signature.effectiveExpiry, expires <= now else { return }
        throw StoreError.expired(feed: record.name, on: FeedStore.isoDate(expires), how: signature.expiryWords)
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}

extension FeedSignature {
    /// `expiresAt`, or for a signature kept before paddock kept it, what its trusted comment says.
    public var effectiveExpiry: Int? {
        expiresAt ?? SignedFeedClock.expiry(signedAt: signedAt, expires: trustedComment.flatMap(MinisignSignatureFields.expires))
    }

    /// Whether the expiry was signed (`expires:`) or is the default after the timestamp.
    var expiryWords: String {
        trustedComment.map { MinisignSignatureFields.expires(in: $0) != nil } == true
            ? "signed expiry" : "no signed expiry: \(SignedFeedClock.defaultLifetime / 86400) days after its signed timestamp"
    }
}

/// Reads a field of a kept trusted comment without keeping the whole signature.
enum MinisignSignatureFields {
    static func expires(in comment: String) -> Int? {
        for field in comment.split(whereSeparator: { $0 == "\t" || $0 == " " }) where field.hasPrefix("expires:") {
            return Int(field.dropFirst("expires:".count))
        }
        return nil
    }
}

/// What the catalogue keeps about a feed beyond its products (the `meta` column, JSON).
struct FeedMeta: Codable, Hashable {
    var signature: FeedSignature?
    /// The feed's own `<updated>` text, for the rollback rule.
    var updated: String?
}

/// A public key given with `--key`: a name from config.toml's [keys], a `.pub` file, or the
/// base64 key itself.
public struct TrustedKey: Sendable, Hashable {
    public var key: MinisignPublicKey
    public var label: String

    public init(key: MinisignPublicKey, label: String) {
        self.key = key
        self.label = label
    }

    public static func resolve(_ text: String, config: PaddockConfig) throws -> TrustedKey {
        if let value = config.keys[text] {
            do {
                return TrustedKey(key: try parse(value, relativeTo: config.directory), label: text)
            } catch let error as SignatureError {
                throw StoreError.badKey(text, reason: "config.toml's [keys] \(text): \(error)")
            }
        }
        do {
            let key = try parse(text, relativeTo: nil)
            return TrustedKey(key: key, label: FileManager.default.fileExists(atPath: text) ? text : "inline")
        } catch let error as SignatureError {
            if FileManager.default.fileExists(atPath: text) {
                throw StoreError.badKey(text, reason: "the file is not a minisign public key: \(error)")
            }
            let known = config.keys.keys.sorted()
            let names = known.isEmpty ? "config.toml has no [keys]" : "keys in config.toml: " + known.joined(separator: ", ")
            throw StoreError.badKey(text, reason: "it is not a key name (\(names)), a public key file, nor a minisign public key (RW...)")
        }
    }

    static func parse(_ value: String, relativeTo directory: URL?) throws -> MinisignPublicKey {
        var path = value
        if let directory, !value.hasPrefix("/") { path = directory.appendingPathComponent(value).path }
        if let text = try? String(contentsOfFile: path, encoding: .utf8) { return try MinisignPublicKey(fileText: text) }
        if let text = try? String(contentsOfFile: value, encoding: .utf8) { return try MinisignPublicKey(fileText: text) }
        return try MinisignPublicKey(base64: value)
    }

    var stored: FeedSignature {
        FeedSignature(publicKey: key.base64, keyId: key.keyIdText, keyName: label, signedAt: nil, trustedComment: nil)
    }

    init(stored: FeedSignature) throws {
        do {
            self.init(key: try MinisignPublicKey(base64: stored.publicKey), label: stored.keyName)
        } catch let error as SignatureError {
            throw StoreError.badKey(stored.keyName, reason: "the key kept with the feed cannot be read (\(error)); remove the feed and add it again")
        }
    }
}

/// The names a detached signature may have beside a feed: paddock's `.sig`, then minisign's
/// default `.minisig`.
enum SignatureLocation {
    static let suffixes = [".sig", ".minisig"]
}

/// Checks a detached signature, for a feed file and for a fetched feed alike.
public enum FeedSignatureCheck {
    /// Verifies the feed file at `path` with its `.sig` (or `.minisig`) beside it.
    public static func verify(_ bytes: [UInt8], path: String, key: TrustedKey) throws -> FeedSignature {
        for suffix in SignatureLocation.suffixes {
            let candidate = path + suffix
            guard let handle = FileHandle(forReadingAtPath: candidate) else { continue }
            defer { try? handle.close() }
            // Never read whole: a minisign signature is under 1 KB.
            let data = (try? handle.read(upToCount: Int(FeedStore.maxSignatureSize) + 1)) ?? Data()
            guard data.count <= FeedStore.maxSignatureSize else {
                throw StoreError.badSignature(
                    signature: candidate, feed: path, reason: "it is more than \(LimitWords.bytes(FeedStore.maxSignatureSize)), and a minisign signature is under 1 KB")
            }
            return try check(bytes, feed: path, signatureText: String(decoding: data.prefix(16384), as: UTF8.self), at: candidate, key: key)
        }
        throw StoreError.signatureMissing(feed: path, expected: path + SignatureLocation.suffixes[0])
    }

    static func check(_ bytes: [UInt8], feed: String, signatureText: String, at location: String, key: TrustedKey) throws -> FeedSignature {
        do {
            let signature = try MinisignSignature(fileText: signatureText)
            try signature.verify(bytes, with: key.key)
            var stored = key.stored
            stored.signedAt = signature.timestamp
            stored.trustedComment = signature.trustedComment
            stored.expiresAt = SignedFeedClock.expiry(signedAt: signature.timestamp, expires: signature.expires)
            return stored
        } catch let error as SignatureError {
            throw StoreError.badSignature(signature: location, feed: feed, reason: error.description)
        }
    }
}

extension FeedStore {
    /// Fetches the signature of `source`, verifies `bytes` with it, and says what it said of
    /// itself. Throws a StoreError naming the file and what to do.
    func verify(_ bytes: [UInt8], of source: FeedSource, with trusted: TrustedKey) async throws -> FeedSignature {
        switch source {
        case .file(let path):
            return try FeedSignatureCheck.verify(bytes, path: path, key: trusted)
        case .url(let url):
            for suffix in SignatureLocation.suffixes {
                guard let candidate = URL(string: url.absoluteString + suffix) else { continue }
                // In memory, and never more than 64 KB of it (TUF's endless data).
                let response = try await fetchBounded(candidate, headers: [:], limits: signatureLimits, to: nil)
                if response.status == 404 || response.status == 410 { continue }
                guard (200..<300).contains(response.status) else {
                    throw StoreError.fetchFailed(url: candidate.absoluteString, reason: "the server answered HTTP \(response.status)")
                }
                let text = String(decoding: response.body.prefix(16384), as: UTF8.self)
                return try FeedSignatureCheck.check(bytes, feed: url.absoluteString, signatureText: text, at: candidate.absoluteString, key: trusted)
            }
            throw StoreError.signatureMissing(feed: url.absoluteString, expected: url.absoluteString + SignatureLocation.suffixes[0])
        }
    }

    /// The rollback rule: a new copy must not be older than the one kept, by its `<updated>`
    /// date or by its signed timestamp. Equal is fine (a copy republished unchanged).
    func checkNotOlder(_ feed: Feed, signature: FeedSignature?, than previous: FeedRecord) throws {
        let keptUpdated = try previous.updated ?? storedUpdatedText(previous)
        // A kept date ahead of the clock is no baseline either (see the signed rule below).
        if let offered = feed.updated?.date, let keptText = keptUpdated,
            let kept = FeedDateParser.parse(keptText), offered < kept,
            kept.timeIntervalSince1970 <= Double(SignedFeedClock.now + SignedFeedClock.allowedSkew)
        {
            throw StoreError.rollback(feed: previous.name, offered: feed.updated?.text ?? "", kept: keptText)
        }
        // A kept time ahead of the clock (accepted before paddock refused them) is no baseline:
        // it would refuse every real update until that date (TUF's fast-forward attack).
        if let offered = signature?.signedAt, let kept = previous.signature?.signedAt, offered < kept,
            kept <= SignedFeedClock.now + SignedFeedClock.allowedSkew
        {
            throw StoreError.rollback(feed: previous.name, offered: Self.isoDate(offered) + " (signed)", kept: Self.isoDate(kept) + " (signed)")
        }
    }

    /// For feeds stored before paddock kept `<updated>`: read it from the cached copy.
    private func storedUpdatedText(_ record: FeedRecord) throws -> String? {
        let cache = cacheFile(for: record.name).path
        guard FileManager.default.fileExists(atPath: cache) else { return nil }
        return (try? FeedDocumentReader.read(path: cache))?.updated?.text
    }

    public static func isoDate(_ seconds: Int) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
