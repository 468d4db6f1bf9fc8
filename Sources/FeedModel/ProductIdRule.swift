/// A product id is a name, and paddock makes folder and file names from it (an archive's
/// default destination, download names): one with a path separator, `.`/`..`, or a control
/// character (a newline would also forge lines in the terminal and in logs) is refused.
public enum ProductIdRule {
    /// Why `productId` cannot be used, or nil when it can.
    public static func problem(with productId: String) -> String? {
        if productId == "." || productId == ".." { return "is '\(productId)', a folder's name" }
        if productId.contains("/") || productId.contains("\\") { return "contains a path separator" }
        if productId.containsControlCharacter {
            return "contains a control character"
        }
        return nil
    }
}

extension String {
    /// Whether the text holds a C0 or C1 control character (a newline, ESC, NUL...): refused in
    /// names and paths, where it would forge lines or drive a terminal.
    public var containsControlCharacter: Bool { unicodeScalars.contains { $0.properties.generalCategory == .control } }

    /// The text with control characters shown as `\u{…}`: for quoting text from a feed, a
    /// file name or a client in a message, where a newline or an escape would forge lines or
    /// drive the terminal.
    public var escapingControlCharacters: String { escaping(keeping: []) }

    /// Text from a feed, a log or a client made safe to print on a terminal: C0 and C1 control
    /// characters (ESC, BEL, CSI…) and the bidirectional overrides and isolates that reorder
    /// what is shown (a title that displays as something it is not) are escaped; tabs, and
    /// line breaks when `lines` is true, are kept.
    public func terminalSafe(lines: Bool = false) -> String {
        escaping(keeping: lines ? ["\t", "\n"] : ["\t"])
    }

    private func escaping(keeping kept: Set<Unicode.Scalar>) -> String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            let unsafe =
                (scalar.properties.generalCategory == .control && !kept.contains(scalar))
                || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
            if unsafe { result += "\\u{\(String(scalar.value, radix: 16))}" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}
