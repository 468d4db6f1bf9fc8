import FeedModel
import Foundation
import PaddockBasics

#if canImport(Glibc)
    import Glibc
#endif

/// Where the downloader keeps files and how patient it is.
public struct DownloaderConfiguration: Sendable {
    /// `CACHE/partial/<key>.part` while downloading, `CACHE/sha256/<hex>` once verified,
    /// `CACHE/sha1/<hex>` a symlink to the latter for requests that give a SHA-1.
    public var cache: URL
    /// For WebPI's `%VAR%` forms (see `PathVariables`).
    public var environment: [String: String]
    public var maxParallel: Int
    /// No HTTP answer (status line) within this long fails the attempt.
    public var connectTimeout: TimeInterval
    /// No bytes for this long, once the answer came, fails the attempt (retried); fewer than
    /// `minSpeed` bytes a second over this long fails the download (not retried).
    public var stallTimeout: TimeInterval
    /// Bytes a second; 0 checks only for no bytes at all. `download-min-speed`.
    public var minSpeed: Int64
    /// How long one file may take, all attempts and waits together. `download-deadline`.
    public var deadline: TimeInterval
    /// The most bytes of a file whose request declares no size. `download-max-file-size`.
    public var maxFileSize: Int64
    /// Waits before the 2nd, 3rd, ... attempt; only after connection errors, 5xx, stalls and
    /// early closes, never after 4xx or a hash mismatch.
    public var retryDelays: [TimeInterval]
    public var progressInterval: TimeInterval
    public var userAgent: String

    public init(
        cache: URL, environment: [String: String] = ProcessInfo.processInfo.environment, maxParallel: Int = 4,
        connectTimeout: TimeInterval = 30, stallTimeout: TimeInterval = 30, retryDelays: [TimeInterval] = [0.5, 1, 2],
        progressInterval: TimeInterval = 0.1, userAgent: String = "paddock/0.1 (Linux)",
        minSpeed: Int64 = DownloaderConfiguration.defaultMinSpeed, deadline: TimeInterval = DownloaderConfiguration.defaultDeadline,
        maxFileSize: Int64 = DownloaderConfiguration.defaultMaxFileSize
    ) {
        self.cache = cache
        self.environment = environment
        self.maxParallel = max(1, maxParallel)
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.retryDelays = retryDelays
        self.progressInterval = progressInterval
        self.userAgent = userAgent
        self.minSpeed = max(0, minSpeed)
        self.deadline = deadline
        self.maxFileSize = maxFileSize
    }

    /// 1 KiB/s over `stallTimeout` (30 s).
    public static let defaultMinSpeed: Int64 = 1024
    /// 10 minutes a file.
    public static let defaultDeadline: TimeInterval = 600
    /// 4 GiB for a file whose feed gives no size.
    public static let defaultMaxFileSize: Int64 = 4 << 30
}

/// Fetches files into a content-addressed cache, verifying each before it becomes visible.
///
/// - http/https through URLSession (libcurl on Linux). Proxies: libcurl reads `http_proxy`,
///   `https_proxy`/`HTTPS_PROXY`, `all_proxy`/`ALL_PROXY` and `no_proxy`/`NO_PROXY` from the
///   environment itself, and URLSession on Linux sets no proxy of its own, so they are
///   honoured as curl honours them. Like curl, upper-case `HTTP_PROXY` is ignored (httpoxy),
///   and loopback addresses go through the proxy unless `no_proxy` names them.
/// - `file://` URLs and plain paths are copied through the same verification.
/// - Up to `maxParallel` at once; identical requests (same hash) in one batch are fetched once.
/// - A second request for a hash already in the cache does not touch the network.
public struct Downloader: Sendable {
    public let configuration: DownloaderConfiguration

    public init(configuration: DownloaderConfiguration) {
        self.configuration = configuration
    }

    public init(cache: URL, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(configuration: DownloaderConfiguration(cache: cache, environment: environment))
    }

    var partialFolder: URL { configuration.cache.appendingPathComponent("partial") }
    var sha256Folder: URL { configuration.cache.appendingPathComponent("sha256") }
    var sha1Folder: URL { configuration.cache.appendingPathComponent("sha1") }

    /// Downloads every request, at most `maxParallel` at a time; results in request order.
    /// The first failure cancels the rest (their partial files stay for a later resume) and
    /// is thrown.
    public func download(
        _ requests: [DownloadRequest], delegate: any DownloadDelegate = SilentDownloadDelegate()
    ) async throws -> [DownloadResult] {
        try prepareFolders()
        // One fetch per distinct key; the rest share its result.
        var firstIndex: [String: Int] = [:]
        var unique: [Int] = []
        for (index, request) in requests.enumerated() {
            let key = Self.key(for: request)
            if firstIndex[key] == nil {
                firstIndex[key] = index
                unique.append(index)
            }
        }
        var results = [DownloadResult?](repeating: nil, count: requests.count)
        try await withThrowingTaskGroup(of: (Int, DownloadResult).self) { group in
            var next = 0
            func addNext() {
                guard next < unique.count else { return }
                let index = unique[next]
                next += 1
                group.addTask { (index, try await fetch(requests[index], delegate: delegate)) }
            }
            for _ in 0..<min(configuration.maxParallel, unique.count) { addNext() }
            while let (index, result) = try await group.next() {
                results[index] = result
                addNext()
            }
        }
        return requests.enumerated().map { index, request in
            var shared = results[firstIndex[Self.key(for: request)]!]!
            shared.request = request
            return shared
        }
    }

    public func download(_ request: DownloadRequest, delegate: any DownloadDelegate = SilentDownloadDelegate()) async throws -> DownloadResult {
        try await download([request], delegate: delegate)[0]
    }

    /// `sha256-<hex>` or `sha1-<hex>`, or for unverified requests `url-<sha256 of the source>`.
    static func key(for request: DownloadRequest) -> String {
        if let algorithm = request.expectedHash.algorithm, let hex = request.expectedHash.hex {
            return "\(algorithm.rawValue)-\(hex)"
        }
        return "url-" + Hashing.sha256(Array(request.source.utf8))
    }

    private func prepareFolders() throws {
        do {
            for folder in [partialFolder, sha256Folder, sha1Folder] {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
        } catch {
            if FileSystemErrno.isDiskFull(error) { throw DownloadError.diskFull(path: configuration.cache.path) }
            throw DownloadError.cache(reason: "cannot create folders under '\(configuration.cache.path)': \(error.localizedDescription)")
        }
    }

    private enum Source {
        case http(URL)
        case file(String)
    }

    private func fetch(_ request: DownloadRequest, delegate: any DownloadDelegate) async throws -> DownloadResult {
        do {
            let result = try await fetchUnreported(request, delegate: delegate)
            delegate.didFinish(request, result: result)
            return result
        } catch let error as DownloadError {
            delegate.didFail(request, error: error)
            throw error
        }
    }

    private func fetchUnreported(_ request: DownloadRequest, delegate: any DownloadDelegate) async throws -> DownloadResult {
        let source = PathVariables.expand(request.source, environment: configuration.environment)
        let parsed = try Self.parse(source)
        if let hex = request.expectedHash.hex, let algorithm = request.expectedHash.algorithm {
            let length = algorithm == .sha256 ? 64 : 40
            guard hex.count == length, hex.allSatisfy(\.isHexDigit) else {
                throw DownloadError.invalidHash(url: source, hash: hex)
            }
        } else if !request.allowUnverified {
            throw DownloadError.unverified(url: source)
        }

        delegate.willStart(request)
        if let cached = cachedFile(for: request.expectedHash) {
            return DownloadResult(request: request, file: cached.file, sha256: cached.sha256, size: cached.size, cacheHit: true)
        }

        let partial = partialFolder.appendingPathComponent(Self.key(for: request) + ".part")
        let progress: @Sendable (Int64, Int64?) -> Void = { bytes, total in delegate.progress(request, bytes: bytes, total: total) }
        let digest: StreamingDigest
        switch parsed {
        case .file(let path):
            digest = try copy(path, to: partial, request: request, source: source, progress: progress)
        case .http(let url):
            digest = try await transfer(url, display: source, to: partial, request: request, delegate: delegate, progress: progress)
        }
        return try store(partial, digest: digest, request: request, source: source)
    }

    /// http(s) and file URLs; anything without a scheme is a path (`\` read as `/`).
    private static func parse(_ source: String) throws -> Source {
        let lowered = source.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            guard let url = URL(string: source), url.host != nil else { throw DownloadError.unsupportedSource(url: source) }
            return .http(url)
        }
        if lowered.hasPrefix("file://") {
            guard let url = URL(string: source), url.isFileURL else { throw DownloadError.unsupportedSource(url: source) }
            return .file(url.path)
        }
        if let colon = source.firstIndex(of: ":"), let slash = source.firstIndex(of: "/"), colon < slash,
            source[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+.-".contains($0) }), source.distance(from: source.startIndex, to: colon) > 1
        {
            throw DownloadError.unsupportedSource(url: source)
        }
        return .file(source.replacingOccurrences(of: "\\", with: "/"))
    }

    /// The verified file for a hash already in the cache.
    private func cachedFile(for hash: ExpectedHash) -> (file: URL, sha256: String, size: Int64)? {
        guard let hex = hash.hex, let algorithm = hash.algorithm else { return nil }
        let file: URL
        switch algorithm {
        case .sha256:
            file = sha256Folder.appendingPathComponent(hex)
        case .sha1:
            let link = sha1Folder.appendingPathComponent(hex)
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link.path) else { return nil }
            file = sha1Folder.appendingPathComponent(target).standardizedFileURL
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let size = (attributes[.size] as? NSNumber)?.int64Value
        else { return nil }
        return (file, file.lastPathComponent, size)
    }

    /// The most bytes a request may bring: its declared size in KB (WebPI's sizes are rounded)
    /// plus max(1 KiB, 1%), or `maxFileSize` when it declares none.
    public static func sizeLimit(declaredKB: Int?, maxFileSize: Int64) -> Int64 {
        guard let declaredKB, declaredKB >= 0 else { return maxFileSize }
        let (bytes, overflow) = Int64(declaredKB).multipliedReportingOverflow(by: 1024)
        if overflow { return .max }
        let (limit, overflowAgain) = bytes.addingReportingOverflow(max(1024, bytes / 100))
        return overflowAgain ? .max : limit
    }

    private func sizeLimit(_ request: DownloadRequest) -> Int64 {
        Self.sizeLimit(declaredKB: request.declaredSizeKB, maxFileSize: configuration.maxFileSize)
    }

    private func transfer(
        _ url: URL, display: String, to partial: URL, request: DownloadRequest, delegate: any DownloadDelegate,
        progress: @escaping @Sendable (Int64, Int64?) -> Void
    ) async throws -> StreamingDigest {
        var attempt = 0
        let deadline = Date().addingTimeInterval(configuration.deadline)
        while true {
            guard Date() < deadline else {
                try? FileManager.default.removeItem(at: partial)
                throw DownloadError.deadline(url: display, seconds: configuration.deadline)
            }
            let transfer = HTTPTransfer(
                url: url, displayURL: display, name: request.name, partial: partial, expectedSize: request.expectedSize,
                sizeLimit: sizeLimit(request), declaredSizeKB: request.declaredSizeKB, deadline: deadline,
                computeSHA1: request.expectedHash.algorithm == .sha1, configuration: configuration, progress: progress)
            do {
                return try await transfer.run()
            } catch let failure as TransferFailure {
                if case .final(let error) = failure {
                    try? FileManager.default.removeItem(at: partial)
                    throw error
                }
                if case .restart = failure { try? FileManager.default.removeItem(at: partial) }
                guard attempt < configuration.retryDelays.count, !Task.isCancelled else { throw failure.error }
                let delay = configuration.retryDelays[attempt]
                attempt += 1
                delegate.willRetry(request, attempt: attempt, after: delay, because: failure.error)
                try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
            }
        }
    }

    /// A local file copied into the partial file in 1 MiB chunks, hashed on the way; stopped
    /// past the request's size limit (a FIFO or a device never ends).
    private func copy(
        _ path: String, to partial: URL, request: DownloadRequest, source: String, progress: @Sendable (Int64, Int64?) -> Void
    ) throws -> StreamingDigest {
        guard let input = FileHandle(forReadingAtPath: path) else { throw DownloadError.fileNotFound(path: path) }
        defer { try? input.close() }
        let total = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        let limit = sizeLimit(request)
        var digest = StreamingDigest(sha1: request.expectedHash.algorithm == .sha1)
        var tooLarge = false
        do {
            _ = FileManager.default.createFile(atPath: partial.path, contents: nil)
            let output = try FileHandle(forWritingTo: partial)
            defer { try? output.close() }
            try output.truncate(atOffset: 0)
            progress(0, total)
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                if digest.count + Int64(chunk.count) > limit {
                    tooLarge = true
                    break
                }
                try output.write(contentsOf: chunk)
                digest.update(chunk)
                progress(digest.count, total)
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            if FileSystemErrno.isDiskFull(error) { throw DownloadError.diskFull(path: configuration.cache.path) }
            throw DownloadError.cache(reason: "cannot copy '\(path)': \(error.localizedDescription)")
        }
        if tooLarge {
            try? FileManager.default.removeItem(at: partial)
            throw DownloadError.tooLarge(url: source, name: request.name, limit: limit, declaredKB: request.declaredSizeKB)
        }
        return digest
    }

    /// Verifies the partial file and moves it to `sha256/<hex>`; deletes it on a mismatch.
    private func store(_ partial: URL, digest: StreamingDigest, request: DownloadRequest, source: String) throws -> DownloadResult {
        let (sha256, sha1) = digest.finalize()
        func refuse(_ error: DownloadError) -> DownloadError {
            try? FileManager.default.removeItem(at: partial)
            return error
        }
        if let expected = request.expectedSize, expected != digest.count {
            throw refuse(.sizeMismatch(url: source, expected: expected, actual: digest.count))
        }
        switch request.expectedHash {
        case .sha256(let hex) where hex.lowercased() != sha256:
            throw refuse(.hashMismatch(url: source, algorithm: .sha256, expected: hex.lowercased(), actual: sha256))
        case .sha1(let hex) where hex.lowercased() != sha1:
            throw refuse(.hashMismatch(url: source, algorithm: .sha1, expected: hex.lowercased(), actual: sha1 ?? ""))
        default:
            break
        }
        let final = sha256Folder.appendingPathComponent(sha256)
        if FileManager.default.fileExists(atPath: final.path) {
            try? FileManager.default.removeItem(at: partial)
        } else {
            chmod(partial.path, 0o444)
            guard rename(partial.path, final.path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw refuse(.cache(reason: "cannot move '\(partial.path)' to '\(final.path)': \(reason)"))
            }
        }
        if let sha1, case .sha1 = request.expectedHash {
            let link = sha1Folder.appendingPathComponent(sha1)
            try? FileManager.default.removeItem(at: link)
            try? FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "../sha256/\(sha256)")
        }
        return DownloadResult(request: request, file: final, sha256: sha256, size: digest.count, cacheHit: false)
    }
}
