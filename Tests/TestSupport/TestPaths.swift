import Foundation

/// Where the tests find things: the repository, the real feeds in it, the built binary.
public enum TestPaths {
    /// The repository root, from this file's own path (Tests/TestSupport/TestPaths.swift).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The real feeds and Web Deploy files the tests read: byte-for-byte copies kept in the
    /// repository (Tests/Fixtures/README.md names each one's source).
    public static var fixtures: URL { repository.appendingPathComponent("Tests/Fixtures") }

    public static var webpiFeeds: URL { fixtures.appendingPathComponent("webpi") }
    public static var msdeployFiles: URL { fixtures.appendingPathComponent("msdeploy") }
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
