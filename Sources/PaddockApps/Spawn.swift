import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts a program with posix_spawn: argv and environment as arrays (no shell), output
/// appended to a log file, signals back to their defaults, optionally in a new session so it
/// outlives the terminal (a detached supervisor).
public enum Spawn {
    /// glibc's POSIX_SPAWN_SETSID (spawn.h, _GNU_SOURCE), not imported into Swift.
    private static let setSessionFlag: Int32 = 0x80

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// `newProcessGroup`: the child leads a group of its own, so that it and everything it starts
    /// (gunicorn's workers) can be signalled together, and a terminal's Ctrl-C reaches only the
    /// supervisor, which stops the engine in order.
    public static func start(
        _ arguments: [String], environment: [String: String], directory: String?, log: String, newSession: Bool,
        newProcessGroup: Bool = false
    ) throws -> pid_t {
        guard let program = arguments.first else { throw Failure(message: "empty command") }
        closeOnExec()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
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
        if newSession { flags |= setSessionFlag }
        if newProcessGroup && !newSession {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // posix_spawn_file_actions_addchdir_np is not visible to Swift: the child inherits the
        // working directory, so change it around the spawn (callers spawn from one thread).
        let previous = FileManager.default.currentDirectoryPath
        if let directory { _ = FileManager.default.changeCurrentDirectoryPath(directory) }
        defer { if directory != nil { _ = FileManager.default.changeCurrentDirectoryPath(previous) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw Failure(message: "cannot start '\(program)': \(String(cString: strerror(status)))")
        }
        return pid
    }

    /// Marks every descriptor above stderr close-on-exec, so a long-lived child (a detached
    /// supervisor, gunicorn) cannot keep a pipe of ours open: whoever reads our output must see
    /// its end when we exit. (posix_spawn_file_actions_addclosefrom_np is not visible to Swift.)
    private static func closeOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for entry in entries {
            guard let descriptor = Int32(entry), descriptor > 2 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    public static func isAlive(_ pid: pid_t) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}
