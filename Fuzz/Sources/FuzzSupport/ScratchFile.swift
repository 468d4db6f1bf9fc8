import Foundation

/// Readers that take a path get each input through one file of this process's own, rewritten
/// per input (on /tmp, a tmpfs here); removed by the OS with the folder when the run ends.
public enum Scratch {
    public static let folder: String = {
        let path = NSTemporaryDirectory() + "paddock-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    public static func write(_ data: UnsafePointer<UInt8>, _ size: Int, name: String) -> String {
        let path = folder + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
        return path
    }
}
