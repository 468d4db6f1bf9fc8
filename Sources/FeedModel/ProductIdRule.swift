/// A product id is a name, and paddock makes folder and file names from it (an archive's
/// default destination, download names): one with a path separator, `.`/`..`, or a control
/// character (a newline would also forge lines in the terminal and in logs) is refused.
public enum ProductIdRule {
    /// Why `productId` cannot be used, or nil when it can.
    public static func problem(with productId: String) -> String? {
        if productId == "." || productId == ".." { return "is '\(productId)', a folder's name" }
        if productId.contains("/") || productId.contains("\\") { return "contains a path separator" }
        if productId.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "contains a control character"
        }
        return nil
    }
}

extension String {
    /// The text with control characters shown as `\u{…}`: for quoting text from a feed, a
    /// file name or a client in a message, where a newline or an escape would forge lines or
    /// drive the terminal.
    public var escapingControlCharacters: String {
        unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }
}
