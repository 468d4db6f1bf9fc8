import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.0 GET over a loopback TCP socket, with the Host header the app expects
/// (Django refuses hosts not in ALLOWED_HOSTS). Used for health checks; no redirects followed.
public enum HTTPProbe {
    public struct Answer: Sendable {
        public var status: Int
        public var body: String
    }

    public static func get(port: Int, path: String, host: String, timeout: TimeInterval = 5) -> Answer? {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return nil }
        defer { close(socketFD) }
        setTimeouts(socketFD, timeout)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        return exchange(socketFD, path: path, host: host)
    }

    /// The same GET over a Unix socket (an engine whose transport is one).
    public static func get(socketPath: String, path: String, host: String, timeout: TimeInterval = 5) -> Answer? {
        let socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return nil }
        defer { close(socketFD) }
        setTimeouts(socketFD, timeout)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return nil }
        return exchange(socketFD, path: path, host: host)
    }

    private static func setTimeouts(_ socketFD: Int32, _ timeout: TimeInterval) {
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1_000_000))
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socketFD, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    private static func exchange(_ socketFD: Int32, path: String, host: String) -> Answer? {
        let request = "GET \(path) HTTP/1.0\r\nHost: \(host)\r\nUser-Agent: paddock-health/0.1\r\nConnection: close\r\n\r\n"
        guard request.withCString({ send(socketFD, $0, strlen($0), Int32(MSG_NOSIGNAL)) }) > 0 else { return nil }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while received.count < 1 << 20 {
            let count = recv(socketFD, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        let statusLine = text.prefix { $0 != "\r" && $0 != "\n" }.split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return Answer(status: status, body: body)
    }

    /// Whether something accepts connections on 127.0.0.1:port.
    public static func isListening(port: Int) -> Bool {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return false }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// A free port at or after `start` on 127.0.0.1.
    public static func freePort(from start: Int) -> Int? {
        freePort(in: start...(start + 99))
    }

    /// The first free port of a range on 127.0.0.1.
    public static func freePort(in range: ClosedRange<Int>) -> Int? {
        for port in range where !isListening(port: port) && canBind(port: port) { return port }
        return nil
    }

    static func canBind(port: Int) -> Bool {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return false }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
