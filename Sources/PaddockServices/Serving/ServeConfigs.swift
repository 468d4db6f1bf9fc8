import Foundation
import PaddockBasics

#if canImport(Glibc)
    import Glibc
#endif

/// The configurations paddock writes and owns for a served app: HAProxy's (one balancer per
/// app, in the app's state folder) and nginx's (one front for every served app, in paddock's
/// state folder, one site file per app). Generated whole on every change; the admin's own
/// lines go in the include file beside them, which paddock creates empty once and never
/// rewrites.
public enum ServeConfigs {
    /// A path or value written into a configuration file, in double quotes. What would end the
    /// quotes, start a variable (nginx expands `$` in `alias`) or a new directive is refused.
    static func quoted(_ text: String, what: String) throws -> String {
        let refused = CharacterSet(charactersIn: "\"\\$;{}\n\r\t#'")
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ !refused.contains($0) }) else {
            throw ServiceError("\(what) '\(text)' holds a character a server configuration cannot take (quotes, '$', ';', braces, '#'); move it to a plain path", .dataError)
        }
        return "\"\(text)\""
    }

    struct Balancer {
        var app: String
        var settings: ServeSettings
        var healthPath: String
        var healthHost: String
        var adminSocket: String
    }

    /// HAProxy: health checks with the Host the app expects; `maxconn` per instance equal to its
    /// workers, so extra requests queue here; a request whose connection fails is retried on
    /// another instance (`redispatch`), and one that got an empty answer (a worker killed while
    /// serving it) is replayed only when its method is idempotent.
    static func haproxy(_ b: Balancer) throws -> String {
        let servers = b.settings.instances.enumerated().map { index, port in
            "    server i\(index + 1) 127.0.0.1:\(port) check maxconn \(b.settings.workers)"
        }
        return """
            # Written by paddock for the app '\(b.app)' on every 'paddock serve'; edits are lost.
            global
                stats socket \(try quoted(b.adminSocket, what: "the admin socket")) mode 600 level admin expose-fd listeners
                stats timeout 30s
                # Within the usual 20,000 open files of a session (HAProxy needs two per connection).
                maxconn 8000

            defaults
                mode http
                timeout connect 2s
                timeout client 60s
                timeout server 60s
                timeout queue 30s
                timeout http-request 10s
                timeout http-keep-alive 10s
                retries 3
                option redispatch 1
                option http-server-close
                # An instance whose connection fails is taken out at once (not after the next
                # checks); the checks put it back as soon as it answers.
                default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 1 observe layer4 error-limit 1 on-error mark-down

            frontend web
                bind 127.0.0.1:\(b.settings.balancerPort)
                default_backend app

            backend app
                # Round robin, not leastconn: a retry must go to another instance, and leastconn
                # would choose the dead one again (it has no connections).
                balance roundrobin
                option httpchk
                http-check send meth GET uri \(try quoted(b.healthPath, what: "the health path")) ver HTTP/1.1 hdr Host \(try quoted(b.healthHost, what: "the health host"))
                http-check expect rstatus ^[234]
                retry-on conn-failure empty-response response-timeout
                acl idempotent method GET HEAD PUT DELETE OPTIONS TRACE
                http-request disable-l7-retry unless idempotent
            \(servers.joined(separator: "\n"))

            """
    }

    struct Site {
        var app: String
        var settings: ServeSettings
        var balancerPort: Int
        /// The URL prefix and folder of the app's static files, when its manifest names them.
        var staticURL: String?
        var staticFolder: String?
        var accessLog: String
        var include: String
    }

    /// One nginx `server` per listening address: static files served by nginx itself (long
    /// cache, precompressed `.gz` beside a file served as is), the access log, TLS with HTTP
    /// redirected and HSTS, the rest passed to the app's balancer with the client's address.
    static func nginxSite(_ s: Site) throws -> String {
        let names = s.settings.serverNames.joined(separator: " ")
        let host = s.settings.listenHost.contains(":") && !s.settings.listenHost.hasPrefix("[") ? "[\(s.settings.listenHost)]" : s.settings.listenHost
        var lines = ["# Written by paddock for the app '\(s.app)' on every 'paddock serve'; edits are lost: put yours in \(s.include)."]
        let tls = s.settings.tlsCertificate != nil
        if tls, let redirectPort = s.settings.redirectPort {
            lines += [
                "server {", "    listen \(s.settings.redirectHost ?? host):\(redirectPort);", "    server_name \(names);",
                "    access_log \(try quoted(s.accessLog, what: "the access log")) combined;",
                "    return 301 https://$host\(s.settings.listenPort == 443 ? "" : ":\(s.settings.listenPort)")$request_uri;", "}",
            ]
        }
        lines += ["server {", "    listen \(host):\(s.settings.listenPort)\(tls ? " ssl" : "");", "    server_name \(names);"]
        if let certificate = s.settings.tlsCertificate, let key = s.settings.tlsKey {
            lines += [
                "    ssl_certificate \(try quoted(certificate, what: "--tls-cert"));", "    ssl_certificate_key \(try quoted(key, what: "--tls-key"));",
                "    ssl_protocols TLSv1.2 TLSv1.3;", "    ssl_session_cache shared:paddock_tls:10m;",
                "    add_header Strict-Transport-Security \"max-age=31536000\" always;",
            ]
        }
        lines += ["    access_log \(try quoted(s.accessLog, what: "the access log")) combined;", "    client_max_body_size 20m;"]
        let hsts = tls ? "        add_header Strict-Transport-Security \"max-age=31536000\" always;" : ""
        // The static folder at `/` (Rails', Mojolicious' public/): a file there is served by
        // nginx, anything else goes to the app.
        var appLocation = "location /"
        if let url = s.staticURL, let folder = s.staticFolder, url == "/" {
            lines += [
                "    location / {", "        root \(try quoted(folder, what: "the static folder"));", "        try_files $uri @app;",
                "        gzip_static on;", "        expires 7d;", hsts, "    }",
            ]
            appLocation = "location @app"
        } else if let url = s.staticURL, let folder = s.staticFolder {
            lines += [
                "    location \(try quoted(url, what: "the manifest's static url")) {",
                "        alias \(try quoted(folder.hasSuffix("/") ? folder : folder + "/", what: "the static folder"));",
                "        gzip_static on;", "        expires 7d;", hsts, "    }",
            ]
        }
        lines += [
            "    \(appLocation) {", "        proxy_pass http://127.0.0.1:\(s.balancerPort);", "        proxy_http_version 1.1;",
            "        proxy_set_header Connection \"\";", "        proxy_set_header Host $host;", "        proxy_set_header X-Real-IP $remote_addr;",
            "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", "        proxy_set_header X-Forwarded-Proto $scheme;",
            "        proxy_read_timeout 60s;", "    }", "    include \(try quoted(s.include, what: "the include file"));", "}",
        ]
        return lines.filter { !$0.isEmpty }.joined(separator: "\n") + "\n"
    }

    /// The front's main file: its own pid, logs and temporary folders under `folder`; every
    /// served app's site file included.
    static func nginxMain(folder: URL) throws -> String {
        func path(_ name: String) throws -> String { try quoted(folder.appendingPathComponent(name).path, what: "the front's folder") }
        let mimeTypes = FileManager.default.fileExists(atPath: "/etc/nginx/mime.types") ? "    include /etc/nginx/mime.types;\n" : ""
        return """
            # Written by paddock on every 'paddock serve'; edits are lost.
            daemon off;
            worker_processes auto;
            pid \(try path("run/nginx.pid"));
            error_log \(try path("logs/error.log")) warn;
            events { worker_connections 4096; }
            http {
            \(mimeTypes)    default_type application/octet-stream;
                sendfile on;
                tcp_nopush on;
                server_tokens off;
                client_body_temp_path \(try path("tmp/body"));
                proxy_temp_path \(try path("tmp/proxy"));
                fastcgi_temp_path \(try path("tmp/fastcgi"));
                uwsgi_temp_path \(try path("tmp/uwsgi"));
                scgi_temp_path \(try path("tmp/scgi"));
                access_log off;
                include \(try path("sites/*.conf"));
            }

            """
    }

    /// The seed talk's front, Apache: one `VirtualHost` per address, as the nginx site does
    /// (static files by Apache with an Expires header, TLS, the access log, the rest proxied to
    /// the app's balancer with the client's address). Precompressed copies are not negotiated.
    static func apacheSite(_ s: Site) throws -> String {
        let tls = s.settings.tlsCertificate != nil
        let address = "\(s.settings.listenHost):\(s.settings.listenPort)"
        let names = s.settings.serverNames
        var lines = ["# Written by paddock for the app '\(s.app)' on every 'paddock serve'; edits are lost: put yours in \(s.include)."]
        func nameLines() -> [String] { ["    ServerName \(names[0])"] + (names.count > 1 ? ["    ServerAlias \(names.dropFirst().joined(separator: " "))"] : []) }
        if tls, let host = s.settings.redirectHost, let port = s.settings.redirectPort {
            lines +=
                ["<VirtualHost \(host):\(port)>"] + nameLines() + [
                    "    CustomLog \(try quoted(s.accessLog, what: "the access log")) combined",
                    "    RewriteEngine On",
                    "    RewriteRule ^ https://%{HTTP_HOST}\(s.settings.listenPort == 443 ? "" : ":\(s.settings.listenPort)")%{REQUEST_URI} [R=301,L]",
                    "</VirtualHost>",
                ]
        }
        lines += ["<VirtualHost \(address)>"] + nameLines()
        if let certificate = s.settings.tlsCertificate, let key = s.settings.tlsKey {
            lines += [
                "    SSLEngine on", "    SSLCertificateFile \(try quoted(certificate, what: "--tls-cert"))",
                "    SSLCertificateKeyFile \(try quoted(key, what: "--tls-key"))", "    SSLProtocol -all +TLSv1.2 +TLSv1.3",
                "    Header always set Strict-Transport-Security \"max-age=31536000\"",
            ]
        }
        lines += ["    CustomLog \(try quoted(s.accessLog, what: "the access log")) combined", "    ProxyPreserveHost On"]
        // A static folder at `/` is left to the app behind Apache (nginx serves it itself).
        if let url = s.staticURL, let folder = s.staticFolder, url != "/" {
            let directory = folder.hasSuffix("/") ? folder : folder + "/"
            lines += [
                "    ProxyPass \(try quoted(url, what: "the manifest's static url")) !",
                "    Alias \(try quoted(url, what: "the manifest's static url")) \(try quoted(directory, what: "the static folder"))",
                "    <Directory \(try quoted(directory, what: "the static folder"))>", "        Require all granted", "        ExpiresActive On",
                "        ExpiresDefault \"access plus 7 days\"", "    </Directory>",
            ]
        }
        lines += [
            "    RequestHeader set X-Forwarded-Proto \"\(tls ? "https" : "http")\"",
            "    ProxyPass / http://127.0.0.1:\(s.balancerPort)/ retry=0 timeout=60",
            "    ProxyPassReverse / http://127.0.0.1:\(s.balancerPort)/", "    Include \(try quoted(s.include, what: "the include file"))", "</VirtualHost>",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Apache's main file: Debian's modules by their paths, its own pid, runtime folder and error
    /// log under `folder`, one `Listen` per address of the sites, every site file included.
    static func apacheMain(folder: URL, listens: [String]) throws -> String {
        func path(_ name: String) throws -> String { try quoted(folder.appendingPathComponent(name).path, what: "the front's folder") }
        let modules = [
            "mpm_event", "authz_core", "mime", "alias", "dir", "headers", "expires", "rewrite", "proxy", "proxy_http", "ssl", "socache_shmcb",
        ]
        .map { "LoadModule \($0)_module /usr/lib/apache2/modules/mod_\($0).so" }
        let mimeTypes = FileManager.default.fileExists(atPath: "/etc/mime.types") ? ["TypesConfig /etc/mime.types"] : []
        let lines =
            ["# Written by paddock on every 'paddock serve'; edits are lost."] + modules + [
                "ServerName localhost",
                "PidFile \(try path("run/apache2.pid"))",
                "DefaultRuntimeDir \(try path("run"))",
                "ErrorLog \(try path("logs/error.log"))",
                "LogLevel warn",
                "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %O \\\"%{Referer}i\\\" \\\"%{User-Agent}i\\\"\" combined",
                "ServerTokens Prod",
                // As root, Apache's children would run as uid -1; nginx's run as nobody: the same here.
                getuid() == 0 ? "User nobody\nGroup nogroup" : "",
                "SSLSessionCache shmcb:\(folder.appendingPathComponent("run/ssl_scache").path)(512000)",
            ] + mimeTypes + listens.map { "Listen \($0)" } + ["IncludeOptional \(try path("sites/*.conf"))"]
        return lines.filter { !$0.isEmpty }.joined(separator: "\n") + "\n"
    }
}
