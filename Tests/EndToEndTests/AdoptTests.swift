import Foundation
import PaddockApps
import Testing
import TestSupport

/// Deploy by upload, as on shared hosting (the Zoo's workflow): an app made by paddock in one
/// home, its folder copied to another "server" and taken in there with `paddock adopt`; then an
/// upload alone (rsync of a model change, with `tmp/restart.txt` touched, and no paddock
/// command) is migrated and served, with no failed request.
@Suite("Adopt an uploaded app folder; an upload alone deploys", .requires(.pypi), .offCooperativePool)
struct AdoptTests {
    static let rsync = URL(fileURLWithPath: "/usr/bin/rsync")

    /// A developer's change: a Django app `notes` with a model, its migration, a view and its
    /// URL (`/notes/` answers `notes: N`); and, as a Passenger user would, `tmp/restart.txt`.
    /// `withView` false: the model and its migration only (no new URL, so no new import in the
    /// URLconf a worker still booting might load half-changed).
    static func addNotesApp(to folder: URL, project: String, touchRestartFile: Bool = true, withView: Bool = true) throws {
        let notes = folder.appendingPathComponent("notes")
        try FileManager.default.createDirectory(at: notes.appendingPathComponent("migrations"), withIntermediateDirectories: true)
        let files: [String: String] = [
            "__init__.py": "",
            "migrations/__init__.py": "",
            "models.py": "from django.db import models\n\n\nclass Note(models.Model):\n    text = models.CharField(max_length=200)\n",
            "migrations/0001_initial.py": """
            from django.db import migrations, models


            class Migration(migrations.Migration):
                initial = True
                dependencies = []
                operations = [
                    migrations.CreateModel(
                        name="Note",
                        fields=[
                            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                            ("text", models.CharField(max_length=200)),
                        ],
                    ),
                ]

            """,
            "views.py": """
            from django.http import HttpResponse

            from .models import Note


            def count(request):
                return HttpResponse(f"notes: {Note.objects.count()}\\n", content_type="text/plain")

            """,
        ]
        for (name, text) in files { try Data(text.utf8).write(to: notes.appendingPathComponent(name)) }
        let settings = folder.appendingPathComponent("\(project)/settings.py")
        try (try String(contentsOf: settings, encoding: .utf8) + "\nINSTALLED_APPS += [\"notes\"]\n").write(to: settings, atomically: true, encoding: .utf8)
        guard withView else { return }
        let urls = folder.appendingPathComponent("\(project)/urls.py")
        try (try String(contentsOf: urls, encoding: .utf8) + "\nfrom notes.views import count  # noqa: E402\n\nurlpatterns += [path(\"notes/\", count)]\n")
            .write(to: urls, atomically: true, encoding: .utf8)
        guard touchRestartFile else { return }
        let restart = folder.appendingPathComponent("tmp/restart.txt")
        try FileManager.default.createDirectory(at: restart.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data().write(to: restart)
    }

    @Test("made in one home, uploaded and adopted in another, served; an rsync of a model change is migrated and served within 10 s, 0 failed requests; uninstall keeps the folder")
    func adoptAndUpload() throws {
        let developer = try AppLifecycleTests.Sandbox()
        let server = try AppLifecycleTests.Sandbox()
        let port = 18531
        defer { server.stopAll("shop") }
        let made = try developer.paddock(["install", "blank-django", "--app", "shop", "--yes"])
        try #require(made.status == 0, "\(made.stderr)")
        let laptop = developer.root.appendingPathComponent("shop")
        let uploaded = server.root.appendingPathComponent("srv/shop")
        try FileManager.default.createDirectory(at: uploaded, withIntermediateDirectories: true)
        // What a developer uploads: the folder without its environment (and its git history).
        let upload = { () throws -> ProcessResult in
            try runProcess(Self.rsync, ["-a", "--exclude", ".venv", "--exclude", ".git", laptop.path + "/", uploaded.path + "/"])
        }
        #expect(try upload().status == 0)

        let adopt = try server.paddock(["adopt", uploaded.path, "--yes"])
        #expect(adopt.status == 0, "\(adopt.stdout)\n\(adopt.stderr)")
        #expect(adopt.stdout.contains("created app 'shop' in \(uploaded.path)"), "the app is named after its folder: \(adopt.stdout)")
        let state = server.root.appendingPathComponent("home/state/apps/shop")
        #expect(EnvironmentFile.read(state.appendingPathComponent("env"))["SECRET_KEY"]?.isEmpty == false, "a secret made on this machine")
        #expect(try AppLifecycleTests.sqliteTables(state.appendingPathComponent("data/db.sqlite3")).contains("django_migrations"), "deploy hook run")
        #expect(try server.paddock(["launch", "shop", "--detach", "--port", String(port)]).status == 0)
        #expect(AppLifecycleTests.get(port, "/")?.status == 200)
        #expect(AppLifecycleTests.get(port, "/notes/")?.status == 404)

        // The upload alone: no paddock command runs on the server.
        let loop = RequestLoop(port: port)
        loop.start()
        usleep(500_000)
        try Self.addNotesApp(to: laptop, project: "shop")
        let uploadedAt = Date()
        #expect(try upload().status == 0)
        var served: String?
        while Date().timeIntervalSince(uploadedAt) < 10 {
            if let answer = AppLifecycleTests.get(port, "/notes/"), answer.status == 200 {
                served = answer.body
                break
            }
            usleep(200_000)
        }
        let took = Date().timeIntervalSince(uploadedAt)
        usleep(1_000_000)
        let counts = loop.stop()
        #expect(served?.contains("notes: 0") == true, "the change served within 10 s (after \(took) s): \(served ?? "nothing")")
        #expect(try AppLifecycleTests.sqliteTables(state.appendingPathComponent("data/db.sqlite3")).contains("notes_note"), "the migration applied")
        #expect(counts.failures == 0 && counts.ok > 0, "during the upload: \(counts)")
        print("adopt: an rsync of a model change served after \(String(format: "%.1f", took)) s; \(counts)")
        let log = (try? String(contentsOf: state.appendingPathComponent("logs/supervisor.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("tmp/restart.txt touched: deploying before the reload"), "\(log)")

        // Uninstalling the app keeps the uploaded folder (it is the user's); its state goes.
        #expect(try server.paddock(["stop", "shop"]).status == 0)
        let uninstall = try server.paddock(["uninstall", "blank-django", "--app", "shop", "--yes"])
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        #expect(uninstall.stdout.contains("its folder \(uploaded.path) is kept"), "\(uninstall.stdout)")
        #expect(FileManager.default.fileExists(atPath: uploaded.appendingPathComponent("manage.py").path))
        #expect(!FileManager.default.fileExists(atPath: state.path))
    }

    @Test("adopt refuses a folder that is not an app made by paddock, naming it, and changes nothing")
    func refusals() throws {
        let server = try AppLifecycleTests.Sandbox()
        let missing = try server.paddock(["adopt", server.root.appendingPathComponent("nowhere").path, "--yes"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("there is no folder at"), "\(missing.stderr)")
        let plain = server.root.appendingPathComponent("plain")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        let notApp = try server.paddock(["adopt", plain.path, "--yes"])
        #expect(notApp.status == 66)
        #expect(notApp.stderr.contains("has no paddock-app.xml"), "\(notApp.stderr)")
        try Data("<app xmlns=\"urn:paddock:app:1\"><engine name=\"python-gunicorn\"/></app>".utf8).write(to: plain.appendingPathComponent("paddock-app.xml"))
        let unnamed = try server.paddock(["adopt", plain.path, "--yes"])
        #expect(unnamed.status == 64)
        #expect(unnamed.stderr.contains("does not say which template the app was made from; name it with --template ID"), "\(unnamed.stderr)")
        #expect(try server.paddock(["apps", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]")
    }
}
