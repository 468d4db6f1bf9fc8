import Foundation
import PaddockState
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh PADDOCK_HOME with a local feed of small archive and command products, generated in
/// the test (tar archives, their sha256), for the built `paddock` to install, upgrade,
/// uninstall, be killed in the middle of, and be checked file by file against its database.
final class OpsSandbox {
    let root: URL
    var environment: [String: String]

    /// One product of the generated feed.
    struct Product {
        enum Kind {
            /// Unpacked to `programs/<id>`; `url` nil means "a file beside the feed".
            case archive(files: [String: String], url: String? = nil, sha256: String? = nil)
            case command([String])
            /// Debian packages, installed with apt-get.
            case apt([String])
        }
        var id: String
        var version: String
        /// Product ids, each optionally with a version constraint: "base@<2".
        var needs: [String] = []
        var kind: Kind
        /// A `<pd:file>` discovery hint (a product found on the machine when the path exists).
        var discoveredBy: String?
        /// The archive's `destination` (the product id when nil).
        var destination: String?
    }

    init() throws {
        root = try TestPaths.temporaryDirectory("paddock-ops")
        environment = [
            "PADDOCK_HOME": root.appendingPathComponent("home").path,
            "PADDOCK_BUILTIN_FEED": "off",
            "NO_COLOR": "1",
            "no_proxy": "127.0.0.1,localhost",
        ]
    }
    deinit { try? FileManager.default.removeItem(at: root) }

    var home: URL { root.appendingPathComponent("home") }
    var programs: URL { home.appendingPathComponent("data/programs") }
    var feedFile: URL { root.appendingPathComponent("feed.xml") }

    @discardableResult
    func paddock(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ProcessResult {
        try runProcess(TestPaths.binary, arguments, environment: environment.merging(extra) { $1 }, directory: root)
    }

    /// Starts paddock without waiting for it; its output goes to files (read them with `log`).
    func spawn(_ arguments: [String], environment extra: [String: String] = [:], label: String) throws -> Process {
        let process = Process()
        process.executableURL = TestPaths.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(extra) { $1 }) { $1 }
        process.currentDirectoryURL = root
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("\(label).out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("\(label).err").path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: root.appendingPathComponent("\(label).out"))
        process.standardError = try FileHandle(forWritingTo: root.appendingPathComponent("\(label).err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    func log(_ label: String) -> String {
        (try? String(contentsOf: root.appendingPathComponent("\(label).err"), encoding: .utf8)) ?? ""
    }

    /// Writes `products` as the feed `name` (the first call also adds it; later calls re-read it).
    /// A feed holds one entry per product id, as WebPI's did: other versions go in other feeds.
    func writeFeed(_ products: [Product], name: String = "ops") throws {
        var entries = ""
        for product in products {
            var installer = ""
            switch product.kind {
            case .archive(let files, let url, let sha256):
                // No files: the test brings its own download (url and sha256).
                let archive = files.isEmpty ? (path: "", sha256: "") : try makeArchive(product.id, version: product.version, files: files)
                installer = """
                    <installerFile><installerURL>\(url ?? archive.path)</installerURL><pd:sha256>\(sha256 ?? archive.sha256)</pd:sha256></installerFile>
                    <pd:install kind="archive" scope="user" strip="1" destination="\(Self.escape(product.destination ?? product.id))"/>
                    """
            case .command(let arguments):
                installer = "<pd:install kind=\"command\">" + arguments.map { "<pd:arg>\(Self.escape($0))</pd:arg>" }.joined() + "</pd:install>"
            case .apt(let packages):
                installer = "<pd:install kind=\"apt\" scope=\"system\">" + packages.map { "<pd:package name=\"\(Self.escape($0))\"/>" }.joined() + "</pd:install>"
            }
            // "base" or "base@<2" (a version constraint of the Linux extension).
            let requirements = product.needs.map { need -> String in
                let parts = need.split(separator: "@", maxSplits: 1).map(String.init)
                let constraint = parts.count == 2 ? " pd:version=\"\(Self.escape(parts[1]))\"" : ""
                return "<dependency><productId\(constraint)>\(parts[0])</productId></dependency>"
            }
            let dependency: String
            switch requirements.count {
            case 0: dependency = ""
            case 1: dependency = requirements[0]
            default: dependency = "<dependency><and>" + requirements.joined() + "</and></dependency>"
            }
            let discovery = product.discoveredBy.map { "<discoveryHint><pd:file path=\"\($0)\"/></discoveryHint>" } ?? ""
            entries += """
                <entry><productId>\(product.id)</productId><version>\(product.version)</version>\(dependency)\(discovery)
                <installers><installer><id>1</id>\(installer)</installer></installers></entry>

                """
        }
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:pd="urn:paddock:feed:1">
            <title>ops</title>
            \(entries)</feed>
            """
        let file = name == "ops" ? feedFile : root.appendingPathComponent("\(name).xml")
        let existed = FileManager.default.fileExists(atPath: file.path)
        try Data(xml.utf8).write(to: file)
        let result = try paddock(existed ? ["feed", "update", name] : ["feed", "add", file.path, "--name", name])
        #expect(result.status == 0, "\(result.stderr)")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// `ID-VERSION.tar.gz` holding `ID/<files>`, and its sha256.
    func makeArchive(_ id: String, version: String, files: [String: String]) throws -> (path: String, sha256: String) {
        let source = root.appendingPathComponent("src/\(id)-\(version)")
        try? FileManager.default.removeItem(at: source)
        for (name, content) in files {
            let file = source.appendingPathComponent(id).appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: file)
        }
        let archive = root.appendingPathComponent("\(id)-\(version).tar.gz")
        let tar = try runProcess(URL(fileURLWithPath: "/bin/tar"), ["czf", archive.path, "-C", source.path, id])
        #expect(tar.status == 0, "\(tar.stderr)")
        return (archive.path, try Self.sha256(archive))
    }

    static func sha256(_ file: URL) throws -> String {
        String(try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"), [file.path]).stdout.prefix(64))
    }

    /// Every regular file under `folder`, relative path → content.
    static func contents(of folder: URL) -> [String: String] {
        var result: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return result }
        let base = folder.standardizedFileURL.path + "/"
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count))
            result[relative] = (try? String(contentsOf: url, encoding: .utf8)) ?? "<unreadable>"
        }
        return result
    }

    func state() throws -> StateStore { try StateStore(directory: home.appendingPathComponent("state")) }

    /// The database and the disk agree, file by file: no open transaction; exactly `expected`
    /// products recorded; every file receipt present with exactly the files of its archive;
    /// nothing else in the install prefix (no uncommitted product, no backup).
    func expectConsistent(_ expected: [String: [String: String]], commands: Set<String> = [], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let state = try state()
        #expect(try state.unfinishedTransactions().isEmpty, "\(label): a transaction is still open", sourceLocation: sourceLocation)
        let installed = Set(try state.installed().map(\.productId))
        #expect(installed == Set(expected.keys).union(commands), "\(label): recorded \(installed.sorted())", sourceLocation: sourceLocation)
        var receiptFolders: Set<String> = []
        for (productId, _, receipt) in try state.allReceipts() {
            #expect(FileManager.default.fileExists(atPath: receipt.path), "\(label): \(productId)'s \(receipt.path) is missing", sourceLocation: sourceLocation)
            receiptFolders.insert(receipt.path)
            if let files = expected[productId] {
                #expect(Self.contents(of: URL(fileURLWithPath: receipt.path)) == files, "\(label): \(productId)'s files differ", sourceLocation: sourceLocation)
            }
        }
        #expect(receiptFolders == Set(expected.keys.map { programs.appendingPathComponent($0).path }), "\(label): receipts \(receiptFolders.sorted())", sourceLocation: sourceLocation)
        let onDisk = Set((try? FileManager.default.contentsOfDirectory(atPath: programs.path)) ?? [])
        #expect(onDisk == Set(expected.keys), "\(label): the install prefix holds \(onDisk.sorted())", sourceLocation: sourceLocation)
    }

    /// Waits until `file` exists (a pause point was reached), up to `seconds`.
    static func waitFor(_ file: URL, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let text = try? String(contentsOf: file, encoding: .utf8), text.hasSuffix("\n") { return true }
            usleep(20_000)
        }
        return false
    }
}
