import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The POSIX error number behind a Foundation file error (NSError in the POSIX domain, its
/// underlying error, or the CocoaError codes for space, permission and read-only volumes), so
/// that a full disk is told as a full disk wherever it surfaces.
public enum FileSystemErrno {
    public static func of(_ error: any Error) -> Int32? {
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return Int32(nsError.code) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Int32(underlying.code)
        }
        guard let cocoa = error as? CocoaError else { return nil }
        switch cocoa.code {
        case .fileWriteOutOfSpace: return ENOSPC
        case .fileWriteNoPermission, .fileReadNoPermission: return EACCES
        case .fileWriteVolumeReadOnly: return EROFS
        default: return nil
        }
    }

    /// The path a Foundation file error names, when it names one.
    public static func path(of error: any Error) -> String? {
        let info = (error as NSError).userInfo
        return (info[NSFilePathErrorKey] as? String) ?? (info[NSURLErrorKey] as? URL)?.path
    }

    public static func isDiskFull(_ error: any Error) -> Bool {
        guard let code = of(error) else { return false }
        return code == ENOSPC || code == EDQUOT
    }
}
