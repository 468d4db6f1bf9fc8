import FeedModel
import Foundation

/// The environment file in the app's state folder: `KEY=VALUE` lines, mode 0600. A value is
/// everything after the first `=`, as written (spaces, quotes and `=` included, no escapes), so
/// it cannot hold a line break.
public enum EnvironmentFile {
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func read(_ url: URL) -> [String: String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var values: [String: String] = [:]
        // Any line end: "\r\n" is one Character, which splitting on "\n" does not see.
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }

    public static func write(_ values: [String: String], to url: URL) throws {
        // A line break would end the value and start another setting when the file is read.
        for (key, value) in values {
            if key.isEmpty || key.contains("=") || key.hasPrefix("#") || key.contains(where: \.isNewline) {
                throw Failure(message: "'\(key)' cannot be a name in the environment file '\(url.path)'")
            }
            if value.contains(where: \.isNewline) {
                throw Failure(message: "the value of '\(key)' has a line break, which the environment file '\(url.path)' cannot hold")
            }
        }
        let text =
            "# Written by paddock: settings and secrets for this app. Keep it private.\n"
            + values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") + "\n"
        let temporary = url.appendingPathExtension("tmp")
        _ = FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        try FileManager.default.moveItem(at: temporary, to: url)
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
