import CLibArchive

/// An error reported by libarchive itself: the call that failed and `archive_error_string`.
struct LibArchiveFailure: Error {
    var message: String
}

/// Owns a `struct archive *` opened for reading (any format, any filter) and frees it in
/// `deinit`. Return codes below `ARCHIVE_WARN` become thrown `LibArchiveFailure`s.
final class ArchiveReader {
    let handle: OpaquePointer

    init(path: String, blockSize: Int = 128 * 1024) throws {
        guard let handle = archive_read_new() else { throw LibArchiveFailure(message: "out of memory") }
        self.handle = handle
        try check(archive_read_support_filter_all(handle))
        try check(archive_read_support_format_all(handle))
        try check(archive_read_open_filename(handle, path, blockSize))
    }

    deinit { archive_read_free(handle) }

    /// The next entry, or nil at the end of the archive. The entry belongs to the reader and
    /// is only valid until the next call.
    func nextEntry() throws -> OpaquePointer? {
        var entry: OpaquePointer?
        let code = archive_read_next_header(handle, &entry)
        if code == ARCHIVE_EOF { return nil }
        try check(code)
        return entry
    }

    /// Copies the current entry's data into `writer` block by block, calling `counted` with
    /// each block's size before it is written (it throws to stop).
    func copyData(to writer: ArchiveDiskWriter, counted: (Int) throws -> Void) throws {
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: Int64 = 0
        while true {
            let code = archive_read_data_block(handle, &buffer, &size, &offset)
            if code == ARCHIVE_EOF { return }
            try check(code)
            try counted(size)
            let written = archive_write_data_block(writer.handle, buffer, size, offset)
            if written < ARCHIVE_WARN { throw LibArchiveFailure(message: writer.errorString) }
        }
    }

    var errorString: String { libarchiveError(handle) }

    func check(_ code: Int32) throws {
        if code < ARCHIVE_WARN { throw LibArchiveFailure(message: errorString) }
    }
}

/// Owns a `struct archive *` made by `archive_write_disk_new` and frees it in `deinit`.
final class ArchiveDiskWriter {
    let handle: OpaquePointer

    init(flags: Int32) throws {
        guard let handle = archive_write_disk_new() else { throw LibArchiveFailure(message: "out of memory") }
        self.handle = handle
        try check(archive_write_disk_set_options(handle, flags))
    }

    deinit { archive_write_free(handle) }

    func writeHeader(_ entry: OpaquePointer) throws { try check(archive_write_header(handle, entry)) }
    func finishEntry() throws { try check(archive_write_finish_entry(handle)) }
    /// Applies the deferred directory times and permissions.
    func close() throws { try check(archive_write_close(handle)) }

    var errorString: String { libarchiveError(handle) }

    func check(_ code: Int32) throws {
        if code < ARCHIVE_WARN { throw LibArchiveFailure(message: errorString) }
    }
}

private func libarchiveError(_ handle: OpaquePointer) -> String {
    guard let text = archive_error_string(handle) else { return "unknown libarchive error" }
    return String(cString: text)
}

// libarchive's AE_IF* constants are macros with casts, which Swift does not import.
let fileTypeRegular: UInt32 = 0o100000
let fileTypeSymlink: UInt32 = 0o120000
let fileTypeSocket: UInt32 = 0o140000
let fileTypeCharacterDevice: UInt32 = 0o020000
let fileTypeBlockDevice: UInt32 = 0o060000
let fileTypeDirectory: UInt32 = 0o040000
let fileTypeFIFO: UInt32 = 0o010000
