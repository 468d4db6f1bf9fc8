/// A WebPI `discoveryHint` tree, with paddock's Linux probes.
public indirect enum DiscoveryHint: Hashable, Sendable, Codable {
    /// WebPI `<file>`: `filePath` exists (and, on Windows, has at least `minimumVersion`).
    case file(path: String, minimumVersion: String?)
    /// WebPI `<registry>`: Windows only, never true on Linux.
    case registry(keyPath: String, valueName: String?, valueValue: String?, minimumVersion: String?)
    /// WebPI `<msiProductCode>`: Windows only.
    case msiProductCode(productCode: String)
    /// paddock: run argv, read a version from its output (first match of `pattern`, or the first
    /// version-looking token), and compare with `minimumVersion`.
    case command(arguments: [String], pattern: String?, minimumVersion: String?)
    /// paddock: a Debian package installed at least at `minimumVersion`.
    case dpkg(package: String, minimumVersion: String?)
    case any(hints: [DiscoveryHint])
    case all(hints: [DiscoveryHint])
}
