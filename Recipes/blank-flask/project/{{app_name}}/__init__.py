"""{{app_name}}: a blank Flask application made by paddock's Blank Flask Project template.

gunicorn runs the application factory: gunicorn '{{app_name}}:create_app()'.
Everything that differs between machines comes from the environment, under the names hosts
use, so the folder runs anywhere; paddock sets them from the app's environment file:

    SECRET_KEY              the secret key for sessions (required unless DEBUG is on)
    DEBUG                   1/true/yes/on turns debugging on; anything else (the default) keeps it off
    ALLOWED_HOSTS           comma-separated host names the app answers (default 127.0.0.1,localhost,[::1])
    DATABASE_URL            sqlite:////absolute/path/db.sqlite3 (SQLite is the only database here;
                            unset: db.sqlite3 in PADDOCK_DATA_DIR, default ./data)
    SECURE_PROXY_SSL_HEADER HTTP_X_FORWARDED_PROTO,https (or 1) when a proxy in front terminates TLS

The names paddock used before still work when these are not set: PADDOCK_SECRET_KEY,
PADDOCK_DEBUG, PADDOCK_ALLOWED_HOSTS, PADDOCK_HTTPS.
"""

import logging.config
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, render_template

from . import db
from .health import HealthCheckMiddleware


def env(name, default=""):
    return os.environ.get(name, default).strip()


def env_first(*names, default=""):
    """The first of the names that is set (and not empty), else the default."""
    for name in names:
        if env(name):
            return env(name)
    return default


def is_true(value):
    return value.strip().lower() in ("1", "true", "yes", "on")


def database_path(url, data_dir):
    """The SQLite file a DATABASE_URL names (sqlite:////abs/path or sqlite:///relative/to/the/app)."""
    if not url:
        return data_dir / "db.sqlite3"
    parts = urlsplit(url)
    if parts.scheme.lower() != "sqlite" or len(parts.path) < 2:
        raise RuntimeError(f"DATABASE_URL must be sqlite:////path/to/db.sqlite3 for this app, not {parts.scheme}://…")
    path = Path(unquote(parts.path)[1:])
    return path if path.is_absolute() else BASE_DIR / path


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

    debug = is_true(env_first("DEBUG", "PADDOCK_DEBUG", default="0"))
    secret_key = env_first("SECRET_KEY", "PADDOCK_SECRET_KEY")
    if not secret_key:
        if not debug:
            raise RuntimeError(
                "SECRET_KEY is not set. paddock writes it to the app's environment file when it "
                "installs the app; to run by hand, export SECRET_KEY (for example the output of: "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'), or set DEBUG=1 for "
                "a development-only key."
            )
        # Development only (DEBUG=1): a fixed, publicly known key.
        secret_key = "insecure-paddock-development-key-do-not-use-in-production"

    data_dir = Path(env("PADDOCK_DATA_DIR") or BASE_DIR / "data")
    app.config.from_mapping(
        DEBUG=debug,
        SECRET_KEY=secret_key,
        DATABASE=str(database_path(env("DATABASE_URL"), data_dir)),
        # Requests for other host names get 400 Bad Request (Flask 3.1's TRUSTED_HOSTS).
        TRUSTED_HOSTS=[
            h.strip() for h in env_first("ALLOWED_HOSTS", "PADDOCK_ALLOWED_HOSTS", default="127.0.0.1,localhost,[::1]").split(",") if h.strip()
        ],
    )
    proxy_header = env_first("SECURE_PROXY_SSL_HEADER", default="1" if is_true(env("PADDOCK_HTTPS", "0")) else "")
    if proxy_header and proxy_header.lower() not in ("0", "false", "no", "off"):
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
