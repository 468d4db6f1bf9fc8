import Foundation
import PaddockSQLite
import Testing
import TestSupport

@Suite("SQLite database")
struct SQLiteDatabaseTests {
    /// Large loads leave WAL for a rollback journal and come back (FeedStore.commit); with another
    /// connection open the switch is refused at once, not after the busy timeout.
    @Test("the journal mode switch for large loads: alone it switches and back, with another connection it declines at once")
    func journalModeSwitch() throws {
        let directory = try TestPaths.temporaryDirectory("paddock-sqlite")
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

    /// The catalogue's rows are about 2 KB: with SQLite's default 4 KB pages one fits per page and
    /// the rest is wasted, so FeedStore creates the catalogue with larger pages.
    @Test("a page size applies to a database being created and leaves an existing one as it is")
    func pageSize() throws {
        let directory = try TestPaths.temporaryDirectory("paddock-sqlite")
        defer { try? FileManager.default.removeItem(at: directory) }
        let created = directory.appendingPathComponent("created.sqlite").path
        do {
            let database = try SQLiteDatabase(path: created, pageSize: 16384)
            try database.execute("CREATE TABLE t(x)")
            #expect(try database.query("PRAGMA page_size").first?.first?.integerValue == 16384)
            #expect(try database.query("PRAGMA journal_mode").first?.first?.textValue == "wal")
        }
        let existing = directory.appendingPathComponent("existing.sqlite").path
        try SQLiteDatabase(path: existing).execute("CREATE TABLE t(x)")
        let reopened = try SQLiteDatabase(path: existing, pageSize: 16384)
        #expect(try reopened.query("PRAGMA page_size").first?.first?.integerValue == 4096)
        #expect(try reopened.query("SELECT COUNT(*) FROM t").first?.first?.integerValue == 0)
    }
}
