/// One line of config.toml, read as TOML reads it: a `[table]`, a `key = value`, a comment or
/// nothing. Strings are TOML's basic ("...", with escapes) and literal ('...') strings, so a `#`
/// inside quotes is part of the value; a `#` outside them starts a comment. Anything else on the
/// line (a missing quote, text after the value, a value TOML would not take) is a `Problem`
/// rather than a guess: the old reader cut every line at its first `#`, and a
/// builtin-feed-path with `#` in it silently lost the built-in feed.
///
/// TOMLKit would read full TOML, but its package needs a dependency this machine's package
/// copies do not carry, and paddock's settings are flat, so this reader takes TOML's flat subset
/// (no arrays, inline tables, dotted keys or multi-line strings) and names the line it stops at.
enum ConfigLine {
    enum Entry: Equatable {
        case table(String)
        /// The key and its value as text: a string's contents, or a number's or boolean's literal.
        case pair(key: String, value: String)
    }

    struct Problem: Error {
        var message: String
        /// An unquoted word that is not a TOML value, and its key (for the setting's own message).
        var bareWord: (key: String, word: String)? = nil
    }

    /// nil for a blank or comment-only line.
    static func read(_ line: Substring) throws -> Entry? {
        var scanner = Scanner(Array(line.unicodeScalars))
        scanner.skipSpaces()
        if scanner.atEndOrComment { return nil }
        if scanner.peek == "[" {
            scanner.advance()
            scanner.skipSpaces()
            let name = try scanner.key()
            scanner.skipSpaces()
            guard scanner.peek == "]" else { throw Problem(message: "expected '[table]'") }
            scanner.advance()
            try scanner.expectEnd()
            return .table(name)
        }
        let key = try scanner.key()
        scanner.skipSpaces()
        guard scanner.peek == "=" else {
            throw Problem(message: "expected 'key = value' after '\(key)'")
        }
        scanner.advance()
        scanner.skipSpaces()
        let value: String
        do { value = try scanner.value() } catch var problem as Problem {
            if let word = scanner.bareWord { problem.bareWord = (key, word) }
            throw problem
        }
        try scanner.expectEnd()
        return .pair(key: key, value: value)
    }

    struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0
        /// The last unquoted value read, for a Problem about it.
        var bareWord: String?

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
        var atEndOrComment: Bool { peek == nil || peek == "#" }
        mutating func advance() { index += 1 }
        mutating func skipSpaces() { while peek == " " || peek == "\t" { advance() } }

        mutating func expectEnd() throws {
            skipSpaces()
            guard atEndOrComment else {
                let rest = String(String.UnicodeScalarView(scalars[index...]))
                throw Problem(message: "unexpected '\(rest)' after the value (a comment starts with #)")
            }
        }

        /// A bare key (A-Z a-z 0-9 - _) or a quoted one.
        mutating func key() throws -> String {
            if peek == "\"" { return try basicString() }
            if peek == "'" { return try literalString() }
            var key = String.UnicodeScalarView()
            while let scalar = peek, Self.isBareKey(scalar) {
                key.append(scalar)
                advance()
            }
            guard !key.isEmpty else {
                throw Problem(message: "expected a key (letters, digits, - and _, or a quoted name)")
            }
            return String(key)
        }

        static func isBareKey(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_": return true
            default: return false
            }
        }

        mutating func value() throws -> String {
            switch peek {
            case "\"":
                if scalars[index...].starts(with: ["\"", "\"", "\""]) {
                    throw Problem(message: "multi-line strings are not read here; put the value on one line")
                }
                return try basicString()
            case "'":
                if scalars[index...].starts(with: ["'", "'", "'"]) {
                    throw Problem(message: "multi-line strings are not read here; put the value on one line")
                }
                return try literalString()
            case nil, "#":
                throw Problem(message: "expected a value after '='")
            default:
                // A number or a boolean: TOML's bare values; a bare word is an error (quote it).
                var text = String.UnicodeScalarView()
                while let scalar = peek, scalar != " ", scalar != "\t", scalar != "#" {
                    text.append(scalar)
                    advance()
                }
                let word = String(text)
                bareWord = word
                guard word == "true" || word == "false" || Self.isNumber(word) || Self.specialFloats.contains(word) else {
                    throw Problem(message: "'\(word)' is not a TOML value: quote a string (\"...\"), or write a number, true or false")
                }
                return word.replacingOccurrences(of: "_", with: "")
            }
        }

        static let specialFloats: Set<String> = ["inf", "+inf", "-inf", "nan", "+nan", "-nan"]

        /// TOML integers and decimals (with optional sign, `_` between digits and an exponent).
        static func isNumber(_ word: String) -> Bool {
            var body = Substring(word)
            if body.first == "+" || body.first == "-" { body = body.dropFirst() }
            guard let first = body.first, first.isASCII, first.isNumber else { return false }
            guard !body.hasSuffix("_"), !body.contains("__") else { return false }
            var seenDot = false
            var seenExponent = false
            var previous: Character = " "
            for character in body {
                switch character {
                case "0"..."9": break
                case "_": guard previous.isASCII, previous.isNumber else { return false }
                case ".":
                    guard !seenDot, !seenExponent, previous.isNumber else { return false }
                    seenDot = true
                case "e", "E":
                    guard !seenExponent, previous.isNumber else { return false }
                    seenExponent = true
                case "+", "-": guard previous == "e" || previous == "E" else { return false }
                default: return false
                }
                previous = character
            }
            return previous.isNumber
        }

        mutating func literalString() throws -> String {
            advance()
            var text = String.UnicodeScalarView()
            while let scalar = peek {
                advance()
                if scalar == "'" { return String(text) }
                text.append(scalar)
            }
            throw Problem(message: "a string opened with ' is not closed on this line")
        }

        mutating func basicString() throws -> String {
            advance()
            var text = String.UnicodeScalarView()
            while let scalar = peek {
                advance()
                switch scalar {
                case "\"": return String(text)
                case "\\":
                    guard let escaped = peek else { break }
                    advance()
                    switch escaped {
                    case "\"": text.append("\"")
                    case "\\": text.append("\\")
                    case "n": text.append("\n")
                    case "t": text.append("\t")
                    case "r": text.append("\r")
                    case "b": text.append("\u{08}")
                    case "f": text.append("\u{0C}")
                    case "e": text.append("\u{1B}")
                    case "u", "U":
                        let count = escaped == "u" ? 4 : 8
                        guard index + count <= scalars.count,
                            let code = UInt32(String(String.UnicodeScalarView(scalars[index..<index + count])), radix: 16),
                            let decoded = Unicode.Scalar(code)
                        else {
                            throw Problem(message: "\\\(escaped) takes \(count) hex digits naming a character")
                        }
                        index += count
                        text.append(decoded)
                    default:
                        throw Problem(message: "unknown escape '\\\(escaped)' in a string (write \\\\ for a backslash)")
                    }
                default:
                    text.append(scalar)
                }
            }
            throw Problem(message: "a string opened with \" is not closed on this line")
        }
    }
}
