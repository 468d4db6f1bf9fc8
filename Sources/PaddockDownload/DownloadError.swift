import FeedModel
import Foundation
import PaddockBasics

/// Why a download failed; each message is one line naming the URL (or path) as requested.
public enum DownloadError: Error, Equatable, Sendable, CustomStringConvertible {
    case httpStatus(url: String, status: Int)
    case connectionRefused(url: String)
    case stalled(url: String, seconds: TimeInterval)
    case noAnswer(url: String, seconds: TimeInterval)
    case transport(url: String, reason: String)
    case hashMismatch(url: String, algorithm: HashAlgorithm, expected: String, actual: String)
    case sizeMismatch(url: String, expected: Int64, actual: Int64)
    case unverified(url: String)
    case invalidHash(url: String, hash: String)
    case unsupportedSource(url: String)
    case fileNotFound(path: String)
    case cache(reason: String)
    /// Writing the download cache found the disk full.
    case diskFull(path: String)
    /// A redirect to an address that is not http(s) (`file:///etc/passwd`): never followed.
    case redirectRefused(url: String, location: String)
    /// More bytes than the feed declares (plus WebPI's rounding), or than `maxFileSize` when
    /// it declares none: the transfer stops there (TUF's endless-data attack).
    case tooLarge(url: String, name: String, limit: Int64, declaredKB: Int?)
    /// Slower than `minSpeed` bytes a second over `seconds` (TUF's slow-retrieval attack).
    case tooSlow(url: String, minSpeed: Int64, seconds: TimeInterval)
    /// Not finished within the deadline a file has, all attempts together.
    case deadline(url: String, seconds: TimeInterval)

    public var description: String {
        switch self {
        case .httpStatus(let url, let status):
            return "could not download \(url): the server answered HTTP \(status)"
        case .connectionRefused(let url):
            return "could not download \(url): connection refused"
        case .stalled(let url, let seconds):
            return "could not download \(url): no data for \(LimitWords.seconds(seconds)) (download-stall-seconds in config.toml)"
        case .noAnswer(let url, let seconds):
            return "could not download \(url): no answer within \(LimitWords.seconds(seconds))"
        case .transport(let url, let reason):
            return "could not download \(url): \(reason)"
        case .hashMismatch(let url, let algorithm, let expected, let actual):
            return "hash mismatch for \(url): expected \(algorithm.rawValue) \(expected), got \(actual); nothing was installed"
        case .sizeMismatch(let url, let expected, let actual):
            return "size mismatch for \(url): expected \(expected) bytes, got \(actual); nothing was installed"
        case .unverified(let url):
            return "refusing to download \(url): the feed gives no hash to check it against (allow unverified downloads to fetch it anyway)"
        case .invalidHash(let url, let hash):
            return "the expected hash '\(hash)' for \(url) is not a hex digest of the right length"
        case .unsupportedSource(let url):
            return "could not download \(url): only http, https, file URLs and paths are supported"
        case .fileNotFound(let path):
            return "could not read \(path): no such file"
        case .cache(let reason):
            return "the download cache failed: \(reason)"
        case .redirectRefused(let url, let location):
            return "could not download \(url): the server redirects to '\(location.escapingControlCharacters)', which is not an http(s) address; paddock does not follow it"
        case .diskFull(let path):
            return "the disk is full (writing \(path)); free some space and run the command again (what it had begun is undone)"
        case .tooLarge(let url, let name, let limit, let declaredKB?):
            return "could not download \(url) (\(name)): more than \(limit) bytes, but the feed declares \(declaredKB) KB; nothing was installed"
        case .tooLarge(let url, let name, let limit, nil):
            return
                "could not download \(url) (\(name)): more than \(LimitWords.bytes(limit)), the most for a file whose size the feed does not declare (download-max-file-size in config.toml); nothing was installed"
        case .tooSlow(let url, let minSpeed, let seconds):
            return "could not download \(url): slower than \(LimitWords.bytes(minSpeed))/s for \(LimitWords.seconds(seconds)) (download-min-speed, download-stall-seconds in config.toml)"
        case .deadline(let url, let seconds):
            return "could not download \(url): not finished within \(LimitWords.seconds(seconds)) (download-deadline in config.toml)"
        }
    }
}

/// A server misbehaving, or a file not as declared: the service is unavailable; a full disk is the disk's.
extension DownloadError: PaddockError {
    public var exitStatus: ExitStatus {
        if case .diskFull = self { return .ioError }
        return .unavailable
    }
}
