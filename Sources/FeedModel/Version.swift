/// A product version compared as a version, not as text: `3.10 > 3.9`, `12.0.0.0 == 12`,
/// `5.2rc1 < 5.2`, `1.1.5 < 1.1.5a < 1.1.6`.
///
/// Feeds write versions freely, so the grammar is forgiving:
/// - a release of dot-separated numbers (`12.0.0.0`); trailing zeros do not count;
/// - then, optionally, a pre-release tag followed by a number (`a1`, `alpha2`, `b3`, `beta`, `rc1`,
///   `c1`, `pre1`, `preview`, `dev4`; `-` `_` `.` may separate them), which sorts before the release;
/// - or a post-release (`.post1`, `-1`) or a lone patch letter right after the digits (`1.1.5a`,
///   OpenSSL style, as WebPI feeds use it), which sorts after the release;
/// - a local part after `+` is kept in `text` but ignored when comparing.
///
/// Equality and hashing follow the comparison, so `Version("12") == Version("12.0.0.0")`.
public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// What follows the release numbers, in the order the kinds sort.
    public enum Stage: Int, Sendable, Comparable, Codable {
        case dev = 0, alpha, beta, releaseCandidate, release, patchLetter, post

        public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The text as written in the feed, for display.
    public let text: String
    /// Release numbers with trailing zeros removed (so `12.0` and `12` compare equal).
    public let release: [Int]
    public let stage: Stage
    /// The number after the tag (`rc2` -> 2; a patch letter `a` -> 1, `b` -> 2...).
    public let stageNumber: Int

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String { "\"\(text)\" is not a version: \(reason)" }
    }

    /// Parses a version, or returns nil when `text` is not one (`latest`, empty text).
    public init?(_ text: String) {
        guard let parsed = try? Version(parsing: text) else { return nil }
        self = parsed
    }

    public init(parsing text: String) throws(ParseError) {
        self.text = text
        var scanner = VersionScanner(text.trimmingWhitespace().lowercased())
        if scanner.peekIsLetter("v") { scanner.advance() }  // `v1.2` is common in feeds.
        guard let first = scanner.readNumber() else {
            throw ParseError(text: text, reason: "it does not start with a number")
        }
        var numbers = [first]
        while scanner.peek == ".", scanner.peekNumberAfterSeparator() {
            scanner.advance()
            numbers.append(scanner.readNumber()!)
        }
        while numbers.count > 1, numbers.last == 0 { numbers.removeLast() }
        if numbers == [0] { numbers = [] }
        release = numbers

        let (stage, stageNumber) = try Version.readSuffix(&scanner, text: text)
        self.stage = stage
        self.stageNumber = stageNumber
    }

    private static let preReleaseTags: [(String, Stage)] = [
        ("alpha", .alpha), ("beta", .beta), ("preview", .releaseCandidate), ("pre", .releaseCandidate),
        ("rc", .releaseCandidate), ("dev", .dev), ("a", .alpha), ("b", .beta), ("c", .releaseCandidate),
    ]

    private static func readSuffix(_ scanner: inout VersionScanner, text: String) throws(ParseError) -> (Stage, Int) {
        if scanner.isAtEnd || scanner.peek == "+" { return (.release, 0) }
        let hadSeparator = scanner.skipSeparator()
        let word = scanner.readLetters()
        let number: Int?
        if word.isEmpty {
            // `1.0-1`: a number after a separator is a post-release (Debian revision, PEP 440).
            guard hadSeparator, let value = scanner.readNumber() else {
                throw ParseError(text: text, reason: "unexpected text after the release numbers")
            }
            number = value
            try scanner.expectEnd(text: text)
            return (.post, value)
        }
        _ = scanner.skipSeparator()
        number = scanner.readNumber()
        try scanner.expectEnd(text: text)
        if word == "post" || word == "r" || word == "rev" { return (.post, number ?? 0) }
        if word.count == 1, number == nil, !hadSeparator {
            // `1.1.5a`: a lone letter right after the digits is a patch letter, after the release.
            return (.patchLetter, Int(word.unicodeScalars.first!.value) - 96)
        }
        if let tag = preReleaseTags.first(where: { $0.0 == word }) { return (tag.1, number ?? 0) }
        throw ParseError(text: text, reason: "\"\(word)\" is not a known pre-release or post-release tag")
    }

    public static func == (lhs: Version, rhs: Version) -> Bool {
        lhs.release == rhs.release && lhs.stage == rhs.stage && lhs.stageNumber == rhs.stageNumber
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(release)
        hasher.combine(stage)
        hasher.combine(stageNumber)
    }

    public static func < (lhs: Version, rhs: Version) -> Bool {
        let count = max(lhs.release.count, rhs.release.count)
        for index in 0..<count {
            let left = index < lhs.release.count ? lhs.release[index] : 0
            let right = index < rhs.release.count ? rhs.release[index] : 0
            if left != right { return left < right }
        }
        if lhs.stage != rhs.stage { return lhs.stage < rhs.stage }
        return lhs.stageNumber < rhs.stageNumber
    }

    /// True when the release numbers start with `prefix` (for `==5.2.*`), counting missing parts as 0.
    public func releaseStarts(with prefix: [Int]) -> Bool {
        prefix.indices.allSatisfy { index in
            (index < release.count ? release[index] : 0) == prefix[index]
        }
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// A tiny cursor over the characters of a version, so the parser reads like the grammar.
struct VersionScanner {
    private let characters: [Character]
    private var position = 0

    init(_ text: String) { characters = Array(text) }

    var isAtEnd: Bool { position >= characters.count }
    var peek: Character? { isAtEnd ? nil : characters[position] }

    mutating func advance() { position += 1 }

    func peekIsLetter(_ letter: Character) -> Bool {
        peek == letter && position + 1 < characters.count && characters[position + 1].isNumber
    }

    func peekNumberAfterSeparator() -> Bool {
        position + 1 < characters.count && characters[position + 1].isASCIIDigit
    }

    mutating func readNumber() -> Int? {
        var value = 0
        var sawDigit = false
        while let character = peek, character.isASCIIDigit {
            // Saturate rather than trap: a date-like build number should still compare.
            value = value > Int.max / 20 ? value : value * 10 + Int(character.asciiValue! - 48)
            sawDigit = true
            advance()
        }
        return sawDigit ? value : nil
    }

    mutating func readLetters() -> String {
        var word = ""
        while let character = peek, character.isASCII, character.isLetter {
            word.append(character)
            advance()
        }
        return word
    }

    mutating func skipSeparator() -> Bool {
        guard let character = peek, character == "." || character == "-" || character == "_" else { return false }
        advance()
        return true
    }

    mutating func expectEnd(text: String) throws(Version.ParseError) {
        if isAtEnd || peek == "+" { return }
        throw Version.ParseError(text: text, reason: "unexpected \"\(String(characters[position...]))\" at the end")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
