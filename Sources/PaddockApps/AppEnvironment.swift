import FeedModel
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The environment file in the app's state folder, mode 0600: `KEY='VALUE'` lines, each value
/// single-quoted as a POSIX shell quotes it (a `'` inside written `'\''`), so that
/// `set -a; . ./env` in sh loads exactly what paddock's engine gets. A file written before
/// values were quoted (its first line does not say "in sh syntax") is read as it was written: everything after the
/// first `=`. A value cannot hold a line break.
public enum EnvironmentFile {
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The first line, which says the values are shell-quoted (an older paddock's said
    /// "# Written by paddock: settings and secrets for this app. Keep it private.").
    static let formatLine = "# Written by paddock: settings and secrets for this app, in sh syntax ('set -a; . ./env' loads it). Keep it private."

    public static func read(_ url: URL) -> [String: String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var values: [String: String] = [:]
        // Any line end: "\r\n" is one Character, which splitting on "\n" does not see.
        let lines = text.split(whereSeparator: \.isNewline)
        let quoted = lines.contains { $0 == formatLine }
        for line in lines where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let raw = String(line[line.index(after: equals)...])
            values[String(line[..<equals])] = quoted ? (unquote(raw) ?? raw) : raw
        }
        return values
    }

    /// `value` as one shell word: in single quotes, a `'` as `'\''`.
    public static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The inverse of `quote`: single-quoted runs and `\'` between them; nil when `word` is not that.
    static func unquote(_ word: String) -> String? {
        var result = ""
        var index = word.startIndex
        while index < word.endIndex {
            if word[index] == "'" {
                guard let close = word[word.index(after: index)...].firstIndex(of: "'") else { return nil }
                result += word[word.index(after: index)..<close]
                index = word.index(after: close)
            } else if word[index] == "\\", word.index(after: index) < word.endIndex, word[word.index(after: index)] == "'" {
                result += "'"
                index = word.index(index, offsetBy: 2)
            } else {
                return nil
            }
        }
        return result
    }

    /// Whether `name` can be a variable of the file: a shell name (letters, digits, `_`, not
    /// starting with a digit), so the file stays valid shell.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// Why `value` cannot be stored under `key`, or nil when it can.
    public static func problem(key: String, value: String) -> String? {
        if !isValidName(key) { return "'\(key)' is not a variable name (letters, digits and '_', not starting with a digit)" }
        // A line break would end the value and start another setting when the file is read.
        if value.contains(where: \.isNewline) { return "the value of '\(key)' has a line break, which the environment file cannot hold" }
        if value.unicodeScalars.contains(where: { $0.value == 0 }) { return "the value of '\(key)' has a NUL character" }
        return nil
    }

    /// Replaces the file atomically: a private temporary file beside it, flushed, renamed over it.
    public static func write(_ values: [String: String], to url: URL) throws {
        for (key, value) in values {
            if let problem = problem(key: key, value: value) { throw Failure(message: "\(problem) ('\(url.path)')") }
        }
        let text =
            formatLine + "\n"
            + values.sorted { $0.key < $1.key }.map { "\($0.key)=\(quote($0.value))" }.joined(separator: "\n") + "\n"
        let temporary = url.appendingPathExtension("tmp")
        unlink(temporary.path)
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(message: "cannot write '\(temporary.path)': \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                unlink(temporary.path)
                throw Failure(message: "cannot write '\(temporary.path)': \(reason)")
            }
            written += count
        }
        fsync(descriptor)
        close(descriptor)
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw Failure(message: "cannot replace '\(url.path)': \(reason)")
        }
    }

    /// The characters of a generated secret.
    public static let secretAlphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#%^&*(-_=+)")

    /// 50 characters from the kernel's random source (SystemRandomNumberGenerator is getrandom
    /// on Linux), for Django's SECRET_KEY. Each character equally likely: a byte modulo the 75
    /// characters made the first 31 a third likelier than the others.
    public static func generateSecret(length: Int = 50) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<max(length, 0)).map { _ in secretAlphabet[Int.random(in: 0..<secretAlphabet.count, using: &generator)] })
    }
}

/// The environment an app's engine and deploy hook run with: a few of the caller's
/// variables, the engine definition's variables (a PATH prepend, its runtime's settings),
/// the app's private settings file, then the manifest's variables, later ones winning.
public enum AppEnvironment {
    public static func build(
        layout: AppLayout, manifest: AppManifest, engine: EngineDefinition? = nil, values: [String: String], base: [String: String]
    ) -> [String: String] {
        var environment: [String: String] = [:]
        for key in ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER"] { environment[key] = base[key] }
        environment["PATH"] = base["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        // What the layout knows is always there, whatever else the caller passed.
        let values = layout.values.merging(values) { $1 }
        for variable in engine?.environment ?? [] {
            let value = Placeholders.render(variable.value, values)
            switch variable.mode {
            case .set: environment[variable.name] = value
            case .prepend: environment[variable.name] = environment[variable.name].map { value + ":" + $0 } ?? value
            case .append: environment[variable.name] = environment[variable.name].map { $0 + ":" + value } ?? value
            }
        }
        for (key, value) in EnvironmentFile.read(layout.environmentFile) { environment[key] = value }
        for pair in manifest.environmentPairs { environment[pair.name] = Placeholders.render(pair.value, values) }
        return environment
    }
}
