import Foundation
import PaddockArchive
import TestSupport
import Testing

/// A temporary folder with `archives/`, `sandbox/outside/secret.txt` and room for
/// `sandbox/target`; `@SANDBOX@` in entry names and link targets becomes its path.
struct Sandbox {
    let root: URL
    var archives: URL { root.appendingPathComponent("archives") }
    var sandbox: URL { root.appendingPathComponent("sandbox") }
    var outside: URL { sandbox.appendingPathComponent("outside") }
    var target: URL { sandbox.appendingPathComponent("target") }

    init() throws {
        root = try TestPaths.temporaryDirectory("paddock-archive")
        try FileManager.default.createDirectory(at: archives, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try "secret\n".write(to: outside.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func substitute(_ text: String) -> String { text.replacingOccurrences(of: "@SANDBOX@", with: sandbox.path) }

    func substitute(_ entry: TestEntry) -> TestEntry {
        switch entry {
        case .file(let name, let text): return .file(substitute(name), text)
        case .bytes(let name, let bytes): return .bytes(substitute(name), bytes)
        case .directory(let name): return .directory(substitute(name))
        case .symlink(let name, let target): return .symlink(substitute(name), to: substitute(target))
        case .hardLink(let name, let target): return .hardLink(substitute(name), to: substitute(target))
        case .fifo(let name): return .fifo(substitute(name))
        case .fileWithMode(let name, let text, let mode): return .fileWithMode(substitute(name), text, mode: mode)
        case .directoryWithMode(let name, let mode): return .directoryWithMode(substitute(name), mode: mode)
        }
    }

    func archive(_ name: String, format: TestArchiveFormat, _ entries: [TestEntry]) throws -> URL {
        let url = archives.appendingPathComponent(name)
        try writeArchive(url, format: format, entries.map(substitute))
        return url
    }

    /// Every path under `sandbox/`, relative, sorted (without following links).
    func sandboxListing() throws -> [String] {
        var result: [String] = []
        func walk(_ url: URL, _ prefix: String) throws {
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() {
                let relative = prefix.isEmpty ? name : prefix + "/" + name
                result.append(relative)
                let child = url.appendingPathComponent(name)
                let type = try FileManager.default.attributesOfItem(atPath: child.path)[.type] as? FileAttributeType
                if type == .typeDirectory { try walk(child, relative) }
            }
        }
        try walk(sandbox, "")
        return result
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOf: target.appendingPathComponent(relative), encoding: .utf8)
    }
}

func errorText(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}

@Suite("Extracting well-formed archives")
struct ExtractionTests {
    static let package: [TestEntry] = [
        .directory("pkg-1.0/"),
        .file("pkg-1.0/setup.py", "print('setup')\n"),
        .directory("pkg-1.0/app/"),
        .file("pkg-1.0/app/__init__.py", "VERSION = '1.0'\n"),
        .symlink("pkg-1.0/app/current.py", to: "__init__.py"),
        .hardLink("pkg-1.0/app/again.py", to: "pkg-1.0/app/__init__.py"),
    ]

    @Test("every format extracts with strip-components 1", arguments: TestArchiveFormat.allCases)
    func formats(format: TestArchiveFormat) throws {
        let box = try Sandbox()
        defer { box.remove() }
        // Zip has no hard links.
        let hasHardLinks = format != .zip
        let entries = hasHardLinks ? Self.package : Self.package.dropLast()
        let archive = try box.archive("pkg-1.0.\(format.rawValue)", format: format, Array(entries))
        let report = try ArchiveExtractor.extract(archive, into: box.target, stripComponents: 1)
        #expect(try box.read("setup.py") == "print('setup')\n")
        #expect(try box.read("app/__init__.py") == "VERSION = '1.0'\n")
        if hasHardLinks {
            #expect(try box.read("app/again.py") == "VERSION = '1.0'\n")
            let first = try FileManager.default.attributesOfItem(atPath: box.target.path + "/app/__init__.py")
            let second = try FileManager.default.attributesOfItem(atPath: box.target.path + "/app/again.py")
            #expect(first[.systemFileNumber] as? NSNumber == second[.systemFileNumber] as? NSNumber)
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: box.target.path + "/app/current.py") == "__init__.py")
        #expect(
            try box.sandboxListing() == [
                "outside", "outside/secret.txt", "target", "target/app", "target/app/__init__.py",
            ] + (hasHardLinks ? ["target/app/again.py"] : []) + ["target/app/current.py", "target/setup.py"])
        // "pkg-1.0/" strips to nothing and is skipped; the hard link counts as a file.
        #expect(report == ExtractionReport(entries: hasHardLinks ? 5 : 4, files: hasHardLinks ? 3 : 2, bytes: 31))
    }

    @Test("without strip-components the top folder is kept; times and modes are restored")
    func noStrip() throws {
        let box = try Sandbox()
        defer { box.remove() }
        let archive = try box.archive("pkg.tar.gz", format: .tarGz, Self.package)
        let report = try ArchiveExtractor.extract(archive, into: box.target)
        #expect(try box.read("pkg-1.0/setup.py") == "print('setup')\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: box.target.path + "/pkg-1.0/setup.py")
        #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_700_000_000)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o644)
        #expect(report.entries == 6)
    }

    @Test("modes from the archive lose write for group and others, and setuid/setgid/sticky", arguments: TestArchiveFormat.allCases)
    func modesTamed(format: TestArchiveFormat) throws {
        let box = try Sandbox()
        defer { box.remove() }
        let archive = try box.archive(
            "modes.\(format.rawValue)", format: format,
            [
                .directoryWithMode("open/", mode: 0o777), .fileWithMode("open/everyone-writes", "x\n", mode: 0o666),
                .fileWithMode("open/everyone-runs", "x\n", mode: 0o777), .fileWithMode("open/setuid", "x\n", mode: 0o4775),
                .fileWithMode("open/group-writes", "x\n", mode: 0o664), .fileWithMode("open/private", "x\n", mode: 0o400),
            ])
        _ = try ArchiveExtractor.extract(archive, into: box.target)
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: box.target.path + "/" + path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        #expect(try mode("open") == 0o755)
        #expect(try mode("open/everyone-writes") == 0o644)
        #expect(try mode("open/everyone-runs") == 0o755)
        #expect(try mode("open/setuid") == 0o755)
        #expect(try mode("open/group-writes") == 0o644)
        #expect(try mode("open/private") == 0o600)
    }

    @Test("an archive made by GNU tar (./ prefixed names) extracts with strip-components")
    func gnuTar() throws {
        let box = try Sandbox()
        defer { box.remove() }
        let source = box.root.appendingPathComponent("source/Flask-3.0")
        try FileManager.default.createDirectory(at: source.appendingPathComponent("src"), withIntermediateDirectories: true)
        try "flask\n".write(to: source.appendingPathComponent("src/flask.py"), atomically: true, encoding: .utf8)
        let archive = box.archives.appendingPathComponent("Flask-3.0.tar.gz")
        let tar = try runProcess(URL(fileURLWithPath: "/usr/bin/tar"), ["-czf", archive.path, "-C", source.path, "."])
        #expect(tar.status == 0, "\(tar.stderr)")
        _ = try ArchiveExtractor.extract(archive, into: box.target, stripComponents: 1)
        #expect(try box.read("src/flask.py") == "flask\n")
    }

    @Test("UTF-8 names in a zip from Python's zipfile survive (the process runs in the C locale)")
    func utf8Names() throws {
        let box = try Sandbox()
        defer { box.remove() }
        let zip = box.archives.appendingPathComponent("intl.zip")
        let python = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); z.writestr('app/café/naïve.txt', 'ok'); z.close()", zip.path])
        #expect(python.status == 0, "\(python.stderr)")
        _ = try ArchiveExtractor.extract(zip, into: box.target, stripComponents: 1)
        #expect(try box.read("café/naïve.txt") == "ok")
    }

    @Test("an existing empty target folder is replaced; a non-empty one is refused")
    func existingTarget() throws {
        let box = try Sandbox()
        defer { box.remove() }
        let archive = try box.archive("pkg.zip", format: .zip, Self.package)
        try FileManager.default.createDirectory(at: box.target, withIntermediateDirectories: true)
        _ = try ArchiveExtractor.extract(archive, into: box.target, stripComponents: 1)
        #expect(try box.read("setup.py") == "print('setup')\n")
        let message = errorText { _ = try ArchiveExtractor.extract(archive, into: box.target, stripComponents: 1) }
        #expect(message == "target folder '\(box.target.path)' already exists and is not empty; nothing was extracted")
    }
}

/// A hostile archive and the exact refusal it must get.
struct HostileCase: Sendable, CustomTestStringConvertible {
    var label: String
    var archiveName: String
    var entries: [TestEntry]
    var message: String
    /// Paths (with @SANDBOX@) that must not exist afterwards.
    var mustNotExist: [String] = []
    var testDescription: String { label }
}

@Suite("Refusing hostile archives")
struct HostileArchiveTests {
    static let cases: [HostileCase] = [
        HostileCase(
            label: "../ entry", archiveName: "evil.tar",
            entries: [.file("ok.txt", "ok"), .file("../x", "pwned")],
            message: "archive 'evil.tar' has an entry '../x' that leaves the target folder; nothing was extracted",
            mustNotExist: ["@SANDBOX@/x"]),
        HostileCase(
            label: "../ in the middle", archiveName: "evil.tar",
            entries: [.file("a/../../outside/new.txt", "pwned")],
            message: "archive 'evil.tar' has an entry 'a/../../outside/new.txt' that leaves the target folder; nothing was extracted",
            mustNotExist: ["@SANDBOX@/outside/new.txt"]),
        HostileCase(
            label: "absolute path", archiveName: "evil.tar.gz",
            entries: [.file("@SANDBOX@/outside/abs.txt", "pwned")],
            message: "archive 'evil.tar.gz' has an entry '@SANDBOX@/outside/abs.txt' with an absolute path; nothing was extracted",
            mustNotExist: ["@SANDBOX@/outside/abs.txt"]),
        HostileCase(
            label: "symlink to /etc, then a file through it", archiveName: "evil.tar",
            entries: [.symlink("link", to: "/etc"), .file("link/passwd", "root::0:0::/:/bin/sh\n")],
            message: "archive 'evil.tar' has a symlink 'link' to '/etc' that leaves the target folder; nothing was extracted"),
        HostileCase(
            label: "relative symlink out, then a file through it", archiveName: "evil.tar",
            entries: [.symlink("out", to: "../outside"), .file("out/planted.txt", "pwned")],
            message: "archive 'evil.tar' has a symlink 'out' to '../outside' that leaves the target folder; nothing was extracted",
            mustNotExist: ["@SANDBOX@/outside/planted.txt"]),
        HostileCase(
            label: "dangling symlink out of the tree", archiveName: "evil.zip",
            entries: [.directory("app/"), .symlink("app/config", to: "../../outside/secret.txt")],
            message: "archive 'evil.zip' has a symlink 'app/config' to '../../outside/secret.txt' that leaves the target folder; nothing was extracted"),
        HostileCase(
            label: "symlink to the target folder itself", archiveName: "loop.tar",
            entries: [.directory("sub/"), .symlink("sub/up", to: "..")],
            message: "archive 'loop.tar' has a symlink 'sub/up' to '..' that leaves the target folder; nothing was extracted"),
        HostileCase(
            // Each link is inside when written; the last one turns the first one outward.
            label: "symlink made to escape by a later symlink", archiveName: "later.tar",
            entries: [.symlink("x", to: "s/d/../../f"), .directory("s/"), .directory("t/"), .symlink("s/d", to: "../t")],
            message: "archive 'later.tar' has a symlink 'x' to 's/d/../../f' that leaves the target folder; nothing was extracted"),
        HostileCase(
            label: "file written through a symlink that now points out", archiveName: "through.tar",
            entries: [
                .symlink("x", to: "s/d/../../outside"), .directory("s/"), .directory("t/"), .symlink("s/d", to: "../t"),
                .file("x/planted.txt", "pwned"),
            ],
            message: "archive 'through.tar' has an entry 'x/planted.txt' that leaves the target folder; nothing was extracted",
            mustNotExist: ["@SANDBOX@/outside/planted.txt"]),
        HostileCase(
            label: "hard link to ../", archiveName: "evil.tar",
            entries: [.hardLink("h", to: "../outside/secret.txt")],
            message: "archive 'evil.tar' has a hard link 'h' to '../outside/secret.txt' that leaves the target folder; nothing was extracted"),
        HostileCase(
            label: "hard link to an absolute path", archiveName: "evil.tar",
            entries: [.hardLink("h", to: "@SANDBOX@/outside/secret.txt")],
            message: "archive 'evil.tar' has a hard link 'h' to '@SANDBOX@/outside/secret.txt' that leaves the target folder; nothing was extracted"),
        HostileCase(
            label: "hard link through an inside symlink that escapes", archiveName: "evil.tar",
            entries: [
                .symlink("x", to: "s/d/../../outside"), .directory("s/"), .directory("t/"), .symlink("s/d", to: "../t"),
                .hardLink("h", to: "x/secret.txt"),
            ],
            message: "archive 'evil.tar' has a hard link 'h' to 'x/secret.txt' that leaves the target folder; nothing was extracted"),
        HostileCase(
            label: "FIFO", archiveName: "fifo.tar",
            entries: [.fifo("pipe")],
            message: "archive 'fifo.tar' has an entry 'pipe' of type FIFO, which paddock does not extract; nothing was extracted"),
    ]

    @Test("refused with its exact message; nothing in the target, nothing outside", arguments: cases)
    func refused(_ hostile: HostileCase) throws {
        let box = try Sandbox()
        defer { box.remove() }
        let format: TestArchiveFormat = hostile.archiveName.hasSuffix(".zip") ? .zip : hostile.archiveName.hasSuffix(".gz") ? .tarGz : .tar
        let archive = try box.archive(hostile.archiveName, format: format, hostile.entries)
        let message = errorText { _ = try ArchiveExtractor.extract(archive, into: box.target) }
        #expect(message == box.substitute(hostile.message))
        // No target, no staging folder, nothing new outside.
        #expect(try box.sandboxListing() == ["outside", "outside/secret.txt"])
        #expect(try String(contentsOf: box.outside.appendingPathComponent("secret.txt"), encoding: .utf8) == "secret\n")
        for path in hostile.mustNotExist {
            #expect(!FileManager.default.fileExists(atPath: box.substitute(path)), "\(path)")
        }
    }
}

@Suite("Limits and damaged archives")
struct LimitTests {
    @Test("the default limits are 2 GiB and 200,000 entries")
    func defaults() {
        #expect(ArchiveLimits.default == ArchiveLimits(maxTotalBytes: 2_147_483_648, maxEntries: 200_000, maxCompressionRatio: nil))
    }

    struct LimitCase: Sendable, CustomTestStringConvertible {
        var label: String
        var limits: ArchiveLimits
        var entries: [TestEntry]
        var message: String
        var testDescription: String { label }
    }

    static let cases: [LimitCase] = [
        LimitCase(
            label: "total bytes over the limit", limits: ArchiveLimits(maxTotalBytes: 1 << 20),
            entries: [.file("small.txt", "x"), .bytes("big.bin", [UInt8](repeating: 0, count: 3 << 20))],
            message: "archive 'bomb.tar.gz' expands to more than 1048576 bytes (at entry 'big.bin'); nothing was extracted"),
        LimitCase(
            label: "many small files over the limit", limits: ArchiveLimits(maxTotalBytes: 1 << 20),
            entries: (0..<5).map { .bytes("part\($0).bin", [UInt8](repeating: 0, count: 300_000)) },
            message: "archive 'bomb.tar.gz' expands to more than 1048576 bytes (at entry 'part3.bin'); nothing was extracted"),
        LimitCase(
            label: "entry count over the limit", limits: ArchiveLimits(maxEntries: 10),
            entries: (0..<11).map { .file("f\($0).txt", "\($0)") },
            message: "archive 'bomb.tar.gz' has more than 10 entries; nothing was extracted"),
        LimitCase(
            label: "compression ratio over the limit", limits: ArchiveLimits(maxCompressionRatio: 50),
            entries: [.bytes("zeros.bin", [UInt8](repeating: 0, count: 4 << 20))],
            message: "archive 'bomb.tar.gz' expands to more than 50 times its size (at entry 'zeros.bin'); nothing was extracted"),
    ]

    @Test("bombs are refused and leave nothing", arguments: cases)
    func bombs(_ bomb: LimitCase) throws {
        let box = try Sandbox()
        defer { box.remove() }
        let archive = try box.archive("bomb.tar.gz", format: .tarGz, bomb.entries)
        let message = errorText { _ = try ArchiveExtractor.extract(archive, into: box.target, limits: bomb.limits) }
        #expect(message == bomb.message)
        #expect(try box.sandboxListing() == ["outside", "outside/secret.txt"])
    }

    @Test("a file that is not an archive, a truncated archive and a missing one give clear errors")
    func damaged() throws {
        let box = try Sandbox()
        defer { box.remove() }
        let junk = box.archives.appendingPathComponent("junk.tar.gz")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }).write(to: junk)
        #expect(
            errorText { _ = try ArchiveExtractor.extract(junk, into: box.target) }
                == "archive 'junk.tar.gz' is damaged or not an archive: Unrecognized archive format; nothing was extracted")

        // Random (incompressible) data so the cut lands inside the compressed stream.
        var generator = SystemRandomNumberGenerator()
        let payload = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = try box.archive("whole.tar.gz", format: .tarGz, [.file("a.txt", "a"), .bytes("data.bin", payload)])
        let bytes = try Data(contentsOf: whole)
        let truncated = box.archives.appendingPathComponent("truncated.tar.gz")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        #expect(
            errorText { _ = try ArchiveExtractor.extract(truncated, into: box.target) }
                == "archive 'truncated.tar.gz' is damaged at entry 'data.bin': truncated gzip input; nothing was extracted")

        let missing = box.archives.appendingPathComponent("missing.zip")
        #expect(
            errorText { _ = try ArchiveExtractor.extract(missing, into: box.target) }
                == "could not open archive 'missing.zip': Failed to open '\(missing.path)'; nothing was extracted")
        #expect(try box.sandboxListing() == ["outside", "outside/secret.txt"])
    }
}
