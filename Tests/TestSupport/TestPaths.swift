import Foundation

/// Where the tests find things: the repository, the real feeds beside it, the built binary.
public enum TestPaths {
    /// The repository root, from this file's own path (Tests/TestSupport/TestPaths.swift).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the checkout, as CI lays it out; `PADDOCK_SHARED` overrides.
    public static var shared: URL {
        if let path = ProcessInfo.processInfo.environment["PADDOCK_SHARED"] { return URL(fileURLWithPath: path) }
        return repository.deletingLastPathComponent().appendingPathComponent("shared")
    }

    public static var webpiFeeds: URL { shared.appendingPathComponent("feeds/webpi") }
    public static var msdeployFiles: URL { shared.appendingPathComponent("feeds/msdeploy") }
    public static var builtinFeed: URL { repository.appendingPathComponent("Feeds/paddock.xml") }

    /// The `paddock` binary that `swift build` made (`PADDOCK_BIN` overrides).
    public static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["PADDOCK_BIN"] { return URL(fileURLWithPath: path) }
        return repository.appendingPathComponent(".build/debug/paddock")
    }

    /// A fresh temporary directory, removed by the caller.
    public static func temporaryDirectory(_ label: String = "paddock-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
