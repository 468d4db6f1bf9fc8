import Foundation

/// Whether pip can reach PyPI from here (the app tests install real packages). Checked once,
/// with a small real download, so an offline machine skips those tests with a clear reason.
public enum PyPI {
    public static let reachable: Bool = {
        guard let directory = try? TestPaths.temporaryDirectory("paddock-pypi") else { return false }
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try? runProcess(
            URL(fileURLWithPath: "/usr/bin/python3"),
            ["-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check", "--timeout", "15", "-d", directory.path, "sqlparse==0.6.1"])
        return result?.status == 0
    }()

    public static let skipReason: Comment = "PyPI is not reachable (pip download failed): the app tests install Django and Flask from it"
}

import Testing
