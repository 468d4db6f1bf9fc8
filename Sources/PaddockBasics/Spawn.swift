import CSpawn
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one way paddock starts a program: posix_spawn with argv and environment as arrays (no
/// shell, so nothing from a feed becomes shell syntax), signals back to their defaults, every
/// inherited descriptor closed in the child, and the working directory set in the child alone
/// (changing the parent's would move every thread of paddock with it).
///
/// Options cover what paddock's children need: output appended to a log or read through a
/// pipe; a process group of its own, so a child and everything it starts (pip's builds,
/// gunicorn's workers) can be signalled together; a new session for a supervisor that must
/// outlive the terminal; and death with paddock for the children of an install.
public enum Spawn {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public enum Output: Sendable {
        /// Appended to this file (created if missing), stdout and stderr together.
        case file(String)
        /// Read by the caller from `Child.output`, stdout and stderr together.
        case pipe
    }

    public struct Options: Sendable {
        public var directory: String?
        public var output: Output
        /// A session of its own (and so a group): a detached supervisor, out of the terminal's reach.
        public var newSession: Bool
        /// A process group of its own, led by the child: signalled as one with `kill(-pid, …)`.
        public var newProcessGroup: Bool
        /// SIGKILL when paddock dies, even by kill -9 (Linux's parent-death signal). posix_spawn
        /// cannot set it, so the child starts through util-linux's `setpriv --pdeathsig KILL`
        /// (Debian's util-linux is essential); the signal fires when the spawning *thread* ends,
        /// so only synchronous callers, which wait on that thread, may ask for it.
        public var dieWithParent: Bool

        public init(
            directory: String? = nil, output: Output = .file("/dev/null"), newSession: Bool = false, newProcessGroup: Bool = false,
            dieWithParent: Bool = false
        ) {
            self.directory = directory
            self.output = output
            self.newSession = newSession
            self.newProcessGroup = newProcessGroup
            self.dieWithParent = dieWithParent
        }
    }

    public struct Child: Sendable {
        public let pid: pid_t
        /// The read end of the output pipe (`.pipe` only); the caller closes it.
        public let output: Int32?
    }

    static let setpriv = "/usr/bin/setpriv"

    /// Finds `name` on `path` (a colon-separated PATH), or returns it when it is already a path.
    public static func which(_ name: String, path: String?) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for directory in (path ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public static func start(_ arguments: [String], environment: [String: String], options: Options) throws(Failure) -> Child {
        guard let program = arguments.first else { throw Failure(message: "empty command") }
        // The child's own PATH decides, as a shell started with that environment would.
        guard let executable = which(program, path: environment["PATH"]) else {
            throw Failure(message: "cannot start '\(program)': not found on PATH")
        }
        var argv = [executable] + arguments.dropFirst()
        if options.dieWithParent && FileManager.default.isExecutableFile(atPath: setpriv) {
            argv = [setpriv, "--pdeathsig", "KILL", "--"] + argv
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        switch options.output {
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        case .pipe:
            guard pipe2(&pipeEnds, O_CLOEXEC) == 0 else { throw Failure(message: "cannot make a pipe: \(String(cString: strerror(errno)))") }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        }
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing of paddock's (its database, its lock, a pipe someone reads to its end) leaks.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        if let directory = options.directory { posix_spawn_file_actions_addchdir_np(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGPIPE, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if options.newSession {
            flags |= PADDOCK_POSIX_SPAWN_SETSID
        } else if options.newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        if pipeEnds[1] >= 0 { close(pipeEnds[1]) }
        guard status == 0 else {
            if pipeEnds[0] >= 0 { close(pipeEnds[0]) }
            let reason = String(cString: strerror(status))
            if let directory = options.directory, !FileManager.default.fileExists(atPath: directory) {
                throw Failure(message: "cannot start '\(program)' in \(directory): the folder does not exist")
            }
            throw Failure(message: "cannot start '\(program)': \(reason)")
        }
        return Child(pid: pid, output: pipeEnds[0] >= 0 ? pipeEnds[0] : nil)
    }

    /// Hands a child started in a group of its own to `recorder` (the journal of an install);
    /// when recording fails, the child and its group are ended (and its pipe closed) before the
    /// error goes on, so that nothing runs that the journal does not name.
    public static func record(_ child: Child, with recorder: ((pid_t) throws -> Void)?) throws {
        guard let recorder else { return }
        do { try recorder(child.pid) } catch {
            kill(-child.pid, SIGKILL)
            if let output = child.output { close(output) }
            _ = wait(child.pid)
            throw error
        }
    }

    /// Replaces this process with `arguments` (looked up on the environment's PATH), in
    /// `directory`, with exactly `environment`: what `paddock run` and `paddock shell` end with,
    /// so that the program has the terminal, its signals and its exit status as its own. Every
    /// signal goes back to its default and is unblocked, and every descriptor but 0, 1 and 2 is
    /// closed first. Returns only when it could not: the failure, and the status a shell would
    /// exit with (127: not found, 126: cannot be run).
    public static func exec(_ arguments: [String], environment: [String: String], directory: String) -> (failure: Failure, status: Int32) {
        guard let name = arguments.first, !name.isEmpty else { return (Failure(message: "no command to run"), 127) }
        // The folder first: a relative path (`bin/rails`) names a program in the app's folder,
        // as it would for a shell started there.
        guard chdir(directory) == 0 else {
            return (Failure(message: "cannot enter the app's folder '\(directory)': \(String(cString: strerror(errno)))"), 126)
        }
        guard let program = which(name, path: environment["PATH"]) else {
            return (Failure(message: "'\(name)' is not found on the app's PATH (\(environment["PATH"] ?? ""))"), 127)
        }
        for signal in Int32(1)..<32 where signal != SIGKILL && signal != SIGSTOP { Glibc.signal(signal, SIG_DFL) }
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        closefrom(3)
        let argv = arguments.enumerated().map { strdup($0.offset == 0 ? name : $0.element) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        execve(program, argv, envp)
        let reason = String(cString: strerror(errno))
        return (Failure(message: "cannot run '\(program)': \(reason)"), 126)
    }

    /// Waits for `pid` to end: its exit status, or 128 + the signal that ended it (as a shell says).
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Running, not a zombie: a killed process whose parent does not reap it (an orphan
    /// under an init that never waits) still answers kill(pid, 0).
    public static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        return ProcessGroup.stat(of: pid).map { $0.state != "Z" } ?? true
    }
}

/// The processes of a group that a dead paddock left (pip's builds, a deploy hook's children),
/// found through /proc and ended, so that a rollback does not race them.
public enum ProcessGroup {
    /// When `pid` started, in clock ticks since boot (/proc/PID/stat field 22); nil when gone.
    public static func startTime(of pid: pid_t) -> UInt64? { stat(of: pid)?.startTime }

    /// The process group `pid` is in; nil when it is gone.
    public static func group(of pid: pid_t) -> pid_t? { stat(of: pid)?.group }

    /// Ends, with SIGKILL, every process in the group `leader` led that started no earlier than
    /// the leader did (`startTime`), so that a reused number is never mistaken for it. Waits up
    /// to `seconds` for them to be gone; returns how many there were.
    @discardableResult
    public static func kill(leader: pid_t, startTime: UInt64, seconds: Double = 5) -> Int {
        func members() -> [pid_t] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap { pid_t($0) }.filter { pid in
                guard let stat = stat(of: pid) else { return false }
                return stat.group == leader && stat.startTime >= startTime && stat.state != "Z"
            }
        }
        let found = members()
        for pid in found { Glibc.kill(pid, SIGKILL) }
        let deadline = Date().addingTimeInterval(seconds)
        while !members().isEmpty && Date() < deadline { usleep(20_000) }
        return found.count
    }

    struct Stat {
        var state: Character
        var group: pid_t
        var startTime: UInt64
    }

    /// Fields of /proc/PID/stat after the command name, which may itself hold spaces and ')'.
    static func stat(of pid: pid_t) -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), [2] field 5 (process group), [19] field 22 (start time).
        guard fields.count > 19, let state = fields[0].first, let group = pid_t(fields[2]), let start = UInt64(fields[19]) else { return nil }
        return Stat(state: state, group: group, startTime: start)
    }
}

extension Spawn.Failure: PaddockError {
    public var exitStatus: ExitStatus { .unavailable }
}
