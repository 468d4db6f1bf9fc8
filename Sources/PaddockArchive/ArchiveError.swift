import FeedModel
import PaddockBasics
/// Why an archive was not extracted. Every message is one line that names the archive (its
/// file name) and, where there is one, the entry; all of them mean nothing was written.
public enum ArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(archive: String, reason: String)
    case unreadable(archive: String, entry: String?, reason: String)
    case entryLeavesTarget(archive: String, entry: String)
    case absolutePath(archive: String, entry: String)
    case symlinkLeavesTarget(archive: String, entry: String, target: String)
    case hardLinkLeavesTarget(archive: String, entry: String, target: String)
    case unsupportedEntryType(archive: String, entry: String, type: String)
    case tooLarge(archive: String, entry: String, limit: Int64)
    case tooManyEntries(archive: String, limit: Int)
    case compressionRatio(archive: String, entry: String, limit: Double)
    case writeFailed(archive: String, entry: String, reason: String)
    case targetNotEmpty(target: String)
    case fileSystem(archive: String, reason: String)

    public var description: String {
        let nothing = "; nothing was extracted"
        switch self {
        case .cannotOpen(let archive, let reason):
            return "could not open archive '\(archive)': \(reason)\(nothing)"
        case .unreadable(let archive, nil, let reason):
            return "archive '\(archive)' is damaged or not an archive: \(reason)\(nothing)"
        case .unreadable(let archive, let entry?, let reason):
            return "archive '\(archive)' is damaged at entry '\(entry)': \(reason)\(nothing)"
        case .entryLeavesTarget(let archive, let entry):
            return "archive '\(archive)' has an entry '\(entry)' that leaves the target folder\(nothing)"
        case .absolutePath(let archive, let entry):
            return "archive '\(archive)' has an entry '\(entry)' with an absolute path\(nothing)"
        case .symlinkLeavesTarget(let archive, let entry, let target):
            return "archive '\(archive)' has a symlink '\(entry)' to '\(target)' that leaves the target folder\(nothing)"
        case .hardLinkLeavesTarget(let archive, let entry, let target):
            return "archive '\(archive)' has a hard link '\(entry)' to '\(target)' that leaves the target folder\(nothing)"
        case .unsupportedEntryType(let archive, let entry, let type):
            return "archive '\(archive)' has an entry '\(entry)' of type \(type), which paddock does not extract\(nothing)"
        case .tooLarge(let archive, let entry, let limit):
            return "archive '\(archive)' expands to more than \(limit) bytes (at entry '\(entry)')\(nothing)"
        case .tooManyEntries(let archive, let limit):
            return "archive '\(archive)' has more than \(limit) entries\(nothing)"
        case .compressionRatio(let archive, let entry, let limit):
            return "archive '\(archive)' expands to more than \(Int(limit)) times its size (at entry '\(entry)')\(nothing)"
        case .writeFailed(let archive, let entry, let reason):
            return "archive '\(archive)' has an entry '\(entry)' that could not be written: \(reason)\(nothing)"
        case .targetNotEmpty(let target):
            return "target folder '\(target)' already exists and is not empty\(nothing)"
        case .fileSystem(let archive, let reason):
            return "could not extract archive '\(archive)': \(reason)\(nothing)"
        }
    }
}

extension ArchiveError: PaddockError {
    public var exitStatus: ExitStatus { .dataError }
    /// Entry names come from the archive: shown escaped.
    public var userMessage: String { description.escapingControlCharacters }
}
