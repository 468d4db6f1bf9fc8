import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What /proc says about an engine's processes: the members of its group, their resident
/// memory, and which of them listen on a socket. Read fresh on each call.
public enum ProcessTable {
    public struct Member: Sendable, Hashable {
        public var pid: pid_t
        public var parent: pid_t
        /// Resident memory in bytes (/proc/PID/statm's second field × the page size).
        public var residentBytes: UInt64
    }

    /// The live processes of the group `leader` leads, the leader first.
    public static func members(ofGroup leader: pid_t) -> [Member] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var members: [Member] = []
        for pid in entries.compactMap({ pid_t($0) }) {
            guard let stat = stat(of: pid), stat.group == leader, stat.state != "Z" else { continue }
            members.append(Member(pid: pid, parent: stat.parent, residentBytes: residentBytes(of: pid) ?? 0))
        }
        return members.sorted { ($0.pid == leader ? 0 : 1, $0.pid) < ($1.pid == leader ? 0 : 1, $1.pid) }
    }

    /// Resident memory of one process, in bytes; nil when it is gone.
    public static func residentBytes(of pid: pid_t) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return nil }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Whether any process of the group holds a listening TCP or Unix socket.
    public static func groupListens(_ leader: pid_t) -> Bool {
        let listening = listeningInodes()
        guard !listening.isEmpty else { return false }
        for member in members(ofGroup: leader) {
            let folder = "/proc/\(member.pid)/fd"
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\(fd)"),
                    target.hasPrefix("socket:["), let inode = UInt64(target.dropFirst(8).dropLast())
                else { continue }
                if listening.contains(inode) { return true }
            }
        }
        return false
    }

    /// Inodes of the machine's listening sockets (TCP state 0A; Unix sockets in state 01 with
    /// the listening flag 00010000).
    static func listeningInodes() -> Set<UInt64> {
        var inodes: Set<UInt64> = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > 9, fields[3] == "0A", let inode = UInt64(fields[9]) { inodes.insert(inode) }
            }
        }
        if let text = try? String(contentsOfFile: "/proc/net/unix", encoding: .utf8) {
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > 6, fields[3] == "00010000", let inode = UInt64(fields[6]) { inodes.insert(inode) }
            }
        }
        return inodes
    }

    struct Stat {
        var state: Character
        var parent: pid_t
        var group: pid_t
    }

    /// Fields of /proc/PID/stat after the command name, which may itself hold spaces and ')'.
    static func stat(of pid: pid_t) -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let state = fields[0].first, let parent = pid_t(fields[1]), let group = pid_t(fields[2]) else { return nil }
        return Stat(state: state, parent: parent, group: group)
    }
}
