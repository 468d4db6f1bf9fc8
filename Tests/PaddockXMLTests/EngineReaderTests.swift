import FeedModel
import Foundation
import PaddockXML
import Testing
import TestSupport

@Suite("EngineReader")
struct EngineReaderTests {
    @Test("the shipped python-gunicorn engine reads as the templates need it")
    func shippedEngine() throws {
        let path = TestPaths.repository.appendingPathComponent("Recipes/engines/python-gunicorn.xml").path
        let engines = try EngineReader.read(path: path)
        try #require(engines.count == 1)
        let engine = engines[0]
        #expect(engine.name == "python-gunicorn")
        #expect(engine.aliases == ["gunicorn"])
        #expect(engine.runtime == "python3")
        #expect(engine.program == "gunicorn")
        #expect(engine.arguments.prefix(5) == ["{{wsgi_app}}", "--bind", "{{bind}}", "--workers", "{{workers}}"])
        #expect(engine.arguments.contains("{{max_requests}}") && engine.arguments.contains("{{request_time_limit}}"))
        #expect(
            engine.environment == [
                .init(name: "PATH", value: "{{app_root}}/.venv/bin", mode: .prepend), .init(name: "VIRTUAL_ENV", value: "{{app_root}}/.venv"),
                .init(name: "PYTHONUNBUFFERED", value: "1"),
            ])
        #expect(engine.transport == .tcp(ports: 8000...8099))
        #expect(engine.reload == .signal("HUP"))
        #expect(engine.gracefulTimeout == 30)
        #expect(engine.workers.text == "2*cores+1")
        #expect(engine.workers.evaluate(cores: 2) == 5)
        #expect(engine.limits == .init(maxRequestsPerWorker: 0, memoryLimitMB: nil, requestTimeLimit: 30, watchMask: []))
        #expect(engine.ignoredNames == [".venv", "__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache", "node_modules"])
        #expect(engine.limitValues == ["max_requests": "0", "request_time_limit": "30", "graceful_timeout": "30", "memory_limit_mb": "0"])
    }

    @Test("the shipped uWSGI and mod_wsgi engines: python3, their products, a touch reload, Apache's own configuration")
    func shippedPythonEngines() throws {
        let folder = TestPaths.repository.appendingPathComponent("Recipes/engines")
        let uwsgi = try #require(try EngineReader.read(path: folder.appendingPathComponent("python-uwsgi.xml").path).first)
        #expect(uwsgi.name == "python-uwsgi" && uwsgi.runtime == "python3" && uwsgi.aliases == ["uwsgi"])
        #expect(uwsgi.products == ["uwsgi-python3"])
        #expect(uwsgi.reload == .touch("{{run_dir}}/chain-reload"))
        // The file the reload touches is the one uWSGI watches for a chain reload, with lazy apps.
        let touchIndex = try #require(uwsgi.arguments.firstIndex(of: "--touch-chain-reload"))
        #expect(uwsgi.arguments[touchIndex + 1] == "{{run_dir}}/chain-reload")
        #expect(uwsgi.arguments.contains("--lazy-apps") && uwsgi.arguments.contains("unix_signal:15 gracefully_kill_them_all"))
        #expect(uwsgi.stopSignal == "TERM" && uwsgi.configFiles.isEmpty)

        let apache = try #require(try EngineReader.read(path: folder.appendingPathComponent("python-mod-wsgi.xml").path).first)
        #expect(apache.name == "python-mod-wsgi" && apache.runtime == "python3" && apache.products == ["apache-mod-wsgi"])
        #expect(apache.program == "/usr/sbin/apache2" && apache.arguments == ["-f", "{{run_dir}}/apache.conf", "-DFOREGROUND"])
        #expect(apache.reload == .touch("{{run_dir}}/paddock.wsgi"))
        #expect(apache.stopSignal == "WINCH")
        #expect(apache.configFiles.map(\.name) == ["apache.conf", "paddock.wsgi"])
        let conf = apache.configFiles[0].text
        // Its own server: never the system's configuration, modules by absolute path.
        #expect(!conf.contains("/etc/apache2") && !conf.contains("Include"))
        #expect(conf.contains("Listen {{host}}:{{port}}") && conf.contains("PidFile \"{{run_dir}}/apache.pid\""))
        #expect(conf.contains("LoadModule wsgi_module /usr/lib/apache2/modules/mod_wsgi.so"))
        #expect(conf.contains("python-home=\"{{app_root}}/.venv\"") && conf.contains("processes={{workers}}"))
        #expect(apache.configFiles[1].text.contains("\"{{wsgi_app}}\".partition(\":\")"))
    }

    @Test("a touch reload, config files kept verbatim (CDATA, several lines), required products and a stop signal")
    func newFields() throws {
        let scratch = try EngineScratch()
        let file = try scratch.write(
            "e.xml",
            """
            <engine xmlns="urn:paddock:engine:1" name="srv" runtime="python3">
              <requires product="srv-package"/>
              <requires product="srv-plugin"/>
              <program>srv</program>
              <arg>--config</arg> <arg>{{run_dir}}/srv.conf</arg>
              <reload strategy="touch"/>
              <stop signal="SIGQUIT"/>
              <configFile name="srv.conf"><![CDATA[listen {{host}}:{{port}}
            # a <comment> & more
            root "{{app_root}}"
            ]]></configFile>
            </engine>
            """)
        let engine = try #require(try EngineReader.read(path: file.path).first)
        #expect(engine.products == ["srv-package", "srv-plugin"])
        #expect(engine.reload == .touch("{{run_dir}}/reload"))
        #expect(engine.stopSignal == "QUIT")
        #expect(engine.configFiles == [.init(name: "srv.conf", text: "listen {{host}}:{{port}}\n# a <comment> & more\nroot \"{{app_root}}\"\n")])
        // Without them: TERM, no files, no products.
        let plain = try #require(try EngineReader.read(path: try scratch.write("p.xml", "<engine name=\"p\" runtime=\"r\"><program>p</program></engine>").path).first)
        #expect(plain.stopSignal == "TERM" && plain.configFiles.isEmpty && plain.products.isEmpty)
    }

    @Test("every field, and an <engines> file holding two")
    func everyField() throws {
        let scratch = try EngineScratch()
        let file = try scratch.write(
            "e.xml",
            """
            <engines xmlns="urn:paddock:engine:1">
              <engine name="toy.one_2" runtime="node" displayName="Toy" gracefulTimeout="7">
                <program>node</program>
                <arg>{{app_root}}/server.js</arg>
                <environment>
                  <variable name="NODE_PATH" value="{{app_root}}/node_modules" mode="append"/>
                  <variable name="PATH" value="/opt/node/bin" mode="prepend"/>
                </environment>
                <transport kind="unix"/>
                <reload strategy="one-at-a-time"/>
                <workers formula="(cores + 1) * 2"/>
                <health path="/up" host="{{host}}"/>
                <limits maxRequestsPerWorker="1000" memoryLimitMB="512" requestTimeLimit="60" watchMask="*.js; package.json"/>
                <ignore>node_modules</ignore>
              </engine>
              <engine name="two" runtime="ruby">
                <program>puma</program>
                <transport kind="tcp" portLower="9000" portUpper="9009"/>
                <reload strategy="start-new-then-stop-old"/>
              </engine>
            </engines>
            """)
        let engines = try EngineReader.read(path: file.path, label: "e.xml")
        try #require(engines.count == 2)
        let one = engines[0]
        #expect(one.name == "toy.one_2" && one.displayName == "Toy" && one.gracefulTimeout == 7 && one.source == "e.xml")
        #expect(one.environment.map(\.mode) == [.append, .prepend])
        #expect(one.transport == .unix(path: "{{run_dir}}/engine.sock"))
        #expect(one.reload == .oneAtATime)
        #expect(one.workers.evaluate(cores: 3) == 8)
        #expect(one.health == .init(path: "/up", host: "{{host}}"))
        #expect(one.limits == .init(maxRequestsPerWorker: 1000, memoryLimitMB: 512, requestTimeLimit: 60, watchMask: ["*.js", "package.json"]))
        #expect(engines[1].transport == .tcp(ports: 9000...9009))
        #expect(engines[1].reload == .startNewThenStopOld)
        #expect(engines[1].workers.evaluate(cores: 8) == 1)
        #expect(engines[1].gracefulTimeout == 30)
    }

    @Test(
        "each bad field is named with its file, line and column",
        arguments: [
            ("<other/>", "e.xml:1:1: the root element must be <engine xmlns=\"urn:paddock:engine:1\"> or <engines>"),
            ("<engine runtime=\"r\">\n  <program>p</program>\n</engine>", "e.xml:1:1: <engine> needs a name attribute"),
            (
                "<engine name=\"Bad Name\" runtime=\"r\"><program>p</program></engine>",
                "e.xml:1:1: the engine name 'Bad Name' may hold only a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
            ),
            ("<engine name=\"x\">\n  <program>p</program>\n</engine>", "e.xml:1:1: the engine 'x' needs a runtime attribute (python3, ruby, node...)"),
            ("<engine name=\"x\" runtime=\"r\">\n</engine>", "e.xml:1:1: the engine 'x' needs a <program>"),
            ("<engine name=\"x\" runtime=\"r\">\n  <program> </program>\n</engine>", "e.xml:2:3: <program> is empty"),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <environment>\n    <variable value=\"1\"/>\n  </environment>\n</engine>",
                "e.xml:4:5: <variable> needs a name attribute"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <environment><variable name=\"A\" mode=\"insert\"/></environment>\n</engine>",
                "e.xml:3:16: mode=\"insert\" must be set, prepend or append"
            ),
            ("<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <transport kind=\"pipe\"/>\n</engine>", "e.xml:3:3: kind=\"pipe\" must be tcp or unix"),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <transport portLower=\"0\"/>\n</engine>",
                "e.xml:3:3: portLower=\"0\" must be a whole number from 1 to 65535"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <transport portLower=\"9000\" portUpper=\"8000\"/>\n</engine>",
                "e.xml:3:3: portLower 9000 is above portUpper 8000"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <reload strategy=\"sometimes\"/>\n</engine>",
                "e.xml:3:3: strategy=\"sometimes\" must be signal, start-new-then-stop-old, one-at-a-time or touch"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <reload strategy=\"signal\" signal=\"KILL\"/>\n</engine>",
                "e.xml:3:3: signal=\"KILL\" must be one of HUP, INT, QUIT, TERM, TTIN, TTOU, USR1, USR2, WINCH"
            ),
            (
                "<engine name=\"x\" runtime=\"r\" gracefulTimeout=\"soon\">\n  <program>p</program>\n</engine>",
                "e.xml:1:1: gracefulTimeout=\"soon\" must be a whole number from 1 to 3600"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <workers formula=\"2*threads\"/>\n</engine>",
                "e.xml:3:3: unexpected 't' in the worker formula '2*threads' (use numbers, cores, + - * / and parentheses)"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <workers formula=\"(cores+1\"/>\n</engine>",
                "e.xml:3:3: a '(' is not closed in the worker formula '(cores+1'"
            ),
            ("<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <health path=\"up\"/>\n</engine>", "e.xml:3:3: path=\"up\" must start with '/'"),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <limits memoryLimitMB=\"-5\"/>\n</engine>",
                "e.xml:3:3: memoryLimitMB=\"-5\" must be a whole number from 1"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <limits maxRequestsPerWorker=\"many\"/>\n</engine>",
                "e.xml:3:3: maxRequestsPerWorker=\"many\" must be a whole number from 0"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <limits watchMask=\"*.py;conf/app.ini\"/>\n</engine>",
                "e.xml:3:3: the watch mask 'conf/app.ini' must be a file name pattern (*.py), without '/'"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <reload strategy=\"touch\" path=\"{{app_root}}/wsgi.py\"/>\n</engine>",
                "e.xml:3:3: path=\"{{app_root}}/wsgi.py\" must be a file under {{run_dir}}/ or {{data_dir}}/ (paddock touches nothing else)"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <reload strategy=\"touch\" path=\"{{run_dir}}/../../x\"/>\n</engine>",
                "e.xml:3:3: path=\"{{run_dir}}/../../x\" must be a file under {{run_dir}}/ or {{data_dir}}/ (paddock touches nothing else)"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <configFile name=\"../etc/x.conf\">x</configFile>\n</engine>",
                "e.xml:3:3: <configFile name=\"../etc/x.conf\"> must be a plain file name (letters, digits, '.', '_', '-'; no '/'): it is written into the app's run folder"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <configFile name=\"a.conf\">x</configFile>\n  <configFile name=\"a.conf\">y</configFile>\n</engine>",
                "e.xml:4:3: <configFile name=\"a.conf\"> is given twice"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <requires/>\n</engine>",
                "e.xml:3:3: <requires> needs a product attribute (a feed's productId)"
            ),
            (
                "<engine name=\"x\" runtime=\"r\">\n  <program>p</program>\n  <stop signal=\"KILL\"/>\n</engine>",
                "e.xml:3:3: signal=\"KILL\" must be one of HUP, INT, QUIT, TERM, TTIN, TTOU, USR1, USR2, WINCH"
            ),
            (
                "<engines>\n  <engine name=\"x\" runtime=\"r\"><program>p</program></engine>\n  <engine name=\"x\" runtime=\"r\"><program>q</program></engine>\n</engines>",
                "e.xml:3:3: the engine 'x' is defined twice in this file"
            ),
            ("<!DOCTYPE engine [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><engine name=\"x\" runtime=\"r\"><program>&e;</program></engine>", nil),
        ] as [(String, String?)])
    func badField(xml: String, message: String?) throws {
        let scratch = try EngineScratch()
        let file = try scratch.write("e.xml", xml)
        let error = try #require(throws: XMLSyntaxError.self) { try EngineReader.read(path: file.path, label: "e.xml") }
        if let message {
            #expect(error.description == message)
        } else {
            // Entities are refused, never expanded (no file is read through them).
            #expect(!error.description.contains("root:"), "\(error)")
        }
    }

    @Test("an app manifest names its engine with settings, or keeps its own argv")
    func manifests() throws {
        let scratch = try EngineScratch()
        let named = try scratch.write(
            "a.xml",
            "<app xmlns=\"urn:paddock:app:1\"><engine name=\"python-gunicorn\"><setting name=\"wsgi_app\" value=\"{{app_name}}.wsgi:application\"/></engine></app>")
        let manifest = try AppManifestReader.read(path: named.path)
        #expect(manifest.engineName == "python-gunicorn")
        #expect(manifest.engineArguments.isEmpty)
        #expect(manifest.engineSettings == [.init(name: "wsgi_app", value: "{{app_name}}.wsgi:application")])
        let inline = try scratch.write("b.xml", "<app xmlns=\"urn:paddock:app:1\"><engine name=\"gunicorn\"><arg>gunicorn</arg><arg>x:app</arg></engine></app>")
        let old = try AppManifestReader.read(path: inline.path)
        #expect(old.engineName == "gunicorn" && old.engineArguments == ["gunicorn", "x:app"])
        let unnamed = try scratch.write("c.xml", "<app xmlns=\"urn:paddock:app:1\"><engine><arg>myserver</arg></engine></app>")
        #expect(try AppManifestReader.read(path: unnamed.path).engineName == "myserver")
        let empty = try scratch.write("d.xml", "<app xmlns=\"urn:paddock:app:1\">\n  <engine/>\n</app>")
        let error = try #require(throws: XMLSyntaxError.self) { try AppManifestReader.read(path: empty.path, label: "d.xml") }
        #expect(error.description == "d.xml:2:3: <engine> needs a name attribute naming an engine (see 'paddock engines'), or <arg>s")
        let setting = try scratch.write("e.xml", "<app xmlns=\"urn:paddock:app:1\">\n  <engine name=\"e\">\n    <setting value=\"1\"/>\n  </engine>\n</app>")
        let settingError = try #require(throws: XMLSyntaxError.self) { try AppManifestReader.read(path: setting.path, label: "e.xml") }
        #expect(settingError.description == "e.xml:3:5: <setting> needs a name attribute")
    }
}

/// A temporary folder for the files a test writes, removed with it.
final class EngineScratch {
    let root: URL
    init() throws { root = try TestPaths.temporaryDirectory("paddock-engine-reader") }
    deinit { try? FileManager.default.removeItem(at: root) }
    func write(_ name: String, _ text: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }
}
