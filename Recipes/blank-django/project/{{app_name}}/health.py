"""The health check paddock probes: GET /healthz answers 200 "ok".

A middleware placed first in MIDDLEWARE answers it before anything else runs, so the probe
works whatever Host header it sends (no DisallowedHost 400), and touches neither sessions
nor the database: it says the workers are up and serving, nothing more.
"""

from django.http import HttpResponse

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            response = HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
