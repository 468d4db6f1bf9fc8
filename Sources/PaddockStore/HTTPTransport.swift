import Foundation
import PaddockBasics
import Synchronization
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    /// The body, when it was not written to a file.
    public var body: Data
    /// Where the body was written, for a fetch given a file (a 2xx answer only).
    public var bodyFile: URL? = nil

    public func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// How much a fetch may bring and how slowly: TUF's endless-data and slow-retrieval attacks
/// end at these (the `download-*` settings of config.toml).
public struct FetchLimits: Sendable, Hashable {
    /// The body stops past this many bytes.
    public var maxBytes: Int64
    /// Bytes a second over `stallSeconds`; 0 checks only for no bytes at all.
    public var minSpeed: Int64
    /// No bytes for this long, or fewer than `minSpeed` a second over it, fails the fetch.
    public var stallSeconds: TimeInterval
    /// The whole fetch, from the request to the last byte.
    public var deadline: TimeInterval

    public init(maxBytes: Int64, minSpeed: Int64 = 1024, stallSeconds: TimeInterval = 30, deadline: TimeInterval = 600) {
        self.maxBytes = maxBytes
        self.minSpeed = max(0, minSpeed)
        self.stallSeconds = stallSeconds
        self.deadline = deadline
    }
}

/// Why a bounded fetch stopped; `FeedStore` words it with the setting that changes it.
public enum FetchLimitExceeded: Error, Sendable, Equatable {
    case tooLarge(limit: Int64)
    case noAnswer(seconds: TimeInterval)
    case stalled(seconds: TimeInterval)
    case tooSlow(minSpeed: Int64, seconds: TimeInterval)
    case deadline(seconds: TimeInterval)
    /// A redirect to an address that is not http(s) (`file:///etc/passwd`): never followed.
    case redirectRefused(location: String)
}

/// How paddock talks HTTP; tests use the real one against a loopback server.
public protocol HTTPTransport: Sendable {
    func get(_ url: URL, headers: [String: String]) async throws -> HTTPResponse
    /// A GET whose body (of a 2xx answer) goes to `file`, or into `body` when `file` is nil,
    /// stopped with `FetchLimitExceeded` as soon as it passes a limit. Other answers come back
    /// without their body.
    func get(_ url: URL, headers: [String: String], limits: FetchLimits, to file: URL?) async throws -> HTTPResponse
}

extension HTTPTransport {
    /// For transports that only read whole bodies: the size is checked after the fact.
    public func get(_ url: URL, headers: [String: String], limits: FetchLimits, to file: URL?) async throws -> HTTPResponse {
        var response = try await get(url, headers: headers)
        guard (200..<300).contains(response.status) else {
            response.body = Data()
            return response
        }
        if Int64(response.body.count) > limits.maxBytes { throw FetchLimitExceeded.tooLarge(limit: limits.maxBytes) }
        if let file {
            try response.body.write(to: file)
            response.body = Data()
            response.bodyFile = file
        }
        return response
    }
}

public let paddockUserAgent = "paddock/0.1 (Linux)"

/// URLSession (libcurl underneath on Linux): honours `https_proxy`/`no_proxy` like curl.
public struct URLSessionTransport: HTTPTransport {
    /// No answer (status line) within this long fails the fetch.
    private let timeout: TimeInterval

    public init(timeout: TimeInterval = 30) { self.timeout = timeout }

    /// The whole body in memory, up to 1 GiB.
    public func get(_ url: URL, headers: [String: String]) async throws -> HTTPResponse {
        try await get(url, headers: headers, limits: FetchLimits(maxBytes: 1 << 30), to: nil)
    }

    /// Streamed through the data-task delegate (to disk when given a file), with a watchdog for
    /// the answer, stalls, the minimum speed and the deadline, as the downloader's transfers.
    public func get(_ url: URL, headers: [String: String], limits: FetchLimits, to file: URL?) async throws -> HTTPResponse {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: 7 * 24 * 3600)
        request.setValue(paddockUserAgent, forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 7 * 24 * 3600
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.urlCache = nil
        let fetch = BoundedFetch(file: file, limits: limits)
        let queue = BackpressureQueue()
        let session = URLSession(configuration: configuration, delegate: fetch, delegateQueue: queue)
        defer { session.invalidateAndCancel() }
        let task = session.dataTask(with: request)
        // A timer on a queue of its own, not a task: a busy cooperative pool must not delay it.
        let tick = min(0.1, limits.stallSeconds / 4, timeout / 4)
        let watchdog = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "paddock.fetch.watchdog"))
        watchdog.schedule(deadline: .now() + tick, repeating: tick)
        watchdog.setEventHandler { [timeout] in
            if fetch.checkTimeouts(answer: timeout) { task.cancel() }
        }
        watchdog.resume()
        defer { watchdog.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                fetch.start(continuation)
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }
}

/// The delegate of one bounded fetch: URLSession calls it on its serial queue, the watchdog
/// from its task; shared fields under the lock.
private final class BoundedFetch: NSObject, URLSessionDataDelegate, Sendable {
    private let file: URL?
    private let limits: FetchLimits
    private struct Shared {
        var count: Int64 = 0
        var response: HTTPResponse?
        var continuation: CheckedContinuation<HTTPResponse, any Error>?
        var failure: (any Error)?
        var started = Date()
        var lastActivity = Date()
        var speed = SpeedCheck()
        // Only the delegate's callbacks, one at a time on URLSession's serial queue, touch these;
        // they are under the lock too so that the class is Sendable without an unchecked promise.
        var handle: FileHandle?
        var body = Data()
    }
    private let shared = Mutex(Shared())

    init(file: URL?, limits: FetchLimits) {
        self.file = file
        self.limits = limits
    }

    func start(_ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        shared.withLock { shared in
            shared.continuation = continuation
            shared.started = Date()
            shared.lastActivity = shared.started
        }
    }

    /// True (and the failure recorded) when a limit of time has passed.
    func checkTimeouts(answer: TimeInterval) -> Bool {
        shared.withLock { shared in
            guard shared.failure == nil, shared.continuation != nil else { return false }
            let now = Date()
            if now.timeIntervalSince(shared.started) >= limits.deadline {
                shared.failure = FetchLimitExceeded.deadline(seconds: limits.deadline)
            } else if shared.response == nil {
                if now.timeIntervalSince(shared.started) > answer { shared.failure = FetchLimitExceeded.noAnswer(seconds: answer) }
            } else if now.timeIntervalSince(shared.lastActivity) > limits.stallSeconds {
                shared.failure = FetchLimitExceeded.stalled(seconds: limits.stallSeconds)
            } else if shared.speed.isTooSlow(
                at: now, received: shared.count, minSpeed: limits.minSpeed, window: limits.stallSeconds)
            {
                shared.failure = FetchLimitExceeded.tooSlow(minSpeed: limits.minSpeed, seconds: limits.stallSeconds)
            }
            return shared.failure != nil
        }
    }

    private func fail(_ error: any Error) {
        shared.withLock { shared in
            if shared.failure == nil { shared.failure = error }
        }
    }

    /// Only http(s) redirects are followed: a server must not send paddock to a local file.
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        let scheme = request.url?.scheme?.lowercased()
        guard scheme == "http" || scheme == "https" else {
            fail(FetchLimitExceeded.redirectRefused(location: request.url?.absoluteString ?? "?"))
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
        guard let http = response as? HTTPURLResponse else {
            fail(URLError(.badServerResponse))
            return completionHandler(.cancel)
        }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        let now = Date()
        shared.withLock { shared in
            shared.response = HTTPResponse(status: http.statusCode, headers: fields, body: Data())
            shared.lastActivity = now
            shared.speed.start(at: now)
        }
        guard (200..<300).contains(http.statusCode) else {
            // Only the status matters: the body is not read.
            finish(nil)
            return completionHandler(.cancel)
        }
        if http.expectedContentLength > limits.maxBytes {
            fail(FetchLimitExceeded.tooLarge(limit: limits.maxBytes))
            return completionHandler(.cancel)
        }
        if let file {
            guard FileManager.default.createFile(atPath: file.path, contents: nil), let handle = FileHandle(forWritingAtPath: file.path) else {
                fail(CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path]))
                return completionHandler(.cancel)
            }
            shared.withLock { $0.handle = handle }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let (stopped, count, handle) = shared.withLock { shared in
            shared.lastActivity = Date()
            return (shared.failure != nil || shared.continuation == nil, shared.count, shared.handle)
        }
        guard !stopped else { return }
        guard count + Int64(data.count) <= limits.maxBytes else {
            // Nothing past the limit is kept: the endless body ends here.
            fail(FetchLimitExceeded.tooLarge(limit: limits.maxBytes))
            return BackpressureQueue.cancel(dataTask)
        }
        do {
            if let handle { try handle.write(contentsOf: data) }
        } catch {
            fail(error)
            return BackpressureQueue.cancel(dataTask)
        }
        shared.withLock { shared in
            if handle == nil { shared.body.append(data) }
            shared.count += Int64(data.count)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        finish(error)
    }

    /// Resumes the caller once: with the failure, the error, or the response.
    private func finish(_ error: (any Error)?) {
        let (continuation, failure, response, handle, body) = shared.withLock { shared in
            defer {
                shared.continuation = nil
                shared.handle = nil
                shared.body = Data()
            }
            return (shared.continuation, shared.failure, shared.response, shared.handle, shared.body)
        }
        try? handle?.close()
        guard let continuation else { return }
        if let stop = failure ?? error {
            if let file { try? FileManager.default.removeItem(at: file) }
            return continuation.resume(throwing: stop)
        }
        guard var response else { return continuation.resume(throwing: URLError(.badServerResponse)) }
        if (200..<300).contains(response.status) {
            if let file { response.bodyFile = file } else { response.body = body }
        }
        continuation.resume(returning: response)
    }
}
