import Foundation

/// WebPI's `%VAR%` forms in URLs and paths, expanded from an environment dictionary.
///
/// A name is looked up in the dictionary first (case-insensitively, as Windows does), so a
/// caller can set any of them. Names that Linux does not have fall back as follows:
///
/// | WebPI name                                             | Linux value                                   |
/// |--------------------------------------------------------|-----------------------------------------------|
/// | `%TEMP%`, `%TMP%`                                      | `TMPDIR`, else `/tmp`                         |
/// | `%HOME%`, `%USERPROFILE%`, `%HOMEPATH%`                | `HOME`                                        |
/// | `%ProgramFiles%`, `%ProgramFiles(x86)%`, `%ProgramW6432%` | `PADDOCK_HOME/programs`, else `HOME/.paddock/programs` |
/// | `%APPDATA%`, `%LOCALAPPDATA%`                          | `XDG_DATA_HOME`, else `HOME/.local/share`     |
/// | `%SystemDrive%`                                        | empty (so `%SystemDrive%\inetpub` is `/inetpub`) |
///
/// `%%` is a literal `%`. A name that is neither in the dictionary nor in the table is left
/// as it is (URLs carry percent-encodings such as `%20` and `%C3%A9`), never made empty, so a
/// typo cannot turn into a path at the file-system root. Plain paths also get `\` turned into
/// `/` (see `Downloader`); URLs are left as they are.
public enum PathVariables {
    public static func expand(_ text: String, environment: [String: String]) -> String {
        guard text.contains("%") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.firstIndex(of: "%") {
            result += rest[..<start]
            let afterStart = rest.index(after: start)
            if let end = rest[afterStart...].firstIndex(of: "%") {
                let name = String(rest[afterStart..<end])
                if name.isEmpty {
                    result += "%"
                    rest = rest[rest.index(after: end)...]
                    continue
                }
                if let value = value(of: name, environment: environment) {
                    result += value
                    rest = rest[rest.index(after: end)...]
                    continue
                }
            }
            // Not a variable: keep the `%` and go on after it.
            result += "%"
            rest = rest[afterStart...]
        }
        result += rest
        return result
    }

    static func value(of name: String, environment: [String: String]) -> String? {
        let lowered = name.lowercased()
        if let exact = environment[name] { return exact }
        if let match = environment.first(where: { $0.key.lowercased() == lowered }) { return match.value }
        let home = environment["HOME"]
        switch lowered {
        case "temp", "tmp":
            return environment["TMPDIR"] ?? "/tmp"
        case "userprofile", "homepath":
            return home
        case "programfiles", "programfiles(x86)", "programw6432":
            if let paddock = environment["PADDOCK_HOME"] { return paddock + "/programs" }
            return home.map { $0 + "/.paddock/programs" }
        case "appdata", "localappdata":
            return environment["XDG_DATA_HOME"] ?? home.map { $0 + "/.local/share" }
        case "systemdrive":
            return ""
        default:
            return nil
        }
    }
}
