import FeedModel
import Foundation
import PaddockSystem
import Testing
import TestSupport

/// Discovery hints evaluated on this machine, with real files, processes and dpkg.
@Suite("DiscoveryProbe")
struct DiscoveryProbeTests {
    let probe = DiscoveryProbe(environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": "/root"])

    @Test("a file exists, with %VAR% expanded; a Windows path is never found")
    func files() throws {
        let folder = try TestPaths.temporaryDirectory("probe")
        defer { try? FileManager.default.removeItem(at: folder) }
        let marker = folder.appendingPathComponent("bin/tool")
        try FileManager.default.createDirectory(at: marker.deletingLastPathComponent(), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: marker.path, contents: Data())
        let local = DiscoveryProbe(environment: ["TOOLS": folder.path])
        #expect(local.evaluate(.file(path: "%TOOLS%/bin/tool", minimumVersion: nil)).found)
        #expect(!local.evaluate(.file(path: "%TOOLS%/bin/other", minimumVersion: nil)).found)
        let windows = local.evaluate(.file(path: "%ProgramFiles%\\IIS\\w3wp.exe", minimumVersion: nil))
        #expect(!windows.found)
        #expect(!local.evaluate(.registry(keyPath: "HKLM\\Software", valueName: nil, valueValue: nil, minimumVersion: nil)).found)
    }

    @Test("a command's version, compared as a version (3.10 > 3.9), with or without a pattern")
    func commands() {
        let python = probe.evaluate(.command(arguments: ["python3", "--version"], pattern: nil, minimumVersion: "3.9"))
        #expect(python.found)
        #expect(python.version?.hasPrefix("3.") == true)
        let future = probe.evaluate(.command(arguments: ["python3", "--version"], pattern: nil, minimumVersion: "99.0"))
        #expect(!future.found)
        #expect(future.version == python.version)
        let patterned = probe.evaluate(.command(arguments: ["sh", "-c", "echo build 7 of release 3.10.2"], pattern: "release ([0-9.]+)", minimumVersion: "3.9"))
        #expect(patterned.version == "3.10.2")
        #expect(patterned.found)
        let missing = probe.evaluate(.command(arguments: ["no-such-command-here", "--version"], pattern: nil, minimumVersion: nil))
        #expect(!missing.found)
        #expect(missing.evidence == "'no-such-command-here --version' did not run")
    }

    @Test("a Debian package at least at a version, with dpkg's own ordering")
    func dpkg() {
        let coreutils = probe.evaluate(.dpkg(package: "coreutils", minimumVersion: "1.0"))
        #expect(coreutils.found, "\(coreutils.evidence)")
        #expect(coreutils.version != nil)
        #expect(!probe.evaluate(.dpkg(package: "coreutils", minimumVersion: "999:1.0")).found)
        #expect(!probe.evaluate(.dpkg(package: "no-such-package-paddock", minimumVersion: nil)).found)
    }

    @Test("any and all combine hints")
    func trees() {
        let yes = DiscoveryHint.command(arguments: ["true"], pattern: nil, minimumVersion: nil)
        let no = DiscoveryHint.dpkg(package: "no-such-package-paddock", minimumVersion: nil)
        #expect(probe.evaluate(.any(hints: [no, yes])).found)
        #expect(!probe.evaluate(.all(hints: [yes, no])).found)
        #expect(probe.evaluate(.all(hints: [yes, yes])).found)
    }

    @Test("evaluateAll keeps the order and runs the probes side by side")
    func together() {
        let hints = (0..<6).map { index in
            DiscoveryHint.command(arguments: ["sh", "-c", "sleep 0.4; echo \(index).0"], pattern: nil, minimumVersion: nil)
        }
        let start = Date()
        let results = probe.evaluateAll(hints)
        let elapsed = Date().timeIntervalSince(start)
        #expect(results.map(\.version) == (0..<6).map { "\($0).0" })
        // One after another would take 2.4 s.
        #expect(elapsed < 1.6, "took \(elapsed) s")
    }
}

@Suite("MachineProbe")
struct MachineProbeTests {
    @Test("os-release, the language from LC_ALL or LANG, C meaning English")
    func facts() throws {
        let folder = try TestPaths.temporaryDirectory("os-release")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("os-release")
        try "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n".write(to: file, atomically: true, encoding: .utf8)
        let french = MachineProbe(environment: ["LANG": "fr_FR.UTF-8"], osRelease: file.path)
        #expect(french.distribution == "debian")
        #expect(french.distributionVersion == "12")
        #expect(french.language == "fr")
        #expect(MachineProbe(environment: ["LANG": "C.UTF-8"], osRelease: file.path).language == "en")
        #expect(MachineProbe(environment: ["LANG": "de_DE", "LC_ALL": "es_ES.UTF-8"], osRelease: file.path).language == "es")
        #expect(!french.architecture.isEmpty)
    }
}
