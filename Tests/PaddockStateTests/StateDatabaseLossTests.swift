import Foundation
import PaddockSQLite
import Testing
import TestSupport

@testable import PaddockState

/// A state database that lost its contents must not read as "nothing installed" while paddock's
/// folders hold what it installed; a fresh one, with nothing on disk, opens as before.
@Suite("State database: lost or damaged")
struct StateDatabaseLossTests {
    final class Home {
        let root: URL
        var state: URL { root.appendingPathComponent("state") }
        var programs: URL { root.appendingPathComponent("data/programs") }
        var database: String { state.appendingPathComponent("state.sqlite").path }
        init() throws { root = try TestPaths.temporaryDirectory("paddock-state-loss") }
        deinit { try? FileManager.default.removeItem(at: root) }
        func open() throws -> StateStore { try StateStore(directory: state, ownedRoots: [root], programs: programs) }
        func make(_ folder: URL) throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
    }

    @Test("a fresh home opens; an empty file with nothing on disk is made afresh")
    func fresh() throws {
        let home = try Home()
        #expect(try home.open().installed().isEmpty)
        try Data().write(to: URL(fileURLWithPath: home.database))
        #expect(try home.open().schemaVersion == StateStore.knownSchemaVersion)
    }

    @Test("0 bytes, missing, or without its tables, beside a program folder, an app folder or an install log: refused, naming them")
    func lost() throws {
        let home = try Home()
        try home.make(home.programs.appendingPathComponent("tool"))
        try home.make(home.state)
        try Data().write(to: URL(fileURLWithPath: home.database))
        let empty = #expect(throws: StateDatabaseError.self) { try home.open() }
        #expect(
            empty?.description
                == "the state database '\(home.database)' is empty (0 bytes), but paddock's folders show that it installed things (program folder \(home.programs.path)/tool): paddock no longer knows what is installed, so it changes nothing. Run 'paddock doctor' to see what it found; restore state.sqlite from a backup, or, to start afresh, move what it names aside"
        )
        #expect(try FileManager.default.attributesOfItem(atPath: home.database)[.size] as? Int == 0, "nothing made over it")

        try FileManager.default.removeItem(atPath: home.database)
        try home.make(home.state.appendingPathComponent("apps/site"))
        try home.make(home.state.appendingPathComponent("logs"))
        try Data("log".utf8).write(to: home.state.appendingPathComponent("logs/install-1.log"))
        try home.make(home.programs.appendingPathComponent("other"))
        try home.make(home.programs.appendingPathComponent("more"))
        let missing = #expect(throws: StateDatabaseError.self) { try home.open() }
        #expect(
            missing?.description.hasPrefix(
                "the state database '\(home.database)' is missing, but paddock's folders show that it installed things (program folder \(home.programs.path)/more, program folder \(home.programs.path)/other, program folder \(home.programs.path)/tool and 2 more): "
            ) == true)
        #expect(!FileManager.default.fileExists(atPath: home.database))
        #expect(
            StateStore.footprints(in: home.state, programs: home.programs).map(\.description).suffix(2) == [
                "app folder \(home.state.path)/apps/site", "install log \(home.state.path)/logs/install-1.log",
            ])

        // Tables dropped: the file is there, its schema version 0.
        let database = try SQLiteDatabase(path: home.database)
        try database.execute("CREATE TABLE other(x)")
        let tables = #expect(throws: StateDatabaseError.self) { try home.open() }
        #expect(tables?.description.hasPrefix("the state database '\(home.database)' has none of its tables, but") == true)
    }

    @Test("garbage bytes: an error naming the state database and its file, as damage")
    func damaged() throws {
        let home = try Home()
        try home.make(home.state)
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: home.database))
        let error = #expect(throws: SQLiteError.self) { try home.open() }
        #expect(error?.label == StateStore.databaseLabel)
        #expect(error?.database == home.database)
        #expect(error?.isDamage == true)
        #expect(error?.message == "file is not a database")
    }
}
