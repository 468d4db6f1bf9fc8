import PaddockBasics
import PaddockSQLite
import PaddockState
import PaddockStore

/// What to say when one of paddock's databases fails: which one (each names itself in its
/// errors, `SQLiteDatabase.label`), whether its file is damaged or it merely failed, and the next
/// step, which differs. The index is a cache of the feeds (`paddock doctor` rebuilds it from
/// `feeds.json` and the cached copies); the state database is the only record of what is
/// installed, so it is never to be deleted: doctor reports what can be recovered.
enum DatabaseFailure {
    static func message(_ error: SQLiteError, paths: PaddockPaths) -> String {
        let reason = "SQLite error \(error.code): \(error.message)"
        // SQLITE_FULL: the disk, not the database; the transaction was rolled back by SQLite.
        if error.code == 13 {
            let path = error.database.map { " (\($0))" } ?? ""
            return "the disk is full\(path); free some space and run the command again (what it had begun is undone)"
        }
        switch error.label {
        case StateStore.databaseLabel:
            let path = error.database ?? paths.stateDatabase.path
            if error.isDamage {
                return "the state database '\(path)' is damaged (\(reason)). "
                    + "Run 'paddock doctor' to see what can be recovered, and keep a copy of the file: it is paddock's only record of what is installed"
            }
            return "the state database '\(path)' failed: \(error); run 'paddock doctor'"
        case FeedStore.indexLabel:
            let path = error.database ?? paths.catalogDatabase.path
            if error.isDamage {
                return "the index database '\(path)' is damaged (\(reason)); run 'paddock doctor' to rebuild it from the feeds' cached copies"
            }
            return "the index database '\(path)' failed: \(error); run 'paddock doctor'"
        default:
            let subject = error.subject.map { "\($0) " } ?? "a database "
            return "\(subject)failed: \(error); run 'paddock doctor'"
        }
    }
}
