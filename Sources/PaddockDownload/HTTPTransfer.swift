import Foundation
import PaddockBasics
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// How one attempt at an HTTP transfer ended, when it did not end well.
enum TransferFailure: Error {
    /// Worth another attempt (connection errors, 5xx, stalls, an early close); the partial
    /// file is kept so the next attempt resumes with `Range`.
    case retryable(DownloadError)
    /// Worth another attempt from byte 0 (the partial file was not usable).
    case restart(DownloadError)
    /// Final (4xx, too many bytes, cancelled).
    case final(DownloadError)

    var error: DownloadError {
        switch self {
        case .retryable(let error), .restart(let error), .final(let error): return error
        }
    }
}

/// One GET of `url` appended to `partial` (resuming from its current size with
/// `Range: bytes=N-`), through URLSession's data-task delegate, so bytes are written and
/// hashed as they arrive. A watchdog cancels the task when no answer comes within
/// `connectTimeout`, no bytes within `stallTimeout`, fewer than `minSpeed` bytes a second over
/// `stallTimeout`, or at the file's deadline; the transfer stops at once past `sizeLimit`.
struct HTTPTransfer {
    var url: URL
    var displayURL: String
    var name: String
    var partial: URL
    var expectedSize: Int64?
    var sizeLimit: Int64
    var declaredSizeKB: Int?
    var deadline: Date
    var computeSHA1: Bool
    var configuration: DownloaderConfiguration
    var progress: @Sendable (Int64, Int64?) -> Void

    func run() async throws -> StreamingDigest {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: partial.path) {
            guard fileManager.createFile(atPath: partial.path, contents: nil) else {
                throw TransferFailure.final(.cache(reason: "cannot create '\(partial.path)'"))
            }
        }
        var digest = StreamingDigest(sha1: computeSHA1)
        let handle: FileHandle
        do {
            // Hash what an earlier attempt left, then append after it.
            try digest.update(contentsOf: partial)
            handle = try FileHandle(forWritingTo: partial)
            try handle.truncate(atOffset: UInt64(digest.count))
            try handle.seekToEnd()
        } catch {
            throw TransferFailure.final(.cache(reason: "cannot write '\(partial.path)': \(error)"))
        }
        defer { try? handle.close() }

        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: 7 * 24 * 3600)
        request.setValue(configuration.userAgent, forHTTPHeaderField: "User-Agent")
        // The bytes as stored on the server: no transparent gunzip of a .tar.gz.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if digest.count > 0 { request.setValue("bytes=\(digest.count)-", forHTTPHeaderField: "Range") }

        let state = TransferState(
            displayURL: displayURL, name: name, handle: handle, digest: digest, expectedSize: expectedSize,
            sizeLimit: sizeLimit, declaredSizeKB: declaredSizeKB, progressInterval: configuration.progressInterval,
            progress: progress)
        let queue = BackpressureQueue()
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = 7 * 24 * 3600
        sessionConfiguration.timeoutIntervalForResource = 7 * 24 * 3600
        sessionConfiguration.urlCache = nil
        sessionConfiguration.httpMaximumConnectionsPerHost = configuration.maxParallel
        let session = URLSession(configuration: sessionConfiguration, delegate: state, delegateQueue: queue)
        defer { session.invalidateAndCancel() }
        let task = session.dataTask(with: request)

        // A timer on a queue of its own, not a task: a busy cooperative pool must not delay it.
        let tick = min(0.1, configuration.stallTimeout / 4, configuration.connectTimeout / 4)
        let watchdog = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "paddock.download.watchdog"))
        watchdog.schedule(deadline: .now() + tick, repeating: tick)
        watchdog.setEventHandler { [configuration, deadline] in
            if state.checkTimeouts(
                connect: configuration.connectTimeout, stall: configuration.stallTimeout, minSpeed: configuration.minSpeed,
                deadline: deadline, deadlineSeconds: configuration.deadline)
            {
                task.cancel()
            }
        }
        watchdog.resume()
        defer { watchdog.cancel() }

        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<StreamingDigest, any Error>) in
                state.start(continuation)
                task.resume()
            }
        } onCancel: {
            state.cancelledByCaller()
            task.cancel()
        }
    }
}

/// The delegate of one transfer. URLSession calls it on its serial queue; the watchdog and
/// cancellation read and set the timing fields under the lock.
final class TransferState: NSObject, URLSessionDataDelegate, Sendable {
    private let displayURL: String
    private let name: String
    private let handle: FileHandle
    private let startOffset: Int64
    private let computeSHA1: Bool
    private let expectedSize: Int64?
    private let sizeLimit: Int64
    private let declaredSizeKB: Int?
    private let progressInterval: TimeInterval
    private let progress: @Sendable (Int64, Int64?) -> Void

    private struct Shared {
        var continuation: CheckedContinuation<StreamingDigest, any Error>?
        var failure: TransferFailure?
        var started = Date()
        var lastActivity = Date()
        var answered = false
        /// Bytes received in this attempt (never reset, unlike the digest when a Range is ignored).
        var received: Int64 = 0
        var speed = SpeedCheck()
        // Only the delegate's callbacks, one at a time on URLSession's serial queue, touch these;
        // they are under the lock too so that the class is Sendable without an unchecked promise
        // (the lock is then never contended for them).
        var digest: StreamingDigest
        var total: Int64?
        var lastProgress = Date.distantPast
    }
    private let shared: Mutex<Shared>

    init(
        displayURL: String, name: String, handle: FileHandle, digest: StreamingDigest, expectedSize: Int64?,
        sizeLimit: Int64, declaredSizeKB: Int?, progressInterval: TimeInterval,
        progress: @escaping @Sendable (Int64, Int64?) -> Void
    ) {
        self.displayURL = displayURL
        self.name = name
        self.handle = handle
        self.shared = Mutex(Shared(digest: digest))
        self.startOffset = digest.count
        self.computeSHA1 = digest.finalize().sha1 != nil
        self.expectedSize = expectedSize
        self.sizeLimit = sizeLimit
        self.declaredSizeKB = declaredSizeKB
        self.progressInterval = progressInterval
        self.progress = progress
    }

    func start(_ continuation: CheckedContinuation<StreamingDigest, any Error>) {
        shared.withLock { shared in
            shared.continuation = continuation
            shared.started = Date()
            shared.lastActivity = shared.started
        }
    }

    /// True (and the failure recorded) when the deadline, the connect or stall timeout has
    /// passed, or the transfer has been slower than `minSpeed` over the stall timeout.
    func checkTimeouts(
        connect: TimeInterval, stall: TimeInterval, minSpeed: Int64, deadline: Date, deadlineSeconds: TimeInterval
    ) -> Bool {
        shared.withLock { shared in
            guard shared.failure == nil, shared.continuation != nil else { return false }
            let now = Date()
            if now >= deadline {
                shared.failure = .final(.deadline(url: displayURL, seconds: deadlineSeconds))
                return true
            }
            if !shared.answered, now.timeIntervalSince(shared.started) > connect {
                shared.failure = .retryable(.noAnswer(url: displayURL, seconds: connect))
                return true
            }
            guard shared.answered else { return false }
            if now.timeIntervalSince(shared.lastActivity) > stall {
                shared.failure = .retryable(.stalled(url: displayURL, seconds: stall))
                return true
            }
            if shared.speed.isTooSlow(at: now, received: shared.received, minSpeed: minSpeed, window: stall) {
                shared.failure = .final(.tooSlow(url: displayURL, minSpeed: minSpeed, seconds: stall))
                return true
            }
            return false
        }
    }

    func cancelledByCaller() {
        // Retryable, so the partial file stays for a later resume; the caller sees it cancelled.
        fail(.retryable(.transport(url: displayURL, reason: "cancelled")))
    }

    private func fail(_ failure: TransferFailure) {
        shared.withLock { shared in
            if shared.failure == nil { shared.failure = failure }
        }
    }

    /// Only http(s) redirects are followed: a server must not send paddock to a local file
    /// (libcurl would refuse it and the failure would read as an HTTP error).
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        let scheme = request.url?.scheme?.lowercased()
        guard scheme == "http" || scheme == "https" else {
            fail(.final(.redirectRefused(url: displayURL, location: request.url?.absoluteString ?? "?")))
            // Not followed: the redirect's own answer arrives as the response, and the failure
            // recorded here is the one reported. (Cancelling the task inside this callback
            // crashes corelibs' URLSession.)
            return completionHandler(nil)
        }
        completionHandler(request)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        shared.withLock { shared in
            shared.answered = true
            shared.lastActivity = Date()
            shared.speed.start(at: shared.lastActivity)
        }
        guard let http = response as? HTTPURLResponse else {
            fail(.final(.transport(url: displayURL, reason: "not an HTTP response")))
            return completionHandler(.cancel)
        }
        let length = http.expectedContentLength >= 0 ? http.expectedContentLength : nil
        switch http.statusCode {
        case 200:
            if startOffset > 0 {
                // The server ignored the Range: start over within this response.
                do {
                    try handle.truncate(atOffset: 0)
                    try handle.seek(toOffset: 0)
                    shared.withLock { $0.digest = StreamingDigest(sha1: computeSHA1) }
                } catch {
                    fail(.final(.cache(reason: "cannot write the partial file: \(error)")))
                    return completionHandler(.cancel)
                }
            }
            shared.withLock { $0.total = length }
        case 206:
            let range = http.value(forHTTPHeaderField: "Content-Range") ?? ""
            guard Self.rangeStart(range) == startOffset else {
                fail(.restart(.transport(url: displayURL, reason: "the server answered a different range ('\(range)')")))
                return completionHandler(.cancel)
            }
            shared.withLock { $0.total = length.map { $0 + startOffset } }
        case 416 where startOffset > 0:
            fail(.restart(.httpStatus(url: displayURL, status: 416)))
            return completionHandler(.cancel)
        case 500...599:
            fail(.retryable(.httpStatus(url: displayURL, status: http.statusCode)))
            return completionHandler(.cancel)
        default:
            fail(.final(.httpStatus(url: displayURL, status: http.statusCode)))
            return completionHandler(.cancel)
        }
        let (count, total) = shared.withLock { ($0.digest.count, $0.total) }
        if let expectedSize, let total, total != expectedSize {
            fail(.final(.sizeMismatch(url: displayURL, expected: expectedSize, actual: total)))
            return completionHandler(.cancel)
        }
        if let total, total > sizeLimit {
            // Said by Content-Length: refused before a byte of the body is read.
            fail(.final(.tooLarge(url: displayURL, name: name, limit: sizeLimit, declaredKB: declaredSizeKB)))
            return completionHandler(.cancel)
        }
        progress(count, total ?? expectedSize)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let (stopped, count) = shared.withLock { shared in
            shared.lastActivity = Date()
            shared.received += Int64(data.count)
            return (shared.failure != nil, shared.digest.count)
        }
        guard !stopped else { return }
        if count + Int64(data.count) > sizeLimit {
            // Nothing past the limit is written: the endless body ends here.
            fail(.final(.tooLarge(url: displayURL, name: name, limit: sizeLimit, declaredKB: declaredSizeKB)))
            return BackpressureQueue.cancel(dataTask)
        }
        do {
            try handle.write(contentsOf: data)
        } catch {
            fail(.final(.cache(reason: "cannot write the partial file: \(error)")))
            return BackpressureQueue.cancel(dataTask)
        }
        let (written, total, due) = shared.withLock { shared in
            shared.digest.update(data)
            let now = Date()
            let due = now.timeIntervalSince(shared.lastProgress) >= progressInterval
            if due { shared.lastProgress = now }
            return (shared.digest.count, shared.total, due)
        }
        if let expectedSize, written > expectedSize {
            fail(.final(.sizeMismatch(url: displayURL, expected: expectedSize, actual: written)))
            return BackpressureQueue.cancel(dataTask)
        }
        if due { progress(written, total ?? expectedSize) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (continuation, recorded, digest, total) = shared.withLock { shared in
            defer { shared.continuation = nil }
            return (shared.continuation, shared.failure, shared.digest, shared.total)
        }
        var failure = recorded
        guard let continuation else { return }
        if failure == nil, let total, digest.count < total {
            // libcurl words this "transfer closed with N bytes remaining to read".
            failure = .retryable(.transport(url: displayURL, reason: "the connection closed after \(digest.count) of \(total) bytes"))
        }
        if failure == nil, let error {
            failure = Self.classify(error, url: displayURL)
        }
        if let failure {
            continuation.resume(throwing: failure)
        } else {
            progress(digest.count, total ?? expectedSize)
            continuation.resume(returning: digest)
        }
    }

    public static let tooManyRedirects =
        "the server redirects too many times, or to an address that is not http(s) (such as file://), which paddock does not follow"

    /// URLSession's errors as paddock words them; all of them are worth another attempt.
    static func classify(_ error: any Error, url: String) -> TransferFailure {
        let code = (error as? URLError)?.code ?? URLError.Code(rawValue: (error as NSError).code)
        switch code {
        case .cannotConnectToHost:
            return .retryable(.connectionRefused(url: url))
        case .cannotFindHost, .dnsLookupFailed:
            return .retryable(.transport(url: url, reason: "host '\(URL(string: url)?.host ?? url)' not found"))
        case .networkConnectionLost:
            return .retryable(.transport(url: url, reason: "the connection was lost"))
        case .timedOut:
            return .retryable(.transport(url: url, reason: "timed out"))
        case .httpTooManyRedirects:
            // Foundation on Linux loops on a Location it will not follow (file://) instead of
            // asking the delegate, so that case ends here too; nothing local is read either way.
            return .final(.transport(url: url, reason: Self.tooManyRedirects))
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return .final(.transport(url: url, reason: "TLS failed: \(error.localizedDescription)"))
        default:
            let text = (error as NSError).userInfo[NSLocalizedDescriptionKey] as? String ?? "\(error)"
            return .retryable(.transport(url: url, reason: text))
        }
    }

    /// The first byte of `bytes S-E/T`.
    static func rangeStart(_ header: String) -> Int64? {
        guard header.hasPrefix("bytes ") else { return nil }
        return header.dropFirst(6).split(separator: "-").first.flatMap { Int64($0) }
    }
}
