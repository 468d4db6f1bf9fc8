import Foundation
import PaddockBasics
import PaddockSQLite
import PaddockState
import PaddockStore

/// `paddock doctor` on a state database it cannot read: which problem, what to do (never
/// "delete it": it is the only record of what is installed), and what can be recovered: what
/// paddock put on disk (program folders, apps' folders, install logs), the records and the
/// journal when the file still opens, and a write-ahead log that may hold the latest changes.
enum StateRecovery {
    static let checkName = "state database"

    /// The check for an error of opening or reading the state database; nil for other errors.
    static func check(for error: any Error, paths: PaddockPaths) -> DoctorReport.Check? {
        let path = paths.stateDatabase.path
        let summary: String
        switch error {
        case let lost as StateDatabaseError:
            switch lost {
            case .lost(let path, let condition, _):
                summary =
                    "\(path) \(condition), but paddock's folders show that it installed things: what is installed is no longer recorded. "
                    + "Restore state.sqlite from a backup; to start afresh instead, move what is listed below aside"
            }
        case let error as SQLiteError where error.label == StateStore.databaseLabel:
            let what = error.isDamage ? "is damaged" : "cannot be read"
            summary =
                "\(path) \(what) (SQLite error \(error.code): \(error.message)): paddock cannot tell what it installed. "
                + "Back it up first (cp \(path) \(path).damaged), then restore an earlier copy of it; do not delete it. What can be recovered is listed below"
        default:
            return nil
        }
        return DoctorReport.Check(name: checkName, status: .problem, summary: summary, details: recoverable(paths))
    }

    /// What can be recovered, one line each: what paddock put on disk, what the file still says,
    /// and its write-ahead log.
    static func recoverable(_ paths: PaddockPaths) -> [String] {
        let path = paths.stateDatabase.path
        var details = StateStore.footprints(in: paths.state, programs: paths.programs).map(\.description)
        details += salvage(path)
        let wal = path + "-wal"
        if let size = (try? FileManager.default.attributesOfItem(atPath: wal))?[.size] as? NSNumber, size.intValue > 0 {
            details.append("\(wal) (\(size.intValue) bytes) may hold the latest changes: keep it with state.sqlite's backup")
        }
        if details.isEmpty { details.append("nothing of paddock's is on disk: no program folders, app folders or install logs") }
        return details
    }

    /// What can still be read from the file (read-only): the products it records, and the
    /// journal of transactions left open (what they created or moved aside).
    static func salvage(_ path: String) -> [String] {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue > 0 else { return [] }
        guard let database = try? SQLiteDatabase(path: path, readOnly: true, label: StateStore.databaseLabel),
            let installed = try? database.query("SELECT product_id, app, version FROM installed ORDER BY app, product_key")
        else { return ["the records and the journal in \(path) cannot be read"] }
        var lines = installed.map { row -> String in
            let app = row[1].textValue.flatMap { $0.isEmpty ? nil : " (app \($0))" } ?? ""
            return "recorded as installed: \(row[0].textValue ?? "?") \(row[2].textValue ?? "")\(app)"
        }
        let journal =
            (try? database.query(
                """
                SELECT t.id, t.command, j.action, j.path FROM journal j JOIN transactions t ON t.id = j.txn
                WHERE t.state = 'open' ORDER BY t.id, j.seq
                """)) ?? []
        lines += journal.map {
            "journal of unfinished 'paddock \($0[1].textValue ?? "")' (transaction \($0[0].integerValue ?? 0)): \($0[2].textValue ?? "") \($0[3].textValue ?? "")"
        }
        return lines
    }
}

/// `paddock doctor`'s rebuild of a damaged index: a new `catalog.sqlite` made from the feed
/// registrations (`feeds.json`) and each feed's cached copy, so the feeds the user added keep
/// their names, sources, pinned keys and rollback baselines.
enum IndexRebuild {
    static func check(context: ServiceContext, findings: [String]) -> DoctorReport.Check {
        let name = "index database"
        let registrations = context.paths.feedRegistrations.path
        let hadRegistrations = FileManager.default.fileExists(atPath: registrations)
        let restored: [RestoredFeed]
        do {
            let config = try PaddockConfig.load(from: context.paths.configFile)
            let builtin = BuiltinFeedLocator.locate(environment: context.environment)
            restored = try FeedStore(paths: context.paths, config: config, builtinFeedPath: builtin.path).restoredFeeds
        } catch {
            return DoctorReport.Check(
                name: name, status: .problem, summary: "was damaged and is removed, but could not be rebuilt: \(error)", details: findings)
        }
        let incomplete = restored.compactMap { feed in feed.problem.map { "feed '\(feed.name)': \($0)" } }
        let count = restored.count == 1 ? "1 feed" : "\(restored.count) feeds"
        let summary: String
        if !hadRegistrations {
            summary = "was damaged and is rebuilt, but no feeds were registered in \(registrations): add yours again with 'paddock feed add'"
        } else if restored.isEmpty {
            summary = "was damaged and is rebuilt from the feeds (none were added)"
        } else {
            summary = "was damaged and is rebuilt from the feeds' cached copies: \(count) restored (\(restored.map(\.name).joined(separator: ", ")))"
        }
        return DoctorReport.Check(
            name: name, status: incomplete.isEmpty ? .repaired : .problem, summary: summary, details: incomplete + findings)
    }
}
