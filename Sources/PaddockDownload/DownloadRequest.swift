import FeedModel
import Foundation

/// The digest a download must have.
public enum ExpectedHash: Sendable, Equatable, CustomStringConvertible {
    case sha256(String)
    case sha1(String)
    /// No digest known; only downloaded when the request allows unverified files.
    case none

    public var algorithm: HashAlgorithm? {
        switch self {
        case .sha256: return .sha256
        case .sha1: return .sha1
        case .none: return nil
        }
    }

    /// The hex digest, lowercased.
    public var hex: String? {
        switch self {
        case .sha256(let hex), .sha1(let hex): return hex.lowercased()
        case .none: return nil
        }
    }

    public var description: String {
        guard let algorithm, let hex else { return "none" }
        return "\(algorithm.rawValue) \(hex)"
    }
}

/// One file to fetch: an http(s) URL, a `file://` URL or a plain path, each of which may use
/// WebPI's `%VAR%` forms (see `PathVariables`).
public struct DownloadRequest: Sendable, Equatable {
    public var source: String
    public var expectedHash: ExpectedHash
    /// Exact bytes: anything else is refused.
    public var expectedSize: Int64?
    /// The feed's `fileSize`: kilobytes, rounded, so up to max(1 KiB, 1%) more is accepted and
    /// the transfer stops past that (see `Downloader.sizeLimit`).
    public var declaredSizeKB: Int?
    /// Shown in progress output; the last path component of the source by default.
    public var name: String
    /// Lets a request with `.none` through (its file is still stored by its SHA-256).
    public var allowUnverified: Bool

    public init(
        _ source: String, hash: ExpectedHash, size: Int64? = nil, name: String? = nil, allowUnverified: Bool = false,
        declaredSizeKB: Int? = nil
    ) {
        self.source = source
        self.expectedHash = hash
        self.expectedSize = size
        self.declaredSizeKB = declaredSizeKB
        self.name = name ?? Self.defaultName(source)
        self.allowUnverified = allowUnverified
    }

    static func defaultName(_ source: String) -> String {
        let trimmed = source.split(separator: "?").first.map(String.init) ?? source
        let last = trimmed.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init)
        return last ?? source
    }
}

/// A verified file in the cache.
public struct DownloadResult: Sendable, Equatable {
    public var request: DownloadRequest
    /// `CACHE/sha256/<hex>`: content-addressed, never written again once there.
    public var file: URL
    public var sha256: String
    public var size: Int64
    /// True when the file was already in the cache and no transfer happened.
    public var cacheHit: Bool

    public init(request: DownloadRequest, file: URL, sha256: String, size: Int64, cacheHit: Bool) {
        self.request = request
        self.file = file
        self.sha256 = sha256
        self.size = size
        self.cacheHit = cacheHit
    }
}
