"""The health check paddock probes: GET /healthz answers 200 "ok".

A WSGI middleware wrapped around the Flask app answers it before Flask runs, so the probe
works whatever Host header it sends (TRUSTED_HOSTS would answer 400) and touches neither
sessions nor the database: it says the workers are up and serving, nothing more.
"""

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response(
                "200 OK",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "3"), ("Cache-Control", "no-store")],
            )
            return [b"ok\n"]
        return self.app(environ, start_response)
