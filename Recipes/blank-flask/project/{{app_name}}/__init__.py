"""{{app_name}}: a blank Flask application made by paddock's Blank Flask Project template.

gunicorn runs the application factory: gunicorn '{{app_name}}:create_app()'.
Everything that differs between machines comes from the environment, which paddock sets:

    PADDOCK_SECRET_KEY      the secret key for sessions (required unless PADDOCK_DEBUG=1)
    PADDOCK_DEBUG           1 to turn debugging on; anything else (the default, 0) keeps it off
    PADDOCK_ALLOWED_HOSTS   comma-separated host names the app answers (default 127.0.0.1,localhost,[::1])
    PADDOCK_DATA_DIR        a writable folder for the SQLite database (default ./data)
    PADDOCK_HTTPS           1 when the app is served over HTTPS by a proxy in front of it
"""

import logging.config
import os
import sys
from pathlib import Path

from flask import Flask, render_template

from . import db
from .health import HealthCheckMiddleware


def env(name, default=""):
    return os.environ.get(name, default).strip()


def env_flag(name, default="0"):
    return env(name, default).lower() in ("1", "true", "yes", "on")


# Logging: everything to stdout, where paddock's supervisor collects it. Configured before
# the app exists, as Flask's documentation advises.
logging.config.dictConfig(
    {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": sys.stdout, "formatter": "plain"}},
        "root": {"handlers": ["stdout"], "level": "INFO"},
    }
)

# The app's folder: the one holding this package.
BASE_DIR = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    app = Flask(__name__)

    debug = env_flag("PADDOCK_DEBUG")
    secret_key = env("PADDOCK_SECRET_KEY")
    if not secret_key:
        if not debug:
            raise RuntimeError(
                "PADDOCK_SECRET_KEY is not set. paddock writes it to the app's environment file "
                "when it installs the app; to run by hand, export PADDOCK_SECRET_KEY (for example "
                "the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
                "or set PADDOCK_DEBUG=1 for a development-only key."
            )
        # Development only (PADDOCK_DEBUG=1): a fixed, publicly known key.
        secret_key = "insecure-paddock-development-key-do-not-use-in-production"

    data_dir = Path(env("PADDOCK_DATA_DIR") or BASE_DIR / "data")
    app.config.from_mapping(
        DEBUG=debug,
        SECRET_KEY=secret_key,
        DATABASE=str(data_dir / "db.sqlite3"),
        # Requests for other host names get 400 Bad Request (Flask 3.1's TRUSTED_HOSTS).
        TRUSTED_HOSTS=[h.strip() for h in env("PADDOCK_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()],
    )
    if env_flag("PADDOCK_HTTPS"):
        # A proxy in front terminates TLS and says so in X-Forwarded-Proto.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)
        app.config.update(SESSION_COOKIE_SECURE=True)
    if test_config is not None:
        app.config.from_mapping(test_config)

    db.init_app(app)

    @app.get("/")
    def home():
        views = db.count_view("/")
        return render_template("index.html", views=views)

    # Outermost: /healthz is answered before host checks, sessions or the database.
    app.wsgi_app = HealthCheckMiddleware(app.wsgi_app)
    return app
