import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// GET / in a loop on a thread, every 20 ms (or `pause`; 0 to hammer), each answer classified, so a failure says what
/// went wrong: a refused connection (nothing listening), a dropped one (closed or reset with no
/// answer), no answer within 30 seconds, or a 5xx. Also the slowest answer.
final class RequestLoop: @unchecked Sendable {
    struct Counts: CustomStringConvertible {
        var ok = 0
        var refused = 0
        var dropped = 0
        var timedOut = 0
        var serverErrors = 0
        var slowest = 0.0
        var failures: Int { refused + dropped + timedOut + serverErrors }
        var description: String {
            "\(ok) answered below 500, \(refused) refused, \(dropped) dropped, \(timedOut) timed out, \(serverErrors) 5xx; slowest \(String(format: "%.2f", slowest)) s"
        }
    }
    private let port: Int
    private let lock = NSLock()
    private var counts = Counts()
    private var running = true
    private var thread: Thread?

    private let pause: useconds_t

    init(port: Int, pause: useconds_t = 20_000) {
        self.port = port
        self.pause = pause
    }

    func start() {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let started = Date()
                let outcome = Self.request(port: port)
                let took = Date().timeIntervalSince(started)
                lock.withLock {
                    counts.slowest = max(counts.slowest, took)
                    switch outcome {
                    case .refused: counts.refused += 1
                    case .dropped: counts.dropped += 1
                    case .timedOut: counts.timedOut += 1
                    case .status(let status) where status >= 500: counts.serverErrors += 1
                    case .status: counts.ok += 1
                    }
                }
                if pause > 0 { usleep(pause) }
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() -> Counts {
        lock.withLock { running = false }
        while thread?.isFinished == false { usleep(10_000) }
        return lock.withLock { counts }
    }

    enum Outcome { case refused, dropped, timedOut, status(Int) }

    static func request(port: Int) -> Outcome {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return .dropped }
        defer { close(socketFD) }
        var time = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socketFD, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 { return errno == ECONNREFUSED ? .refused : .dropped }
        let request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        guard request.withCString({ send(socketFD, $0, strlen($0), Int32(MSG_NOSIGNAL)) }) > 0 else { return .dropped }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = recv(socketFD, &buffer, buffer.count, 0)
            if count > 0 {
                received += buffer[0..<count]
                continue
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && received.isEmpty { return .timedOut }
            break
        }
        let statusLine = String(decoding: received.prefix(64), as: UTF8.self).prefix { $0 != "\r" }.split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return .dropped }
        return .status(status)
    }
}
