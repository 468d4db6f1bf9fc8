import ArgumentParser
import Foundation
import PaddockBasics
import PaddockSQLite
import PaddockStore

/// Candidates the shell completion scripts ask paddock for when a user presses Tab: the
/// user's app names, the catalogue's product ids and the feed names. argument-parser runs
/// these through its hidden `paddock ---completion SUBCOMMAND -- ARGUMENT …` call.
///
/// They read paddock's databases read-only and directly, without opening the feed store (which
/// would sync the built-in feed) or recovering the state: completion must be quick and must
/// never print. Anything missing or failing (no catalogue yet, a locked or older database)
/// gives no candidates.
enum Completions {
    static let apps = CompletionKind.custom(appNames)
    static let products = CompletionKind.custom(productIds)
    static let feeds = CompletionKind.custom(feedNames)

    @Sendable static func appNames(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        strings(in: paths().state.appendingPathComponent("state.sqlite"), "SELECT name FROM apps ORDER BY name", prefix)
    }

    @Sendable static func productIds(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        strings(in: paths().catalogDatabase, "SELECT DISTINCT product_id FROM products ORDER BY product_id", prefix)
    }

    @Sendable static func feedNames(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        strings(in: paths().catalogDatabase, "SELECT name FROM feeds ORDER BY position DESC", prefix)
    }

    private static func paths() -> PaddockPaths {
        PaddockPaths(environment: ProcessInfo.processInfo.environment)
    }

    /// The first column of `sql`'s rows that start with `prefix` (the shells pass the word as
    /// typed; a quote in front of it is dropped).
    private static func strings(in database: URL, _ sql: String, _ prefix: String) -> [String] {
        guard FileManager.default.fileExists(atPath: database.path),
            let connection = try? SQLiteDatabase(path: database.path, readOnly: true),
            let rows = try? connection.query(sql)
        else { return [] }
        let typed = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        return rows.compactMap { $0.first?.textValue }.filter { $0.hasPrefix(typed) }
    }
}
