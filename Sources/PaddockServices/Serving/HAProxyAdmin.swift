import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// HAProxy's runtime API: one command per connection on its admin socket (`stats socket ...
/// level admin`), the answer read to the end.
enum HAProxyAdmin {
    /// The socket `name` in `folder`, reached through `/proc/self/fd/N/` of the folder opened,
    /// so that a deep state folder does not pass the 107 bytes of a socket's path.
    static func send(_ command: String, folder: URL, name: String, timeout: TimeInterval = 5) -> String? {
        let directory = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return nil }
        defer { close(directory) }
        let path = "/proc/self/fd/\(directory)/\(name)"
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var seconds = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return nil }
        let line = Array((command + "\n").utf8)
        guard write(fd, line, line.count) == line.count else { return nil }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            answer.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: answer, as: UTF8.self)
    }

    /// One column of `show stat` (CSV, its header line starting `# `) for each server of a
    /// backend, by server name.
    static func stat(_ csv: String, backend: String, column: String) -> [String: String] {
        let lines = csv.split(separator: "\n").map(String.init)
        guard let header = lines.first(where: { $0.hasPrefix("# ") }) else { return [:] }
        let names = header.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let wanted = names.firstIndex(of: column) else { return [:] }
        var values: [String: String] = [:]
        for line in lines where !line.hasPrefix("#") {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > wanted, fields[0] == backend, fields[1] != "BACKEND", fields[1] != "FRONTEND" else { continue }
            values[fields[1]] = fields[wanted]
        }
        return values
    }
}
