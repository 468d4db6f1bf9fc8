import Foundation
import PaddockApps
import Testing
import TestSupport

@Suite("HTTPProbe")
struct HTTPProbeTests {
    @Test("a GET on loopback: status and body, with the Host header asked for")
    func get() throws {
        let server = try LoopbackHTTPServer { request in
            .init(status: request.path == "/healthz" ? 200 : 404, body: Array("ok \(request.header("Host") ?? "-")".utf8))
        }
        defer { server.stop() }
        let answer = try #require(HTTPProbe.get(port: server.port, path: "/healthz", host: "shop.example", timeout: 5))
        #expect(answer.status == 200)
        #expect(answer.body == "ok shop.example")
        let request = try #require(server.requests.last)
        #expect(request.method == "GET")
        #expect(request.path == "/healthz")
        #expect(request.header("Host") == "shop.example")
        #expect(request.header("Connection") == "close")
        #expect(HTTPProbe.get(port: server.port, path: "/nothing", host: "127.0.0.1")?.status == 404)
    }

    @Test("error statuses are answers too", arguments: [400, 403, 500, 503])
    func statuses(status: Int) throws {
        let server = try LoopbackHTTPServer { _ in .init(status: status) }
        defer { server.stop() }
        #expect(HTTPProbe.get(port: server.port, path: "/", host: "127.0.0.1")?.status == status)
    }

    @Test("a server that accepts but never answers: nil once the timeout passes")
    func timeout() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 200, delay: 5) }
        defer { server.stop() }
        let started = Date()
        #expect(HTTPProbe.get(port: server.port, path: "/", host: "127.0.0.1", timeout: 0.5) == nil)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.4 && elapsed < 3, "\(elapsed) s")
    }

    @Test("a server that stalls in the middle of the body: what came is returned after the timeout")
    func stall() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 200, body: Array("partial body".utf8), stallAfter: 7) }
        defer { server.stop() }
        let started = Date()
        let answer = HTTPProbe.get(port: server.port, path: "/", host: "127.0.0.1", timeout: 0.5)
        #expect(answer?.status == 200)
        #expect(answer?.body == "partial")
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test("nothing listening: nil at once; isListening and freePort agree")
    func closedPort() throws {
        let server = try LoopbackHTTPServer { _ in .init() }
        let port = server.port
        #expect(HTTPProbe.isListening(port: port))
        #expect(HTTPProbe.freePort(from: port) != port)
        server.stop()
        #expect(!HTTPProbe.isListening(port: port))
        let started = Date()
        #expect(HTTPProbe.get(port: port, path: "/", host: "127.0.0.1", timeout: 5) == nil)
        #expect(Date().timeIntervalSince(started) < 1)
    }
}
