import Foundation
import PaddockBasics
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the downloader tells the outside world; called from any thread, so implementations
/// are `Sendable` and guard their own state. Progress comes at most every
/// `DownloaderConfiguration.progressInterval` per download, plus once at the end.
public protocol DownloadDelegate: Sendable {
    func willStart(_ request: DownloadRequest)
    func progress(_ request: DownloadRequest, bytes: Int64, total: Int64?)
    func willRetry(_ request: DownloadRequest, attempt: Int, after delay: TimeInterval, because error: DownloadError)
    func didFinish(_ request: DownloadRequest, result: DownloadResult)
    func didFail(_ request: DownloadRequest, error: DownloadError)
}

extension DownloadDelegate {
    public func willRetry(_ request: DownloadRequest, attempt: Int, after delay: TimeInterval, because error: DownloadError) {}
}

/// Says nothing.
public struct SilentDownloadDelegate: DownloadDelegate {
    public init() {}
    public func willStart(_ request: DownloadRequest) {}
    public func progress(_ request: DownloadRequest, bytes: Int64, total: Int64?) {}
    public func didFinish(_ request: DownloadRequest, result: DownloadResult) {}
    public func didFail(_ request: DownloadRequest, error: DownloadError) {}
}

/// One line per download on stderr, redrawn in place with `\r` and cursor movement; only
/// when stderr is a terminal (otherwise it writes nothing).
public final class TerminalProgressDelegate: DownloadDelegate, Sendable {
    /// The download names, in the order their lines were printed; held while a line is written,
    /// so the cursor movements of two downloads never interleave.
    private let lines = Mutex<[String]>([])
    /// When each download started, for its speed and the time left.
    private let starts = Mutex<[String: Date]>([:])
    private let now: @Sendable () -> Date
    private let write: @Sendable (String) -> Void
    private let enabled: Bool
    private let width: Int

    /// `write` and `isTerminal` are for tests; by default stderr and `isatty(2)`.
    public init(
        isTerminal: Bool = isatty(STDERR_FILENO) != 0, width: Int = 30,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.now = now
        self.enabled = isTerminal
        self.width = width
        self.write = write
    }

    public func willStart(_ request: DownloadRequest) {
        guard enabled else { return }
        starts.withLock { $0[request.name] = now() }
        lines.withLock { lines in
            lines.append(request.name)
            write(render(request.name, "starting") + "\n")
        }
    }

    public func progress(_ request: DownloadRequest, bytes: Int64, total: Int64?) {
        redraw(request.name, bar(request.name, bytes: bytes, total: total))
    }

    public func willRetry(_ request: DownloadRequest, attempt: Int, after delay: TimeInterval, because error: DownloadError) {
        redraw(request.name, "retrying (attempt \(attempt + 1)) in \(LimitWords.seconds(delay))")
    }

    public func didFinish(_ request: DownloadRequest, result: DownloadResult) {
        let done = result.cacheHit ? "cached \(Self.size(result.size))" : "done \(Self.size(result.size))"
        guard enabled else { return }
        let known = lines.withLock { lines in
            let known = lines.contains(request.name)
            if !known { lines.append(request.name) }
            return known
        }
        if known { redraw(request.name, done) } else { write(render(request.name, done) + "\n") }
    }

    public func didFail(_ request: DownloadRequest, error: DownloadError) {
        redraw(request.name, "failed")
    }

    private func redraw(_ name: String, _ status: String) {
        guard enabled else { return }
        lines.withLock { lines in
            guard let index = lines.lastIndex(of: name) else { return }
            let up = lines.count - index
            // Up to the download's line, redraw it, clear the rest, back down.
            write("\u{1B}[\(up)A\r" + render(name, status) + "\u{1B}[K\u{1B}[\(up)B\r")
        }
    }

    private func render(_ name: String, _ status: String) -> String {
        let padded = name.count > 28 ? String(name.prefix(27)) + "…" : name.padding(toLength: 28, withPad: " ", startingAt: 0)
        return padded + " " + status
    }

    /// `[#####     ] 50% of 7.9 MiB, 3.1 MiB/s, 1s left`: the speed since the download began,
    /// and the time left at that speed (when the size is known).
    private func bar(_ name: String, bytes: Int64, total: Int64?) -> String {
        let elapsed = starts.withLock { $0[name] }.map { now().timeIntervalSince($0) } ?? 0
        let speed = elapsed > 0 ? Double(bytes) / elapsed : 0
        let rate = speed > 0 ? ", \(Self.size(Int64(speed)))/s" : ""
        guard let total, total > 0 else { return Self.size(bytes) + rate }
        let fraction = min(1, Double(bytes) / Double(total))
        let filled = Int(fraction * Double(width))
        let left = speed > 0 ? ", \(Self.seconds(Double(max(0, total - bytes)) / speed)) left" : ""
        return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
            + "\(Int(fraction * 100))% of \(Self.size(total))" + rate + left
    }

    /// `4s`, `2m05s`.
    static func seconds(_ value: Double) -> String {
        let whole = Int(value.rounded(.up))
        return whole < 60 ? "\(whole)s" : String(format: "%dm%02ds", whole / 60, whole % 60)
    }

    public static func size(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1 << 20 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        if bytes < 1 << 30 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        return String(format: "%.2f GiB", Double(bytes) / 1_073_741_824)
    }
}

/// One JSON object per line: `{"bytes":...,"event":"progress","name":...,"total":...}`;
/// events `start`, `progress`, `retry`, `finish` (with `cacheHit`, `sha256`, `bytes`, `file`),
/// `fail` (with `error`). Written by JSONEncoder (sorted keys), like every JSON paddock prints;
/// `total` is `null` when unknown.
public struct JSONLinesDownloadDelegate: DownloadDelegate {
    private let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        self.write = write
    }

    /// One event's fields; absent ones are left out, except `total` on progress (null).
    struct Line: Encodable {
        var event: String
        var name: String
        var url: String?
        var bytes: Int64?
        var total: Int64??
        var attempt: Int?
        var delay: Double?
        var cacheHit: Bool?
        var sha256: String?
        var file: String?
        var error: String?

        enum Key: String, CodingKey { case event, name, url, bytes, total, attempt, delay, cacheHit, sha256, file, error }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(event, forKey: .event)
            try container.encode(name, forKey: .name)
            try container.encodeIfPresent(url, forKey: .url)
            try container.encodeIfPresent(bytes, forKey: .bytes)
            if let total { try container.encode(total, forKey: .total) }
            try container.encodeIfPresent(attempt, forKey: .attempt)
            try container.encodeIfPresent(delay, forKey: .delay)
            try container.encodeIfPresent(cacheHit, forKey: .cacheHit)
            try container.encodeIfPresent(sha256, forKey: .sha256)
            try container.encodeIfPresent(file, forKey: .file)
            try container.encodeIfPresent(error, forKey: .error)
        }
    }

    public func willStart(_ request: DownloadRequest) {
        emit(Line(event: "start", name: request.name, url: request.source))
    }

    public func progress(_ request: DownloadRequest, bytes: Int64, total: Int64?) {
        emit(Line(event: "progress", name: request.name, bytes: bytes, total: .some(total)))
    }

    public func willRetry(_ request: DownloadRequest, attempt: Int, after delay: TimeInterval, because error: DownloadError) {
        emit(Line(event: "retry", name: request.name, attempt: attempt + 1, delay: delay, error: error.description))
    }

    public func didFinish(_ request: DownloadRequest, result: DownloadResult) {
        emit(Line(event: "finish", name: request.name, bytes: result.size, cacheHit: result.cacheHit, sha256: result.sha256, file: result.file.path))
    }

    public func didFail(_ request: DownloadRequest, error: DownloadError) {
        emit(Line(event: "fail", name: request.name, error: error.description))
    }

    private func emit(_ line: Line) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(line) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }
}

/// Keeps every event, for tests.
public final class RecordingDownloadDelegate: DownloadDelegate, Sendable {
    public enum Event: Sendable, Equatable {
        case willStart(name: String)
        case progress(name: String, bytes: Int64, total: Int64?)
        case willRetry(name: String, attempt: Int, error: DownloadError)
        case didFinish(name: String, cacheHit: Bool)
        case didFail(name: String, error: DownloadError)
    }

    private let recorded = Mutex<[Event]>([])

    public init() {}

    public var events: [Event] { recorded.withLock { $0 } }

    /// The events of one download, in order.
    public func events(for name: String) -> [Event] {
        events.filter {
            switch $0 {
            case .willStart(let n), .progress(let n, _, _), .willRetry(let n, _, _), .didFinish(let n, _), .didFail(let n, _):
                return n == name
            }
        }
    }

    private func record(_ event: Event) { recorded.withLock { $0.append(event) } }

    public func willStart(_ request: DownloadRequest) { record(.willStart(name: request.name)) }
    public func progress(_ request: DownloadRequest, bytes: Int64, total: Int64?) {
        record(.progress(name: request.name, bytes: bytes, total: total))
    }
    public func willRetry(_ request: DownloadRequest, attempt: Int, after delay: TimeInterval, because error: DownloadError) {
        record(.willRetry(name: request.name, attempt: attempt, error: error))
    }
    public func didFinish(_ request: DownloadRequest, result: DownloadResult) {
        record(.didFinish(name: request.name, cacheHit: result.cacheHit))
    }
    public func didFail(_ request: DownloadRequest, error: DownloadError) { record(.didFail(name: request.name, error: error)) }
}
