import Foundation
import PaddockDownload
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A cache folder and a downloader with short, test-sized timeouts.
struct DownloadFixture {
    let root: URL
    var cache: URL { root.appendingPathComponent("cache") }

    init() throws { root = try TestPaths.temporaryDirectory("paddock-download") }

    func downloader(
        maxParallel: Int = 4, connectTimeout: TimeInterval = 5, stallTimeout: TimeInterval = 5,
        retryDelays: [TimeInterval] = [0.05, 0.1, 0.2], environment: [String: String] = [:]
    ) -> Downloader {
        Downloader(
            configuration: DownloaderConfiguration(
                cache: cache, environment: environment, maxParallel: maxParallel, connectTimeout: connectTimeout,
                stallTimeout: stallTimeout, retryDelays: retryDelays))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func listing(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent(folder).path)) ?? []).sorted()
    }
}

/// Deterministic bytes that differ per seed.
func payload(_ count: Int, seed: Int) -> [UInt8] {
    var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

func message(_ body: () async throws -> Void) async -> String? {
    do {
        try await body()
        return nil
    } catch {
        return "\(error)"
    }
}

/// A counter shared between a server's handler threads and the test.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    private var peak = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
    func enter() {
        lock.lock()
        value += 1
        peak = max(peak, value)
        lock.unlock()
    }
    func leave() {
        lock.lock()
        value -= 1
        lock.unlock()
    }
    var maximum: Int {
        lock.lock()
        defer { lock.unlock() }
        return peak
    }
}

/// A port on 127.0.0.1 that nothing listens on.
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

@Suite("Downloading from a loopback server", .serialized, .timingSensitive)
struct DownloaderTests {
    @Test("several files download in parallel, at most maxParallel at once, results in order")
    func parallel() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let files = (0..<6).map { payload(50_000 + $0 * 1000, seed: $0) }
        let inFlight = Counter()
        let server = try LoopbackHTTPServer { request in
            inFlight.enter()
            defer { inFlight.leave() }
            usleep(300_000)
            let index = Int(request.path.dropFirst("/file".count)) ?? 0
            return .init(body: files[index])
        }
        let requests = files.indices.map {
            DownloadRequest("\(server.baseURL)/file\($0)", hash: .sha256(Hashing.sha256(files[$0])), size: Int64(files[$0].count))
        }
        let recorder = RecordingDownloadDelegate()
        let results = try await fixture.downloader(maxParallel: 4).download(requests, delegate: recorder)
        #expect(results.map(\.request.name) == ["file0", "file1", "file2", "file3", "file4", "file5"])
        for (index, result) in results.enumerated() {
            #expect(try Data(contentsOf: result.file) == Data(files[index]))
            #expect(result.file.path == fixture.cache.path + "/sha256/" + Hashing.sha256(files[index]))
            #expect(result.cacheHit == false)
            #expect(recorder.events(for: "file\(index)").first == .willStart(name: "file\(index)"))
            #expect(recorder.events(for: "file\(index)").last == .didFinish(name: "file\(index)", cacheHit: false))
            #expect(recorder.events(for: "file\(index)").contains(.progress(name: "file\(index)", bytes: Int64(files[index].count), total: Int64(files[index].count))))
        }
        #expect(inFlight.maximum == 4)
        #expect(server.requests.allSatisfy { $0.header("User-Agent") == "paddock/0.1 (Linux)" })
        #expect(fixture.listing("partial") == [])
    }

    @Test("the first failure cancels the other downloads and keeps their partial files")
    func firstFailureCancels() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let server = try LoopbackHTTPServer { request in
            request.path == "/bad" ? .init(status: 404, delay: 0.3) : .init(body: payload(100_000, seed: 11), stallAfter: 1000)
        }
        defer { server.stop() }
        let slowHash = String(repeating: "b", count: 64)
        let clock = ContinuousClock()
        let start = clock.now
        let text = await message {
            _ = try await fixture.downloader().download([
                DownloadRequest("\(server.baseURL)/slow", hash: .sha256(slowHash)),
                DownloadRequest("\(server.baseURL)/bad", hash: .sha256(String(repeating: "a", count: 64))),
            ])
        }
        #expect(text == "could not download \(server.baseURL)/bad: the server answered HTTP 404")
        // The slow one would only end at its 30 s stall timeout: well before that proves it was
        // cancelled (the bound is loose because tests share a small machine).
        #expect(clock.now - start < .seconds(15))
        let partial = fixture.cache.appendingPathComponent("partial/sha256-\(slowHash).part")
        #expect((try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)??.intValue == 1000)
    }

    @Test("a hash mismatch is refused and nothing is left in the cache")
    func hashMismatch() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let body = payload(10_000, seed: 1)
        let server = try LoopbackHTTPServer { _ in .init(body: body) }
        let wrong = String(repeating: "ab", count: 32)
        let url = "\(server.baseURL)/app.tar.gz"
        let recorder = RecordingDownloadDelegate()
        let text = await message { _ = try await fixture.downloader().download(DownloadRequest(url, hash: .sha256(wrong)), delegate: recorder) }
        let expected = "hash mismatch for \(url): expected sha256 \(wrong), got \(Hashing.sha256(body)); nothing was installed"
        #expect(text == expected)
        #expect(
            recorder.events.last
                == .didFail(
                    name: "app.tar.gz", error: .hashMismatch(url: url, algorithm: .sha256, expected: wrong, actual: Hashing.sha256(body))))
        #expect(fixture.listing("sha256") == [])
        #expect(fixture.listing("partial") == [])
        #expect(server.requests.count == 1)
    }

    @Test("an interrupted download resumes with a Range request and verifies")
    func resume() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let body = payload(400_000, seed: 2)
        let calls = Counter()
        let server = try LoopbackHTTPServer { request in
            if calls.next() == 1 { return .init(body: body, closeAfter: 150_000) }
            return .serving(body, for: request)
        }
        let recorder = RecordingDownloadDelegate()
        let url = "\(server.baseURL)/big.tar.gz"
        let result = try await fixture.downloader().download(
            DownloadRequest(url, hash: .sha256(Hashing.sha256(body))), delegate: recorder)
        #expect(try Data(contentsOf: result.file) == Data(body))
        #expect(server.requests.count == 2)
        #expect(server.requests.first?.header("Range") == nil)
        #expect(server.requests.last?.header("Range") == "bytes=150000-")
        let retries = recorder.events.filter { if case .willRetry = $0 { return true } else { return false } }
        #expect(retries == [.willRetry(name: "big.tar.gz", attempt: 1, error: .transport(url: url, reason: "the connection closed after 150000 of 400000 bytes"))])
        #expect(fixture.listing("partial") == [])
    }

    @Test("a server that ignores Range gets a fresh start and the file still verifies")
    func rangeIgnored() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let body = payload(200_000, seed: 3)
        let calls = Counter()
        let server = try LoopbackHTTPServer { _ in
            calls.next() == 1 ? .init(body: body, closeAfter: 70_000) : .init(body: body)
        }
        let result = try await fixture.downloader().download(DownloadRequest("\(server.baseURL)/x.zip", hash: .sha256(Hashing.sha256(body))))
        #expect(try Data(contentsOf: result.file) == Data(body))
        #expect(server.requests.last?.header("Range") == "bytes=70000-")
    }

    @Test("a second download of the same hash is a cache hit without any request")
    func cacheHit() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let body = payload(30_000, seed: 4)
        let first = try LoopbackHTTPServer { _ in .init(body: body) }
        let second = try LoopbackHTTPServer { _ in .init(status: 500) }
        let hash = ExpectedHash.sha256(Hashing.sha256(body).uppercased())
        let downloaded = try await fixture.downloader().download(DownloadRequest("\(first.baseURL)/a.tgz", hash: hash))
        let recorder = RecordingDownloadDelegate()
        let again = try await fixture.downloader().download(DownloadRequest("\(second.baseURL)/a.tgz", hash: hash), delegate: recorder)
        #expect(downloaded.cacheHit == false)
        #expect(again.cacheHit == true)
        #expect(again.file == downloaded.file)
        #expect(again.size == 30_000)
        #expect(first.requests.count == 1)
        #expect(second.requests.count == 0)
        #expect(recorder.events == [.willStart(name: "a.tgz"), .didFinish(name: "a.tgz", cacheHit: true)])
    }

    @Test("a SHA-1 is checked too, and is a cache key of its own")
    func sha1() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let body = payload(20_000, seed: 5)
        let server = try LoopbackHTTPServer { _ in .init(body: body) }
        let request = DownloadRequest("\(server.baseURL)/old.zip", hash: .sha1(Hashing.sha1(body)))
        let first = try await fixture.downloader().download(request)
        let second = try await fixture.downloader().download(request)
        #expect(first.sha256 == Hashing.sha256(body))
        #expect(second.cacheHit == true)
        #expect(second.file.path == first.file.path)
        #expect(server.requests.count == 1)
        let wrong = String(repeating: "0", count: 40)
        let text = await message { _ = try await fixture.downloader().download(DownloadRequest("\(server.baseURL)/old.zip", hash: .sha1(wrong))) }
        #expect(text == "hash mismatch for \(server.baseURL)/old.zip: expected sha1 \(wrong), got \(Hashing.sha1(body)); nothing was installed")
    }

    @Test("a 500 and then a 200 is retried; the retry is reported")
    func retry500() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let body = payload(5_000, seed: 6)
        let calls = Counter()
        let server = try LoopbackHTTPServer { _ in calls.next() == 1 ? .init(status: 500) : .init(body: body) }
        let recorder = RecordingDownloadDelegate()
        let url = "\(server.baseURL)/flaky.tar.gz"
        let result = try await fixture.downloader().download(DownloadRequest(url, hash: .sha256(Hashing.sha256(body))), delegate: recorder)
        #expect(result.size == 5_000)
        #expect(server.requests.count == 2)
        #expect(recorder.events.contains(.willRetry(name: "flaky.tar.gz", attempt: 1, error: .httpStatus(url: url, status: 500))))
    }

    @Test("a 500 that stays is given up after every retry")
    func persistent500() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let server = try LoopbackHTTPServer { _ in .init(status: 503) }
        let url = "\(server.baseURL)/down.zip"
        let text = await message { _ = try await fixture.downloader().download(DownloadRequest(url, hash: .sha256(String(repeating: "a", count: 64)))) }
        #expect(text == "could not download \(url): the server answered HTTP 503")
        #expect(server.requests.count == 4)
    }

    @Test("404 fails at once, without retries")
    func notFound() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let server = try LoopbackHTTPServer { _ in .init(status: 404) }
        let url = "\(server.baseURL)/missing.tar.gz"
        let clock = ContinuousClock()
        let start = clock.now
        let text = await message { _ = try await fixture.downloader().download(DownloadRequest(url, hash: .sha256(String(repeating: "a", count: 64)))) }
        #expect(text == "could not download \(url): the server answered HTTP 404")
        // Bounds are loose (tests run in parallel on a small machine); the request count proves no retry.
        #expect(clock.now - start < .seconds(10))
        #expect(server.requests.count == 1)
        #expect(fixture.listing("partial") == [])
    }

    @Test("a redirect to a file of this machine is not followed, and said so (not 'HTTP 404')", arguments: ["file:///etc/hostname", "ftp://127.0.0.1/x"])
    func redirectToFile(location: String) async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let server = try LoopbackHTTPServer { _ in .init(status: 302, headers: ["Location": location]) }
        defer { server.stop() }
        let url = "\(server.baseURL)/redirect.tar.gz"
        let text = await message { _ = try await fixture.downloader(retryDelays: []).download(DownloadRequest(url, hash: .sha256(String(repeating: "a", count: 64)))) }
        if location.hasPrefix("file:") {
            // Foundation on Linux never asks the delegate about a file:// Location: it loops.
            #expect(text == "could not download \(url): the server redirects too many times, or to an address that is not http(s) (such as file://), which paddock does not follow")
        } else {
            #expect(text == "could not download \(url): the server redirects to '\(location)', which is not an http(s) address; paddock does not follow it")
            #expect(server.requests.count == 1)
        }
        #expect(text?.contains("404") == false)
    }

    @Test("a refused connection is retried, then reported")
    func refused() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let url = "http://127.0.0.1:\(try closedPort())/x.tar.gz"
        let recorder = RecordingDownloadDelegate()
        let clock = ContinuousClock()
        let start = clock.now
        let text = await message {
            _ = try await fixture.downloader().download(DownloadRequest(url, hash: .sha256(String(repeating: "a", count: 64))), delegate: recorder)
        }
        #expect(text == "could not download \(url): connection refused")
        #expect(clock.now - start < .seconds(15))
        #expect(recorder.events.filter { if case .willRetry = $0 { return true } else { return false } }.count == 3)
        #expect(recorder.events.last == .didFail(name: "x.tar.gz", error: .connectionRefused(url: url)))
    }

    @Test("a server that stops sending fails after the stall timeout")
    func stalled() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        // 10,000 bytes: more than the 1 KB/s minimum speed asks of the window, so it is a stall.
        let server = try LoopbackHTTPServer { _ in .init(body: payload(100_000, seed: 7), stallAfter: 10_000) }
        defer { server.stop() }
        let url = "\(server.baseURL)/slow.tar.gz"
        let clock = ContinuousClock()
        let start = clock.now
        let text = await message {
            _ = try await fixture.downloader(stallTimeout: 1, retryDelays: []).download(
                DownloadRequest(url, hash: .sha256(String(repeating: "a", count: 64))))
        }
        let elapsed = clock.now - start
        #expect(text == "could not download \(url): no data for 1 second (download-stall-seconds in config.toml)")
        #expect(elapsed >= .milliseconds(900))
        #expect(elapsed < .seconds(10))
        // The partial file stays for a later resume.
        #expect(fixture.listing("partial") == ["sha256-" + String(repeating: "a", count: 64) + ".part"])
    }

    @Test("a server that never answers fails after the connect timeout")
    func noAnswer() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let server = try LoopbackHTTPServer { _ in .init(body: [1], delay: 3) }
        let url = "\(server.baseURL)/silent.zip"
        let clock = ContinuousClock()
        let start = clock.now
        let text = await message {
            _ = try await fixture.downloader(connectTimeout: 0.5, retryDelays: []).download(
                DownloadRequest(url, hash: .sha256(String(repeating: "a", count: 64))))
        }
        // The server would answer after 3 s; the message proves the 0.5 s timeout fired first.
        #expect(text == "could not download \(url): no answer within 0.5 seconds")
        #expect(clock.now - start < .seconds(10))
    }

    @Test("a size that differs from the expected one is refused")
    func sizeMismatch() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let body = payload(1_000, seed: 8)
        let server = try LoopbackHTTPServer { _ in .init(body: body) }
        let url = "\(server.baseURL)/s.zip"
        let text = await message { _ = try await fixture.downloader().download(DownloadRequest(url, hash: .sha256(Hashing.sha256(body)), size: 999)) }
        #expect(text == "size mismatch for \(url): expected 999 bytes, got 1000; nothing was installed")
        #expect(fixture.listing("sha256") == [])
        #expect(fixture.listing("partial") == [])
    }

    @Test("without a hash nothing is fetched unless unverified downloads are allowed")
    func unverified() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let body = payload(1_000, seed: 9)
        let server = try LoopbackHTTPServer { _ in .init(body: body) }
        let url = "\(server.baseURL)/u.zip"
        let text = await message { _ = try await fixture.downloader().download(DownloadRequest(url, hash: .none)) }
        #expect(text == "refusing to download \(url): the feed gives no hash to check it against (allow unverified downloads to fetch it anyway)")
        #expect(server.requests.count == 0)
        let result = try await fixture.downloader().download(DownloadRequest(url, hash: .none, allowUnverified: true))
        #expect(result.sha256 == Hashing.sha256(body))
        let bad = await message { _ = try await fixture.downloader().download(DownloadRequest(url, hash: .sha256("abc"))) }
        #expect(bad == "the expected hash 'abc' for \(url) is not a hex digest of the right length")
    }
}

@Suite("Local sources")
struct LocalSourceTests {
    @Test("file:// URLs, plain paths and %TEMP% paths are copied through the same verification")
    func local() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let body = payload(2_500_000, seed: 10)
        let source = fixture.root.appendingPathComponent("src/Setup Files.tar.gz")
        try FileManager.default.createDirectory(at: source.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(body).write(to: source)
        let hash = ExpectedHash.sha256(Hashing.sha256(body))
        let downloader = fixture.downloader(environment: ["TEMP": fixture.root.path + "/src"])
        let viaURL = try await downloader.download(DownloadRequest(source.absoluteString, hash: hash))
        #expect(viaURL.cacheHit == false)
        #expect(try Data(contentsOf: viaURL.file) == Data(body))
        try FileManager.default.removeItem(at: viaURL.file)
        let viaPath = try await downloader.download(DownloadRequest("%TEMP%\\Setup Files.tar.gz", hash: hash))
        #expect(viaPath.cacheHit == false)
        #expect(viaPath.request.name == "Setup Files.tar.gz")
        let wrong = String(repeating: "c", count: 64)
        let text = await message { _ = try await downloader.download(DownloadRequest(source.path, hash: .sha256(wrong))) }
        #expect(text == "hash mismatch for \(source.path): expected sha256 \(wrong), got \(Hashing.sha256(body)); nothing was installed")
        let missing = await message { _ = try await downloader.download(DownloadRequest("/nonexistent/x.zip", hash: .sha256(wrong))) }
        #expect(missing == "could not read /nonexistent/x.zip: no such file")
        let ftp = await message { _ = try await downloader.download(DownloadRequest("ftp://example.com/x.zip", hash: hash)) }
        #expect(ftp == "could not download ftp://example.com/x.zip: only http, https, file URLs and paths are supported")
    }
}

@Suite("Progress output")
struct DelegateTests {
    final class Sink: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func write(_ more: String) {
            lock.lock()
            text += more
            lock.unlock()
        }
        var output: String {
            lock.lock()
            defer { lock.unlock() }
            return text
        }
    }

    static let request = DownloadRequest("http://h/Django-5.0.tar.gz", hash: .none)
    static let result = DownloadResult(
        request: request, file: URL(fileURLWithPath: "/c/sha256/ab\"c"), sha256: "abc", size: 2048, cacheHit: false)

    @Test("JSON lines: one object per event, keys sorted, written by JSONEncoder")
    func jsonLines() {
        let sink = Sink()
        let delegate = JSONLinesDownloadDelegate(write: sink.write)
        delegate.willStart(Self.request)
        delegate.progress(Self.request, bytes: 1024, total: 2048)
        delegate.progress(Self.request, bytes: 1024, total: nil)
        delegate.didFinish(Self.request, result: Self.result)
        delegate.didFail(Self.request, error: .httpStatus(url: "http://h/x", status: 404))
        #expect(
            sink.output == """
                {"event":"start","name":"Django-5.0.tar.gz","url":"http://h/Django-5.0.tar.gz"}
                {"bytes":1024,"event":"progress","name":"Django-5.0.tar.gz","total":2048}
                {"bytes":1024,"event":"progress","name":"Django-5.0.tar.gz","total":null}
                {"bytes":2048,"cacheHit":false,"event":"finish","file":"/c/sha256/ab\\"c","name":"Django-5.0.tar.gz","sha256":"abc"}
                {"error":"could not download http://h/x: the server answered HTTP 404","event":"fail","name":"Django-5.0.tar.gz"}

                """)
    }

    @Test("the terminal bar redraws its own line on a terminal, with speed and time left, and says nothing otherwise")
    func terminal() {
        let tty = Sink()
        // A clock that moves 2 s a reading: the start, then the progress 2 s later.
        final class Clock: @unchecked Sendable {
            var readings = 0
            func now() -> Date {
                readings += 1
                return Date(timeIntervalSince1970: Double(readings) * 2)
            }
        }
        let clock = Clock()
        let onTerminal = TerminalProgressDelegate(isTerminal: true, width: 10, write: tty.write, now: clock.now)
        onTerminal.willStart(Self.request)
        onTerminal.progress(Self.request, bytes: 1024, total: 2048)
        onTerminal.didFinish(Self.request, result: Self.result)
        let name = "Django-5.0.tar.gz".padding(toLength: 28, withPad: " ", startingAt: 0)
        #expect(
            tty.output == name + " starting\n"
                + "\u{1B}[1A\r" + name + " [#####     ] 50% of 2.0 KiB, 512 B/s, 2s left\u{1B}[K\u{1B}[1B\r"
                + "\u{1B}[1A\r" + name + " done 2.0 KiB\u{1B}[K\u{1B}[1B\r")
        let pipe = Sink()
        let notTerminal = TerminalProgressDelegate(isTerminal: false, write: pipe.write)
        notTerminal.willStart(Self.request)
        notTerminal.progress(Self.request, bytes: 1024, total: 2048)
        notTerminal.didFinish(Self.request, result: Self.result)
        #expect(pipe.output == "")
    }
}
