import Glibc

/// Which file, and which version of it: device, inode, size and modification time. A local
/// feed's cached copy is a hard link to the file when both are on one file system (no copy of a
/// feed that may be hundreds of MB), so an edit in place shows through the link; the stamp taken
/// before the parse tells an unchanged file from an edited one without reading either.
struct FileStamp: Equatable, CustomStringConvertible, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int64
    var modifiedNanoseconds: Int64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
    }

    /// Reads the form `description` writes; nil for anything else (the built-in feed's stamps).
    init?(stamp text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 6, parts[0] == "file", let device = UInt64(parts[1]), let inode = UInt64(parts[2]),
            let size = Int64(parts[3]), let seconds = Int64(parts[4]), let nanoseconds = Int64(parts[5])
        else { return nil }
        self.device = device
        self.inode = inode
        self.size = size
        modifiedSeconds = seconds
        modifiedNanoseconds = nanoseconds
    }

    var description: String { "file:\(device):\(inode):\(size):\(modifiedSeconds):\(modifiedNanoseconds)" }

    func isSameFile(as other: FileStamp) -> Bool { device == other.device && inode == other.inode }

    /// Makes `destination` a hard link to `source` when the file system allows it (same file
    /// system, and the kernel's protected_hardlinks rule met); false when it does not.
    static func link(_ source: String, to destination: String) -> Bool {
        Glibc.link(source, destination) == 0
    }
}
