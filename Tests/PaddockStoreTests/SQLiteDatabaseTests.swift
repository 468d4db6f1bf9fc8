import Foundation
import PaddockSQLite
import Testing

@Suite("SQLite database")
struct SQLiteDatabaseTests {
    /// Large loads leave WAL for a rollback journal and come back (FeedStore.commit); with another
    /// connection open the switch is refused at once, not after the busy timeout.
    @Test("the journal mode switch for large loads: alone it switches and back, with another connection it declines at once")
    func journalModeSwitch() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paddock-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("test.sqlite").path
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE t(x)")
        #expect(database.tryJournalMode("DELETE"))
        try database.transaction { try database.execute("INSERT INTO t VALUES(1)") }
        #expect(database.tryJournalMode("WAL"))
        #expect(try database.query("PRAGMA journal_mode").first?.first?.textValue == "wal")

        let other = try SQLiteDatabase(path: path)
        _ = try other.query("SELECT COUNT(*) FROM t")
        let started = Date()
        #expect(!database.tryJournalMode("DELETE"))
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(try database.query("PRAGMA journal_mode").first?.first?.textValue == "wal")
        try database.transaction { try database.execute("INSERT INTO t VALUES(2)") }
        #expect(try other.query("SELECT COUNT(*) FROM t").first?.first?.integerValue == 2)
    }
}
