import Foundation
import PaddockApps
import PaddockBasics

/// How one app is served in production (`paddock serve`): its instances, its balancer and its
/// site on the shared front. Kept as `serve/serve.json` in the app's state folder, so that a
/// part's supervisor, `paddock serve restart` and `paddock serve status` read the same values.
public struct ServeSettings: Codable, Sendable, Hashable {
    public var instances: [Int]
    /// Workers of each instance: also the balancer's connection cap for it (maxconn), so that a
    /// request past what an instance serves at once waits in the balancer's queue, not at a
    /// busy worker.
    public var workers: Int
    public var balancerPort: Int
    public var listenHost: String
    public var listenPort: Int
    public var serverNames: [String]
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Where plain HTTP is redirected to HTTPS from (with TLS only).
    public var redirectHost: String?
    public var redirectPort: Int?
    public var front: String

    public static func file(_ layout: AppLayout) -> URL { folder(layout).appendingPathComponent("serve.json") }
    public static func folder(_ layout: AppLayout) -> URL { layout.state.appendingPathComponent("serve") }

    public static func read(_ layout: AppLayout) -> ServeSettings? {
        guard let data = FileManager.default.contents(atPath: file(layout).path) else { return nil }
        return try? JSONDecoder().decode(ServeSettings.self, from: data)
    }

    func write(_ layout: AppLayout) throws {
        try FileManager.default.createDirectory(at: Self.folder(layout), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: Self.file(layout), options: .atomic)
    }

    /// `HOST:PORT` (`0.0.0.0:80`, `127.0.0.1:8443`, `[::]:443`) or a bare port (all addresses).
    public static func parseAddress(_ text: String, option: String) throws -> (host: String, port: Int) {
        var host = "0.0.0.0"
        var portText = text
        if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
        }
        let hostCharacters = CharacterSet(charactersIn: "0123456789abcdefABCDEF.:[]")
        guard let port = Int(portText), (1...65535).contains(port), !host.isEmpty,
            host.unicodeScalars.allSatisfy({ hostCharacters.contains($0) })
        else {
            throw ServiceError("\(option) '\(text)' is not an address; give HOST:PORT with a numeric host, e.g. 0.0.0.0:80 or 127.0.0.1:8080", .usage)
        }
        return (host, port)
    }

    /// A server name nginx and HAProxy take as one word: letters, digits, `.`, `-`, `*` and `_`.
    public static func checkServerName(_ name: String) throws {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*_")
        guard !name.isEmpty, name.count <= 253, name.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            throw ServiceError("--server-name '\(name)' is not a host name; use letters, digits, '.', '-' (e.g. example.org)", .usage)
        }
    }
}
