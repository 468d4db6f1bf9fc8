import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP/1.1 server on 127.0.0.1 for tests: it binds an ephemeral port, answers each
/// request from a handler on its own thread, and closes the connection after each response.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]
        /// Send only this many body bytes and then hang (for stalled-server tests).
        public var stallAfter: Int?
        /// Send only this many body bytes and then close the connection (interrupted downloads).
        public var closeAfter: Int?
        /// Wait this long before sending anything.
        public var delay: TimeInterval?
        /// After `body`, what the server keeps sending until the client goes away or the server
        /// stops: TUF's endless-data and slow-retrieval attacks.
        public var then: Stream?
        public enum Stream: Sendable {
            /// These bytes again and again, as fast as the client reads.
            case endless([UInt8])
            /// These bytes, then a pause of `every` seconds, forever.
            case drip([UInt8], every: TimeInterval)
        }
        public init(
            status: Int = 200, headers: [String: String] = [:], body: [UInt8] = [], stallAfter: Int? = nil,
            closeAfter: Int? = nil, delay: TimeInterval? = nil, then: Stream? = nil
        ) {
            self.status = status
            self.headers = headers
            self.body = body
            self.stallAfter = stallAfter
            self.closeAfter = closeAfter
            self.delay = delay
            self.then = then
        }

        /// `body` as a file server would send it: 200 with all of it, or, for a request with
        /// `Range: bytes=N-`, 206 with the rest and a `Content-Range` (416 past the end).
        public static func serving(_ body: [UInt8], for request: Request, headers: [String: String] = [:]) -> Response {
            guard let range = request.header("Range"), range.hasPrefix("bytes="), range.hasSuffix("-"),
                let start = Int(range.dropFirst(6).dropLast())
            else {
                return Response(status: 200, headers: headers, body: body)
            }
            guard start < body.count else {
                return Response(status: 416, headers: headers.merging(["Content-Range": "bytes */\(body.count)"]) { $1 })
            }
            var fields = headers
            fields["Content-Range"] = "bytes \(start)-\(body.count - 1)/\(body.count)"
            return Response(status: 206, headers: fields, body: Array(body[start...]))
        }
    }

    public let port: Int
    private let listener: Int32
    private let handler: @Sendable (Request) -> Response
    private let lock = NSLock()
    private var stopped = false
    private var requestLog: [Request] = []

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return requestLog
    }

    public init(handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    public func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        // Only shut down here: the accept loop closes the socket when it ends. Closing it here
        // let a loop that had not reached accept() yet accept on the same descriptor number,
        // reused by the next server's socket, and answer that server's requests.
        if !wasStopped { shutdown(listener, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            lock.lock()
            let done = stopped
            lock.unlock()
            if done {
                if client >= 0 { close(client) }
                return
            }
            if client < 0 { continue }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffer.containsHeaderEnd {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { return }
            buffer += chunk[0..<count]
            if buffer.count > 65536 { return }
        }
        let text = String(decoding: buffer, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers)
        lock.lock()
        requestLog.append(request)
        lock.unlock()
        let response = handler(request)
        if let delay = response.delay { usleep(useconds_t(delay * 1_000_000)) }
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        var fields = response.headers
        // A stream has no length (the body ends when the connection does) unless the test gives one.
        if fields["Content-Length"] == nil, response.then == nil { fields["Content-Length"] = "\(response.body.count)" }
        fields["Connection"] = "close"
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        writeAll(client, Array(head.utf8))
        if request.method == "HEAD" { return }
        if let stall = response.stallAfter {
            writeAll(client, Array(response.body.prefix(stall)))
            // Hold the connection open without sending, until the server stops.
            while true {
                lock.lock()
                let done = stopped
                lock.unlock()
                if done { return }
                usleep(50_000)
            }
        }
        if let limit = response.closeAfter {
            writeAll(client, Array(response.body.prefix(limit)))
            return
        }
        guard writeAll(client, response.body), let stream = response.then else { return }
        let (piece, pause): ([UInt8], TimeInterval?) = {
            switch stream {
            case .endless(let chunk): return (chunk, nil)
            case .drip(let chunk, let every): return (chunk, every)
            }
        }()
        while !isStopped, writeAll(client, piece) {
            if let pause { usleep(useconds_t(pause * 1_000_000)) }
        }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// False when the client went away.
    @discardableResult
    private func writeAll(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 206: return "Partial Content"
        case 304: return "Not Modified"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 416: return "Range Not Satisfiable"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for index in 0...(count - 4) where self[index] == 13 && self[index + 1] == 10 && self[index + 2] == 13 && self[index + 3] == 10 {
            return true
        }
        return false
    }
}
