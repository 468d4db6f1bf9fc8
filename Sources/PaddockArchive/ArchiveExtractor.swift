import CLibArchive
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Ceilings against decompression bombs.
public struct ArchiveLimits: Sendable, Equatable {
    /// Total bytes of file data written (sum over all entries).
    public var maxTotalBytes: Int64
    /// Entries read from the archive, skipped ones included.
    public var maxEntries: Int
    /// When set, refuse once the data written exceeds this many times the archive's size
    /// (checked only past the first MiB, so tiny archives are never refused by it).
    public var maxCompressionRatio: Double?

    public init(maxTotalBytes: Int64 = 2 << 30, maxEntries: Int = 200_000, maxCompressionRatio: Double? = nil) {
        self.maxTotalBytes = maxTotalBytes
        self.maxEntries = maxEntries
        self.maxCompressionRatio = maxCompressionRatio
    }

    /// 2 GiB, 200,000 entries, no ratio check.
    public static let `default` = ArchiveLimits()
}

/// What one extraction wrote.
public struct ExtractionReport: Sendable, Equatable {
    /// Entries written (files, hard links, directories, symlinks).
    public var entries: Int
    /// Regular files and hard links written.
    public var files: Int
    /// Bytes of file data written.
    public var bytes: Int64

    public init(entries: Int, files: Int, bytes: Int64) {
        self.entries = entries
        self.files = files
        self.bytes = bytes
    }
}

/// Extracts any archive libarchive reads (tar, tar.gz/xz/bz2/zst, zip, 7z, cpio, ...) into a
/// folder, refusing archives that would write outside it.
///
/// The archive is written into a fresh staging folder next to the target and renamed into
/// place only when every check passed, so a refused archive leaves nothing in the target; the
/// staging folder is removed on every path. Checks, in order, for each entry:
/// - no absolute path and no `..` component in its name (or in a hard link's target);
/// - only regular files, directories, symlinks and hard links (no devices, FIFOs, sockets);
/// - a symlink's target is relative and, resolved through what is already on disk, stays
///   inside the target and is not the target itself;
/// - the entry's parent, resolved through symlinks already on disk, stays inside;
/// - entry count, total bytes and (optionally) compression ratio stay under `ArchiveLimits`.
/// libarchive then writes it with `ARCHIVE_EXTRACT_SECURE_NODOTDOT | SECURE_SYMLINKS`, times
/// and permissions (never the owner; setuid/setgid/sticky bits and write for group and others
/// dropped; the owner can always read and write). After the last entry every symlink in the tree is resolved once more.
///
/// `ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS` is not passed: libarchive writes relative names
/// against the process's working directory, and `chdir` is process-wide (unsafe with other
/// threads), so paddock gives libarchive absolute names under the staging folder that it built
/// itself, after refusing every absolute name in the archive as above.
public enum ArchiveExtractor {
    public static func extract(
        _ archive: URL, into target: URL, stripComponents: Int = 0, limits: ArchiveLimits = .default
    ) throws -> ExtractionReport {
        let name = archive.lastPathComponent
        let fileManager = FileManager.default
        let targetPath = target.standardizedFileURL.path

        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: targetPath, isDirectory: &isDirectory) {
            let contents = isDirectory.boolValue ? (try? fileManager.contentsOfDirectory(atPath: targetPath)) : nil
            if contents?.isEmpty != true { throw ArchiveError.targetNotEmpty(target: targetPath) }
        }
        let parent = (targetPath as NSString).deletingLastPathComponent
        let staging: String
        do {
            try fileManager.createDirectory(atPath: parent, withIntermediateDirectories: true)
            let made = (parent as NSString).appendingPathComponent(
                ".\((targetPath as NSString).lastPathComponent).paddock-extract-\(UUID().uuidString)")
            try fileManager.createDirectory(atPath: made, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            staging = realPath(made) ?? made
        } catch {
            throw ArchiveError.fileSystem(archive: name, reason: "\(error.localizedDescription)")
        }
        var moved = false
        defer { if !moved { try? fileManager.removeItem(atPath: staging) } }

        let archiveSize = (try? fileManager.attributesOfItem(atPath: archive.path)[.size] as? NSNumber)??.int64Value ?? 0
        var extraction = Extraction(
            archiveName: name, archivePath: archive.path, archiveSize: archiveSize, staging: staging,
            strip: max(0, stripComponents), limits: limits)
        try withUTF8Locale {
            try extraction.run()
            try extraction.validateSymlinks()
        }

        do {
            if fileManager.fileExists(atPath: targetPath) { try fileManager.removeItem(atPath: targetPath) }
            guard rename(staging, targetPath) == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            moved = true
        } catch {
            throw ArchiveError.fileSystem(archive: name, reason: "could not move into '\(targetPath)': \(error)")
        }
        return extraction.report
    }
}

/// One run of the extractor: reads entries, checks them, writes them under `staging`.
private struct Extraction {
    let archiveName: String
    let archivePath: String
    let archiveSize: Int64
    let staging: String
    let strip: Int
    let limits: ArchiveLimits
    var report = ExtractionReport(entries: 0, files: 0, bytes: 0)
    var resolver: StagingResolver { StagingResolver(root: staging) }

    static let flags: Int32 =
        ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM

    init(archiveName: String, archivePath: String, archiveSize: Int64, staging: String, strip: Int, limits: ArchiveLimits) {
        self.archiveName = archiveName
        self.archivePath = archivePath
        self.archiveSize = archiveSize
        self.staging = staging
        self.strip = strip
        self.limits = limits
    }

    mutating func run() throws {
        let reader: ArchiveReader
        do {
            reader = try ArchiveReader(path: archivePath)
        } catch let failure as LibArchiveFailure {
            // libarchive reads the first block when opening: a file that is there but cannot be
            // recognised is damaged, one that cannot be opened at all is missing or unreadable.
            if FileManager.default.isReadableFile(atPath: archivePath) {
                throw ArchiveError.unreadable(archive: archiveName, entry: nil, reason: failure.message)
            }
            throw ArchiveError.cannotOpen(archive: archiveName, reason: failure.message)
        }
        let writer: ArchiveDiskWriter
        do {
            writer = try ArchiveDiskWriter(flags: Self.flags)
        } catch let failure as LibArchiveFailure {
            throw ArchiveError.fileSystem(archive: archiveName, reason: failure.message)
        }
        var seen = 0
        var lastName: String?
        while true {
            let next: OpaquePointer?
            do {
                next = try reader.nextEntry()
            } catch let failure as LibArchiveFailure {
                throw ArchiveError.unreadable(archive: archiveName, entry: lastName, reason: failure.message)
            }
            guard let entry = next else { break }
            seen += 1
            if seen > limits.maxEntries { throw ArchiveError.tooManyEntries(archive: archiveName, limit: limits.maxEntries) }
            guard let rawName = archive_entry_pathname(entry) else {
                throw ArchiveError.unreadable(archive: archiveName, entry: lastName, reason: "an entry name cannot be decoded")
            }
            let entryName = String(cString: rawName)
            lastName = entryName
            try write(entry, named: entryName, reader: reader, writer: writer)
        }
        do {
            try writer.close()
        } catch let failure as LibArchiveFailure {
            throw ArchiveError.writeFailed(archive: archiveName, entry: lastName ?? "", reason: failure.message)
        }
    }

    private mutating func write(_ entry: OpaquePointer, named entryName: String, reader: ArchiveReader, writer: ArchiveDiskWriter) throws {
        let components = try checkedComponents(entryName) { .entryLeavesTarget(archive: archiveName, entry: entryName) }
        guard let relative = stripped(components) else { return }
        let type = archive_entry_filetype(entry)
        var isFile = type == fileTypeRegular

        if let rawLink = archive_entry_hardlink(entry) {
            let linkName = String(cString: rawLink)
            let leaves = ArchiveError.hardLinkLeavesTarget(archive: archiveName, entry: entryName, target: linkName)
            if linkName.hasPrefix("/") { throw leaves }
            let linkComponents = try checkedComponents(linkName) { leaves }
            guard let linkRelative = stripped(linkComponents) else { return }
            guard let resolved = resolver.resolve(linkRelative), !resolved.isEmpty else { throw leaves }
            archive_entry_set_hardlink(entry, path(of: resolved))
            isFile = true
        } else {
            switch type {
            case fileTypeRegular, fileTypeDirectory:
                break
            case fileTypeSymlink:
                let linkTarget = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
                let leaves = ArchiveError.symlinkLeavesTarget(archive: archiveName, entry: entryName, target: linkTarget)
                if linkTarget.isEmpty || linkTarget.hasPrefix("/") { throw leaves }
                // Lexically first (no symlinks followed), then through what is on disk now.
                let lexical = StagingResolver.normalize(Array(relative.dropLast()) + linkTarget.split(separator: "/").map(String.init))
                guard let lexical, !lexical.isEmpty else { throw leaves }
                let onDisk = resolver.resolve(Array(relative.dropLast()) + linkTarget.split(separator: "/").map(String.init))
                guard let onDisk, !onDisk.isEmpty else { throw leaves }
            default:
                throw ArchiveError.unsupportedEntryType(archive: archiveName, entry: entryName, type: Self.typeName(type))
            }
        }
        guard resolver.resolve(Array(relative.dropLast())) != nil else {
            throw ArchiveError.entryLeavesTarget(archive: archiveName, entry: entryName)
        }

        archive_entry_set_pathname(entry, path(of: relative))
        // No write for group or others, whatever the archive says: a world-writable program or
        // folder under paddock's data would let any local user change what paddock runs.
        let perm = archive_entry_perm(entry) & 0o755
        archive_entry_set_perm(entry, perm | (type == fileTypeDirectory ? 0o700 : 0o600))
        if archive_entry_size_is_set(entry) != 0, report.bytes + archive_entry_size(entry) > limits.maxTotalBytes {
            throw ArchiveError.tooLarge(archive: archiveName, entry: entryName, limit: limits.maxTotalBytes)
        }
        do {
            try writer.writeHeader(entry)
        } catch let failure as LibArchiveFailure {
            throw ArchiveError.writeFailed(archive: archiveName, entry: entryName, reason: failure.message)
        }
        if type == fileTypeRegular {
            do {
                let limits = self.limits
                let archiveSize = self.archiveSize
                let archiveName = self.archiveName
                var bytes = report.bytes
                defer { report.bytes = bytes }
                try reader.copyData(to: writer) { size in
                    bytes += Int64(size)
                    if bytes > limits.maxTotalBytes {
                        throw ArchiveError.tooLarge(archive: archiveName, entry: entryName, limit: limits.maxTotalBytes)
                    }
                    if let ratio = limits.maxCompressionRatio, bytes > 1 << 20, Double(bytes) > ratio * Double(max(archiveSize, 1)) {
                        throw ArchiveError.compressionRatio(archive: archiveName, entry: entryName, limit: ratio)
                    }
                }
            } catch let failure as LibArchiveFailure {
                throw ArchiveError.unreadable(archive: archiveName, entry: entryName, reason: failure.message)
            }
        }
        do {
            try writer.finishEntry()
        } catch let failure as LibArchiveFailure {
            throw ArchiveError.writeFailed(archive: archiveName, entry: entryName, reason: failure.message)
        }
        report.entries += 1
        if isFile { report.files += 1 }
    }

    /// The name split into components without empty ones; absolute names and `..` refused.
    private func checkedComponents(_ name: String, leaves: () -> ArchiveError) throws -> [String] {
        if name.hasPrefix("/") { throw ArchiveError.absolutePath(archive: archiveName, entry: name) }
        let components = name.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if components.contains("..") { throw leaves() }
        return components
    }

    /// Drops `strip` leading components (like tar's `--strip-components`, `.` counts), then
    /// the remaining `.` components; nil when nothing is left (the entry is skipped).
    private func stripped(_ components: [String]) -> [String]? {
        guard components.count > strip else { return nil }
        let rest = components.dropFirst(strip).filter { $0 != "." }
        return rest.isEmpty ? nil : Array(rest)
    }

    private func path(of relative: [String]) -> String {
        staging + "/" + relative.joined(separator: "/")
    }

    private static func typeName(_ type: UInt32) -> String {
        switch type {
        case fileTypeCharacterDevice: return "character device"
        case fileTypeBlockDevice: return "block device"
        case fileTypeFIFO: return "FIFO"
        case fileTypeSocket: return "socket"
        default: return "unknown (\(String(type, radix: 8)))"
        }
    }

    /// Walks the finished tree (without following links) and resolves every symlink once
    /// more, as SwiftPM's `validateNoEscapingSymlinks` does.
    func validateSymlinks() throws {
        try walk([])
    }

    private func walk(_ directory: [String]) throws {
        let directoryPath = directory.isEmpty ? staging : path(of: directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directoryPath)) ?? []
        for name in names {
            let relative = directory + [name]
            var info = stat()
            guard lstat(path(of: relative), &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFLNK:
                let linkTarget = StagingResolver.readLink(path(of: relative)) ?? ""
                let leaves = ArchiveError.symlinkLeavesTarget(
                    archive: archiveName, entry: relative.joined(separator: "/"), target: linkTarget)
                if linkTarget.isEmpty || linkTarget.hasPrefix("/") { throw leaves }
                let resolved = resolver.resolve(directory + linkTarget.split(separator: "/").map(String.init))
                guard let resolved, !resolved.isEmpty else { throw leaves }
            case S_IFDIR:
                try walk(relative)
            default:
                break
            }
        }
    }
}

/// Resolves paths relative to a root folder the way the kernel would, following symlinks
/// already on disk, but never leaving the root: nil means the path escapes it.
struct StagingResolver {
    let root: String
    static let maxLinks = 40

    /// Components relative to the root after following every symlink on the way; missing
    /// components are taken as they are. `[]` is the root itself; nil: it escapes or loops.
    func resolve(_ components: [String]) -> [String]? {
        var resolved: [String] = []
        var pending = Array(components.reversed())
        var links = 0
        while let component = pending.popLast() {
            switch component {
            case "", ".":
                continue
            case "..":
                if resolved.isEmpty { return nil }
                resolved.removeLast()
            default:
                let candidate = root + "/" + (resolved + [component]).joined(separator: "/")
                var info = stat()
                if lstat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFLNK {
                    links += 1
                    guard links <= Self.maxLinks, let target = Self.readLink(candidate), !target.hasPrefix("/") else {
                        return nil
                    }
                    pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
                } else {
                    resolved.append(component)
                }
            }
        }
        return resolved
    }

    /// Lexical normalisation (no file system): nil when `..` climbs above the root.
    static func normalize(_ components: [String]) -> [String]? {
        var result: [String] = []
        for component in components {
            switch component {
            case "", ".": continue
            case "..":
                if result.isEmpty { return nil }
                result.removeLast()
            default: result.append(component)
            }
        }
        return result
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Runs `body` with this thread's `LC_CTYPE` set to C.UTF-8 (`uselocale`, not the process-wide
/// `setlocale`). libarchive converts entry names to and from the current locale's character
/// set; a Swift process starts in the "C" locale, in which names such as `café.txt` in a zip
/// cannot be converted. The body must not suspend (it is synchronous), so it stays on this thread.
private func withUTF8Locale<T>(_ body: () throws -> T) rethrows -> T {
    guard let utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else { return try body() }
    let previous = uselocale(utf8)
    defer {
        uselocale(previous)
        freelocale(utf8)
    }
    return try body()
}

private func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}
