import Foundation
import PaddockBasics
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The one spawner, on real processes.
@Suite struct SpawnTests {
    static let environment = ["PATH": "/usr/bin:/bin"]

    /// Reads a piped child's output to its end and waits for it.
    static func collect(_ child: Spawn.Child) -> (String, Int32) {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while let fd = child.output {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        if let fd = child.output { close(fd) }
        return (String(decoding: data, as: UTF8.self), Spawn.wait(child.pid))
    }

    @Test("the child gets its working directory; paddock's own stays where it was")
    func workingDirectory() throws {
        let folder = try TestPaths.temporaryDirectory("paddock-spawn")
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = FileManager.default.currentDirectoryPath
        let child = try Spawn.start(["pwd"], environment: Self.environment, options: .init(directory: folder.path, output: .pipe))
        let (output, status) = Self.collect(child)
        #expect(status == 0)
        #expect(output == folder.resolvingSymlinksInPath().path + "\n")
        #expect(FileManager.default.currentDirectoryPath == before)
    }

    @Test("no descriptor of paddock's reaches the child, even one opened without close-on-exec")
    func descriptorsClosed() throws {
        let leaked = open("/dev/null", O_RDONLY)  // no O_CLOEXEC on purpose
        defer { close(leaked) }
        #expect(leaked > 2)
        let child = try Spawn.start(["ls", "/proc/self/fd"], environment: Self.environment, options: .init(output: .pipe))
        let (output, status) = Self.collect(child)
        #expect(status == 0)
        // 0, 1, 2, and the folder ls itself opened to list.
        let descriptors = output.split(separator: "\n").compactMap { Int32($0) }
        #expect(!descriptors.contains(leaked), "\(descriptors)")
        #expect(descriptors.count == 4, "\(descriptors)")
    }

    @Test("exit status and signals as a shell reports them; a missing program or folder is a clear failure")
    func statusAndFailures() throws {
        let exited = try Spawn.start(["sh", "-c", "exit 7"], environment: Self.environment, options: .init())
        #expect(Spawn.wait(exited.pid) == 7)
        let killed = try Spawn.start(["sh", "-c", "kill -9 $$"], environment: Self.environment, options: .init())
        #expect(Spawn.wait(killed.pid) == 128 + 9)
        #expect { try Spawn.start(["paddock-no-such-program"], environment: Self.environment, options: .init()) } throws: { error in
            (error as? Spawn.Failure)?.message == "cannot start 'paddock-no-such-program': not found on PATH"
        }
        #expect { try Spawn.start(["pwd"], environment: Self.environment, options: .init(directory: "/nonexistent-paddock")) } throws: { error in
            (error as? Spawn.Failure)?.message == "cannot start 'pwd' in /nonexistent-paddock: the folder does not exist"
        }
    }

    @Test("a process group is ended whole, and only processes started after its leader")
    func groupEnded() throws {
        let child = try Spawn.start(
            ["sh", "-c", "sleep 60 & sleep 60 & echo ready; wait"], environment: Self.environment, options: .init(output: .pipe, newProcessGroup: true))
        var buffer = [UInt8](repeating: 0, count: 16)
        _ = buffer.withUnsafeMutableBytes { read(child.output!, $0.baseAddress, $0.count) }  // "ready"
        let started = try #require(ProcessGroup.startTime(of: child.pid))
        #expect(ProcessGroup.kill(leader: child.pid, startTime: started + 1_000_000) == 0, "a later start time matches nothing")
        #expect(ProcessGroup.kill(leader: child.pid, startTime: started) == 3)
        close(child.output!)
        #expect(Spawn.wait(child.pid) == 128 + 9)
        #expect(ProcessGroup.kill(leader: child.pid, startTime: started) == 0)
    }
}
