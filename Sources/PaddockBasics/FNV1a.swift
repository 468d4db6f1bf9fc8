/// FNV-1a, 64 bits, over bytes: a change detector (whether an app's files, its settings or its
/// test inputs changed), not a secret. One implementation for every fingerprint paddock keeps.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func mix(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
    }

    /// The value in hexadecimal, as the fingerprints are stored.
    public var hex: String { String(value, radix: 16) }
}
