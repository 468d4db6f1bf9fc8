/// What is already on the machine: found by discovery or installed by paddock earlier.
/// Installed products satisfy dependencies and are never installed again nor replaced.
public struct InstalledProducts: Sendable, Hashable, Codable {
    /// productId -> installed version text (a nil value: installed, version unknown).
    public private(set) var versions: [String: String?]

    public init(_ versions: [String: String?] = [:]) { self.versions = versions }

    /// Records a product as installed; `version` nil when discovery could not tell it.
    public mutating func add(_ productId: String, version: String?) {
        versions[productId] = .some(version)
    }

    public func isInstalled(_ productId: String) -> Bool { versions[productId] != nil }

    /// The installed version, or nil when not installed or the version is unknown.
    public func version(of productId: String) -> String? { versions[productId] ?? nil }
}
