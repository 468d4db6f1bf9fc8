import Foundation
import PaddockApps
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `paddock run`, `paddock shell` and `paddock config` on a real Blank Django Project: a
/// superuser made through `paddock run` logs in to the running app over HTTP, and a setting
/// changed with `paddock config` reaches the engine at `paddock restart`.
@Suite("App console end to end", .serialized, .requires(.pypi), .offCooperativePool)
struct AppConsoleTests {
    /// Logs in to /admin/ as a Django admin would in a browser: GET the login page for the
    /// csrftoken cookie and the form's csrfmiddlewaretoken, POST them with the user's name and
    /// password (redirects not followed), then GET /admin/ with the cookies. Prints the POST's
    /// status, its Location, the cookie names, and the status of /admin/ with whether it is the
    /// admin index.
    static let loginScript = """
        import http.cookiejar, re, sys, urllib.error, urllib.parse, urllib.request
        port, user, password = sys.argv[1:4]
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        page = opener.open(base + "/admin/login/?next=/admin/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": user, "password": password, "next": "/admin/"}).encode()
        try:
            answer = opener.open(urllib.request.Request(base + "/admin/login/?next=/admin/", data=form))
            status, location = answer.status, ""
        except urllib.error.HTTPError as error:
            status, location = error.code, error.headers.get("Location", "")
        names = ",".join(sorted(cookie.name for cookie in jar))
        try:
            index = opener.open(base + "/admin/")
            after = f"{index.status} {'Site administration' in index.read().decode()}"
        except urllib.error.HTTPError as error:
            after = f"{error.code} False"
        print(status, location, names, after)
        """

    static func logIn(port: Int, user: String, password: String) throws -> String {
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", loginScript, String(port), user, password])
        return (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("paddock run demo -- python manage.py createsuperuser, then that admin logs in over HTTP; run's status, env and PATH; shell; config and restart")
    func createSuperuserAndLogIn() throws {
        let sandbox = try AppLifecycleTests.Sandbox()
        let port = 18473
        defer { sandbox.stopAll("demo") }
        let install = try sandbox.paddock(["install", "blank-django", "--app", "demo", "--yes"])
        #expect(install.status == 0, "\(install.stdout)\n\(install.stderr)")
        let appFolder = sandbox.root.appendingPathComponent("demo")
        let envFile = sandbox.root.appendingPathComponent("home/state/apps/demo/env")

        // The environment file is valid shell: sh loads the generated secret (with its & and ( ) intact.
        let secret = try #require(EnvironmentFile.read(envFile)["SECRET_KEY"])
        let sourced = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "set -a; . \"$1\" && printf %s \"$SECRET_KEY\"", "sh", envFile.path])
        #expect(sourced.status == 0 && sourced.stderr.isEmpty, "\(sourced.stderr)")
        #expect(sourced.stdout == secret)

        // The README and the home page name the command, with this app's name.
        let readme = try String(contentsOf: appFolder.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("paddock run demo -- python manage.py createsuperuser"))

        let create = try sandbox.paddock([
            "run", "demo", "--", "env", "DJANGO_SUPERUSER_USERNAME=admin", "DJANGO_SUPERUSER_PASSWORD=Correct-Horse-7", "DJANGO_SUPERUSER_EMAIL=admin@example.com",
            "python", "manage.py", "createsuperuser", "--noinput",
        ])
        #expect(create.status == 0, "\(create.stdout)\n\(create.stderr)")
        #expect(create.stdout.contains("Superuser created successfully."), "\(create.stdout)\n\(create.stderr)")

        // `run -- env` shows the environment: the venv first on PATH, the settings and secrets.
        let env = try sandbox.paddock(["run", "demo", "--", "env"])
        #expect(env.status == 0, "\(env.stderr)")
        let lines = Set(env.stdout.split(separator: "\n").map(String.init))
        #expect(lines.contains("SECRET_KEY=\(secret)"))
        #expect(lines.contains { $0.hasPrefix("PATH=\(appFolder.path)/.venv/bin:") })
        #expect(lines.contains("DJANGO_SETTINGS_MODULE=demo.settings"))
        #expect(!lines.contains { $0.hasPrefix("PADDOCK_BUILTIN_FEED=") }, "the caller's own variables stay out")
        // The command's folder, exit status, stdin; a missing program is 127, as in a shell.
        let pwd = try sandbox.paddock(["run", "demo", "--", "pwd"])
        #expect(pwd.stdout == appFolder.path + "\n")
        #expect(try sandbox.paddock(["run", "demo", "--", "sh", "-c", "exit 7"]).status == 7)
        let missing = try sandbox.paddock(["run", "demo", "--", "no-such-program-here"])
        #expect(missing.status == 127 && missing.stderr.contains("'no-such-program-here' is not found"), "\(missing.stderr)")
        let shell = try sandbox.paddock(["shell", "demo"])  // stdin is not a terminal: sh reads it, gets EOF, exits 0.
        #expect(shell.status == 0, "\(shell.stderr)")
        #expect(try sandbox.paddock(["run", "demo"]).status == 64, "nothing to run is a usage error")

        let launch = try sandbox.paddock(["launch", "demo", "--detach", "--port", String(port), "--workers", "1"])
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let home = try #require(AppLifecycleTests.get(port, "/"))
        #expect(home.body.contains("paddock run demo -- python manage.py createsuperuser"))
        #expect(try Self.logIn(port: port, user: "admin", password: "Correct-Horse-7") == "302 /admin/ csrftoken,sessionid 200 True")
        #expect(try Self.logIn(port: port, user: "admin", password: "wrong").hasPrefix("200  csrftoken 302"), "a wrong password is refused")

        // config: the secret masked in the listing and the JSON; a change waits for restart, which applies it.
        let listing = try sandbox.paddock(["config", "demo"])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains("SECRET_KEY=********") && listing.stdout.contains("DEBUG=0"))
        #expect(!listing.stdout.contains(secret))
        let json = try sandbox.paddock(["config", "demo", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["engine"] as? String == "python-gunicorn")
        #expect(!json.stdout.contains(secret))
        #expect(AppLifecycleTests.get(port, "/", host: "demo.example")?.status == 400)
        let change = try sandbox.paddock(["config", "demo", "ALLOWED_HOSTS=127.0.0.1,localhost,demo.example"])
        #expect(change.status == 0, "\(change.stderr)")
        #expect(change.stdout.contains("take effect at 'paddock restart demo'"), "\(change.stdout)")
        #expect(try sandbox.paddock(["config", "demo", "BAD=two\nlines"]).status == 64)
        #expect(try sandbox.paddock(["config", "demo", "--unset", "NOT_THERE"]).status == 64)
        #expect(try sandbox.paddock(["config", "demo"]).stdout.contains("'paddock restart demo' applies"))
        #expect(AppLifecycleTests.get(port, "/", host: "demo.example")?.status == 400, "not before the restart")
        let restart = try sandbox.paddock(["restart", "demo"])
        #expect(restart.status == 0, "\(restart.stdout)\n\(restart.stderr)")
        #expect(restart.stdout.contains("with its changed settings"), "\(restart.stdout)")
        #expect(AppLifecycleTests.get(port, "/", host: "demo.example")?.status == 200)
        #expect(try Self.logIn(port: port, user: "admin", password: "Correct-Horse-7") == "302 /admin/ csrftoken,sessionid 200 True")
        // The second restart has nothing new to apply: a reload.
        let again = try sandbox.paddock(["restart", "demo"])
        #expect(again.status == 0 && !again.stdout.contains("changed settings"), "\(again.stdout)")
    }
}
