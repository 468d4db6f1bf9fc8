import Foundation
import PaddockDownload
import TestSupport
import Testing

/// TUF's endless-data and slow-retrieval attacks against the downloader, on real HTTP: each
/// hostile server is stopped at its limit with one line naming the URL (or product), the limit
/// and the setting of config.toml that changes it. Limits are test-sized (a 2-second window,
/// a 1.5-second deadline) so that no test waits for the defaults.
@Suite("Download limits: endless data and slow retrieval", .serialized, .timingSensitive)
struct DownloadLimitTests {
    static let zeros = [UInt8](repeating: 0x41, count: 64 << 10)

    /// One hostile server and what the downloader must say.
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var response: LoopbackHTTPServer.Response
        var declaredKB: Int?
        var deadline: TimeInterval = 60
        /// `URL` and `NAME` are replaced by the request's.
        var expected: String
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "an endless body for a file the feed declares as 4 KB stops past 4 KB + 1 KiB",
            response: .init(body: [], then: .endless(zeros)), declaredKB: 4,
            expected: "could not download URL (NAME): more than 5120 bytes, but the feed declares 4 KB; nothing was installed"),
        Case(
            label: "a Content-Length of 2 GiB for a 4 KB file is refused before the body",
            response: .init(headers: ["Content-Length": "2147483648"], body: [], then: .endless(zeros)), declaredKB: 4,
            expected: "could not download URL (NAME): more than 5120 bytes, but the feed declares 4 KB; nothing was installed"),
        Case(
            label: "1% over a large declared size: 1000 KB allows 1034240 bytes",
            response: .init(body: [], then: .endless(zeros)), declaredKB: 1000,
            expected: "could not download URL (NAME): more than 1034240 bytes, but the feed declares 1000 KB; nothing was installed"),
        Case(
            label: "an endless body without a declared size stops at download-max-file-size",
            response: .init(body: [], then: .endless(zeros)), declaredKB: nil,
            expected:
                "could not download URL (NAME): more than 256 KB, the most for a file whose size the feed does not declare (download-max-file-size in config.toml); nothing was installed"
        ),
        Case(
            label: "10 bytes every 0.1 s is slower than 1 KB/s over the 2-second window",
            response: .init(body: [], then: .drip(Array(repeating: 0x41, count: 10), every: 0.1)), declaredKB: 100,
            expected: "could not download URL: slower than 1 KB/s for 2 seconds (download-min-speed, download-stall-seconds in config.toml)"),
        Case(
            label: "4 KB every 0.1 s passes the speed check but not the 1.5-second deadline",
            response: .init(body: [], then: .drip([UInt8](repeating: 0x41, count: 4096), every: 0.1)), declaredKB: 100_000,
            deadline: 1.5, expected: "could not download URL: not finished within 1.5 seconds (download-deadline in config.toml)"),
    ]

    @Test("a hostile server is stopped at its limit, with the exact message, and not retried", arguments: cases)
    func hostile(_ item: Case) async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let server = try LoopbackHTTPServer { _ in item.response }
        defer { server.stop() }
        let url = "\(server.baseURL)/setup.tar.gz"
        let hash = String(repeating: "a", count: 64)
        let downloader = Downloader(
            configuration: DownloaderConfiguration(
                cache: fixture.cache, environment: [:], stallTimeout: 2, retryDelays: [0.05, 0.1],
                minSpeed: 1024, deadline: item.deadline, maxFileSize: 256 << 10))
        let clock = ContinuousClock()
        let start = clock.now
        let text = await message {
            _ = try await downloader.download(DownloadRequest(url, hash: .sha256(hash), name: "django", declaredSizeKB: item.declaredKB))
        }
        #expect(text == item.expected.replacingOccurrences(of: "URL", with: url).replacingOccurrences(of: "NAME", with: "django"))
        // Loose bound (tests share a small, busy machine); without the limits none of these would end.
        #expect(clock.now - start < .seconds(30))
        #expect(server.requests.count <= 1, "a limit is final: no retry (a deadline may come before the request on a busy machine)")
        #expect(fixture.listing("partial") == [], "nothing past a limit is kept")
        #expect(fixture.listing("sha256") == [])
    }

    @Test("the declared size is WebPI's rounded kilobytes: up to max(1 KiB, 1%) more is accepted, one byte past that is not")
    func boundary() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        let exact = payload(5120, seed: 21)
        let over = payload(5121, seed: 22)
        let server = try LoopbackHTTPServer { request in .init(body: request.path == "/exact.zip" ? exact : over) }
        defer { server.stop() }
        let accepted = try await fixture.downloader().download(
            DownloadRequest("\(server.baseURL)/exact.zip", hash: .sha256(Hashing.sha256(exact)), declaredSizeKB: 4))
        #expect(accepted.size == 5120)
        let text = await message {
            _ = try await fixture.downloader().download(
                DownloadRequest("\(server.baseURL)/over.zip", hash: .sha256(Hashing.sha256(over)), declaredSizeKB: 4))
        }
        #expect(text == "could not download \(server.baseURL)/over.zip (over.zip): more than 5120 bytes, but the feed declares 4 KB; nothing was installed")
    }

    @Test(
        "the size limit from a declared size",
        arguments: [
            (Int?.none, Int64(4 << 30)), (0, 1024), (1, 2048), (4, 5120), (100, 103_424), (1000, 1_034_240),
            (Int.max, Int64.max),
        ] as [(Int?, Int64)])
    func sizeLimit(declared: Int?, limit: Int64) {
        #expect(Downloader.sizeLimit(declaredKB: declared, maxFileSize: 4 << 30) == limit)
    }

    @Test("a local source larger than its declared size is stopped there too")
    func oversizedLocalSource() async throws {
        let fixture = try DownloadFixture()
        defer { fixture.remove() }
        // A regular file, not /dev/zero: corelibs reads a device slowly, on a thread of the
        // cooperative pool, and held up the other tests.
        let source = fixture.root.appendingPathComponent("big.zip")
        try Data(payload(8192, seed: 23)).write(to: source)
        let text = await message {
            _ = try await fixture.downloader().download(
                DownloadRequest(source.path, hash: .sha256(String(repeating: "a", count: 64)), name: "big", declaredSizeKB: 4))
        }
        #expect(text == "could not download \(source.path) (big): more than 5120 bytes, but the feed declares 4 KB; nothing was installed")
        #expect(fixture.listing("partial") == [])
    }

    @Test("the defaults: 1 KiB/s over 30 s, 10 minutes a file, 4 GiB without a declared size")
    func defaults() {
        let configuration = DownloaderConfiguration(cache: URL(fileURLWithPath: "/nonexistent"))
        #expect(configuration.minSpeed == 1024)
        #expect(configuration.stallTimeout == 30)
        #expect(configuration.deadline == 600)
        #expect(configuration.maxFileSize == 4 << 30)
        #expect(DownloadError.deadline(url: "u", seconds: 600).description == "could not download u: not finished within 10 minutes (download-deadline in config.toml)")
    }
}
