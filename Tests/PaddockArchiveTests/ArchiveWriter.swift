import CLibArchive
import Foundation

/// One entry of a test archive, written as it is (no clean-up of names or link targets), so
/// tests can build the hostile archives that real tools refuse to make.
enum TestEntry: Sendable {
    case file(String, String)
    case bytes(String, [UInt8])
    case directory(String)
    case symlink(String, to: String)
    case hardLink(String, to: String)
    case fifo(String)
    /// A file or folder with the mode the archive claims for it.
    case fileWithMode(String, String, mode: UInt32)
    case directoryWithMode(String, mode: UInt32)
}

enum TestArchiveFormat: String, Sendable, CaseIterable {
    case tar, tarGz = "tar.gz", tarXz = "tar.xz", tarBz2 = "tar.bz2", zip
}

struct ArchiveWriteFailure: Error, CustomStringConvertible {
    var description: String
}

/// Writes `entries` into `url` with libarchive's write API.
func writeArchive(_ url: URL, format: TestArchiveFormat, _ entries: [TestEntry]) throws {
    guard let archive = archive_write_new() else { throw ArchiveWriteFailure(description: "archive_write_new") }
    defer { archive_write_free(archive) }
    func check(_ code: Int32) throws {
        if code < ARCHIVE_WARN {
            throw ArchiveWriteFailure(description: archive_error_string(archive).map { String(cString: $0) } ?? "error \(code)")
        }
    }
    switch format {
    case .zip: try check(archive_write_set_format_zip(archive))
    default: try check(archive_write_set_format_pax_restricted(archive))
    }
    switch format {
    case .tarGz: try check(archive_write_add_filter_gzip(archive))
    case .tarXz: try check(archive_write_add_filter_xz(archive))
    case .tarBz2: try check(archive_write_add_filter_bzip2(archive))
    case .tar, .zip: break
    }
    try check(archive_write_open_filename(archive, url.path))
    for item in entries {
        guard let entry = archive_entry_new() else { throw ArchiveWriteFailure(description: "archive_entry_new") }
        defer { archive_entry_free(entry) }
        var data: [UInt8] = []
        switch item {
        case .file(let name, let text):
            archive_entry_set_pathname(entry, name)
            archive_entry_set_filetype(entry, 0o100000)
            archive_entry_set_perm(entry, 0o644)
            data = Array(text.utf8)
        case .bytes(let name, let bytes):
            archive_entry_set_pathname(entry, name)
            archive_entry_set_filetype(entry, 0o100000)
            archive_entry_set_perm(entry, 0o644)
            data = bytes
        case .directory(let name):
            archive_entry_set_pathname(entry, name)
            archive_entry_set_filetype(entry, 0o040000)
            archive_entry_set_perm(entry, 0o755)
        case .symlink(let name, let target):
            archive_entry_set_pathname(entry, name)
            archive_entry_set_filetype(entry, 0o120000)
            archive_entry_set_perm(entry, 0o777)
            archive_entry_set_symlink(entry, target)
        case .hardLink(let name, let target):
            archive_entry_set_pathname(entry, name)
            archive_entry_set_filetype(entry, 0o100000)
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_hardlink(entry, target)
        case .fileWithMode(let name, let text, let mode):
            archive_entry_set_pathname(entry, name)
            archive_entry_set_filetype(entry, 0o100000)
            archive_entry_set_perm(entry, mode_t(mode))
            data = Array(text.utf8)
        case .directoryWithMode(let name, let mode):
            archive_entry_set_pathname(entry, name)
            archive_entry_set_filetype(entry, 0o040000)
            archive_entry_set_perm(entry, mode_t(mode))
        case .fifo(let name):
            archive_entry_set_pathname(entry, name)
            archive_entry_set_filetype(entry, 0o010000)
            archive_entry_set_perm(entry, 0o644)
        }
        archive_entry_set_size(entry, Int64(data.count))
        archive_entry_set_mtime(entry, 1_700_000_000, 0)
        try check(archive_write_header(archive, entry))
        if !data.isEmpty {
            let written = data.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
            if written != data.count { throw ArchiveWriteFailure(description: "short write for \(item)") }
        }
    }
    try check(archive_write_close(archive))
}
