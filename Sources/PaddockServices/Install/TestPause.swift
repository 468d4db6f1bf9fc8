import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// TEST ONLY. `PADDOCK_TEST_PAUSE_AT=POINT` makes paddock stop at that named point of a
/// transaction (`begin`, `step:PRODUCT`, `commit`) and sleep up to 120 s, so that a test can
/// kill -9 it there and check what the next paddock recovers. When `PADDOCK_TEST_PAUSE_FILE`
/// is set, the pid is written to that file on arrival (the test waits for it). Without the
/// variable this does nothing; it is the only place paddock reads it.
enum TestPause {
    static func at(_ point: String, environment: [String: String]) {
        guard let wanted = environment["PADDOCK_TEST_PAUSE_AT"], wanted == point else { return }
        if let file = environment["PADDOCK_TEST_PAUSE_FILE"], !file.isEmpty {
            try? Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        }
        FileHandle.standardError.write(Data("paddock: test pause at \(point) (pid \(getpid()))\n".utf8))
        for _ in 0..<1200 { usleep(100_000) }
    }
}
