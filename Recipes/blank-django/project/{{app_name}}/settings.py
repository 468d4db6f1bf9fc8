"""Django settings for {{app_name}}, made by paddock's Blank Django Project template.

Everything that differs between machines comes from the environment, under the names hosts
use (Heroku, Render, Fly.io, Dokku, a systemd unit), so the folder runs anywhere; paddock sets
them for the app from its environment file (outside this folder):

    SECRET_KEY              the secret key (required unless DEBUG is on)
    DEBUG                   1/true/yes/on turns DEBUG on; anything else (the default) keeps it off
    ALLOWED_HOSTS           comma-separated host names (default 127.0.0.1,localhost,[::1])
    DATABASE_URL            the database, as a URL: sqlite:////abs/path/db.sqlite3,
                            postgres://user:password@host:5432/name, mysql://user:password@host/name
                            (unset: the database chosen at install; SQLite in the data folder)
    CSRF_TRUSTED_ORIGINS    comma-separated origins (https://example.com) when a proxy in front
                            serves the app under another origin
    SECURE_PROXY_SSL_HEADER "HTTP_X_FORWARDED_PROTO,https" (or 1) when a proxy in front terminates
                            TLS and says so in that header: also turns on secure cookies

The names paddock used before still work when the ones above are not set: PADDOCK_SECRET_KEY,
PADDOCK_DEBUG, PADDOCK_ALLOWED_HOSTS, PADDOCK_HTTPS, PADDOCK_DB_ENGINE, PADDOCK_DB_NAME,
PADDOCK_DB_HOST, PADDOCK_DB_PORT, PADDOCK_DB_USER, PADDOCK_DB_PASSWORD; and PADDOCK_DATA_DIR
is the folder for SQLite when DATABASE_URL is not set (default ./data).

https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
"""

import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


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


def env_list(*names, default=""):
    return [item.strip() for item in env_first(*names, default=default).split(",") if item.strip()]


def database_from_url(url):
    """DATABASES["default"] from a DATABASE_URL (the dj-database-url convention, for the four
    backends this project knows), with urllib.parse only: no extra package to install."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    engines = {"sqlite": "sqlite", "postgres": "postgresql", "postgresql": "postgresql", "pgsql": "postgresql",
               "mysql": "mysql", "mariadb": "mysql", "mssql": "mssql", "sqlserver": "mssql"}
    if scheme not in engines:
        raise ImproperlyConfigured(
            f"DATABASE_URL has the scheme {scheme!r}; use sqlite:////path, postgres://…, mysql://… or mssql://…"
        )
    if engines[scheme] == "sqlite":
        # sqlite:////abs/path (four slashes), sqlite:///relative/to/the/app, sqlite://:memory:
        path = unquote(parts.path)
        if parts.netloc == ":memory:" or path in ("", "/", "/:memory:"):
            return {"ENGINE": "sqlite", "NAME": ":memory:"}
        name = Path(path[1:])
        return {"ENGINE": "sqlite", "NAME": name if name.is_absolute() else BASE_DIR / name}
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("DATABASE_URL has a port that is not a number") from None
    return {
        "ENGINE": engines[scheme],
        "NAME": unquote(parts.path.lstrip("/")),
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(port or ""),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
    }


# The app's folder: the one holding manage.py.
BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = is_true(env_first("DEBUG", "PADDOCK_DEBUG", default="0"))

SECRET_KEY = env_first("SECRET_KEY", "PADDOCK_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. paddock writes it to the app's environment file when it "
            "installs the app; to run by hand, export SECRET_KEY (for example the output of: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'), or set DEBUG=1 for "
            "a development-only key."
        )
    # Development only (DEBUG on): a fixed, publicly known key.
    SECRET_KEY = "django-insecure-paddock-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "PADDOCK_ALLOWED_HOSTS", default="127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles, so runserver serves static files the way gunicorn will.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First: answers /healthz before host validation, sessions or the database.
    "{{app_name}}.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware, as WhiteNoise's documentation asks.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "{{app_name}}.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "{{app_name}}.wsgi.application"


# Database: DATABASE_URL when it is set; otherwise the one chosen at install (PADDOCK_DB_*),
# SQLite in the data folder by default.
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases

DATA_DIR = Path(env("PADDOCK_DATA_DIR") or BASE_DIR / "data")
if env("DATABASE_URL"):
    database = database_from_url(env("DATABASE_URL"))
else:
    database = {
        "ENGINE": env("PADDOCK_DB_ENGINE", "{{database}}") or "sqlite",
        "NAME": env("PADDOCK_DB_NAME", "{{database_name}}"),
        "HOST": env("PADDOCK_DB_HOST", "{{database_host}}"),
        "PORT": env("PADDOCK_DB_PORT", "{{database_port}}"),
        "USER": env("PADDOCK_DB_USER", "{{database_user}}"),
        "PASSWORD": os.environ.get("PADDOCK_DB_PASSWORD", ""),
    }
    if database["ENGINE"] == "sqlite":
        database["NAME"] = DATA_DIR / "db.sqlite3"
DB_ENGINE = database.pop("ENGINE")

if DB_ENGINE == "sqlite":
    if database["NAME"] != ":memory:":
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": database["NAME"],
            "OPTIONS": {
                # Several gunicorn workers share the file: wait for locks instead of failing
                # with "database is locked", and let readers run alongside a writer.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory, so that 'paddock test' (manage.py test --keepdb) keeps it
            # between runs, beside the app's own database.
            "TEST": {"NAME": str(Path(database["NAME"]).with_name("test_" + Path(database["NAME"]).name))}
            if database["NAME"] != ":memory:"
            else {},
        }
    }
elif DB_ENGINE in ("postgresql", "mysql"):
    if DB_ENGINE == "mysql":
        # PyMySQL (pure Python, nothing to compile) stands in for mysqlclient.
        try:
            import pymysql
        except ImportError:
            raise ImproperlyConfigured(
                "the database is MySQL but PyMySQL is not installed in the app's virtual "
                "environment: pip install --require-hashes -r requirements-mysql.txt"
            ) from None
        pymysql.install_as_MySQLdb()
    options = database.pop("OPTIONS", {})
    if DB_ENGINE == "mysql":
        options.setdefault("charset", "utf8mb4")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends." + DB_ENGINE,
            **database,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    }
elif DB_ENGINE == "mssql":
    # Microsoft SQL Server through mssql-django and pyodbc, over Debian's FreeTDS ODBC driver
    # (tdsodbc): DATABASE_URL=mssql://user:password@host:1433/name?tds_version=7.4.
    try:
        import mssql  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured(
            "the database is SQL Server but mssql-django is not installed in the app's virtual "
            "environment: paddock install mssql-django --app {{paddock_app}}"
        ) from None
    options = database.pop("OPTIONS", {})
    tds_version = options.pop("tds_version", "7.4")
    options.setdefault("driver", "FreeTDS")
    # FreeTDS takes SERVER and PORT apart (Microsoft's drivers take "host,port").
    options.setdefault("host_is_server", True)
    options.setdefault("extra_params", f"TDS_Version={tds_version}")
    # A server that does not answer fails the connection in seconds, not after the driver's
    # own minutes; paddock's deploy hook then names host:port.
    options["connection_timeout"] = int(options.get("connection_timeout", 5))
    options["connection_retries"] = int(options.get("connection_retries", 0))
    DATABASES = {
        "default": {
            "ENGINE": "mssql",
            **database,
            "PORT": database.get("PORT") or "1433",
            "CONN_MAX_AGE": 60,
            "OPTIONS": options,
        }
    }
else:
    raise ImproperlyConfigured(
        f"the database engine is {DB_ENGINE!r} (PADDOCK_DB_ENGINE); it must be sqlite, postgresql, mysql or mssql."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Password validation
# https://docs.djangoproject.com/en/5.2/ref/settings/#auth-password-validators

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


# Internationalization
# https://docs.djangoproject.com/en/5.2/topics/i18n/

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True


# Static files, collected into ./staticfiles by the deploy hook (collectstatic) and served by
# WhiteNoise from gunicorn: compressed, and cacheable forever under their hashed names.
# https://whitenoise.readthedocs.io/

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "{{app_name}}.storage.StaticFilesStorage"},
}
# Before collectstatic has run (a fresh copy on a host that only migrates), WhiteNoise serves
# the files from the app's folders under their plain names instead of every page failing.
WHITENOISE_USE_FINDERS = DEBUG or not (STATIC_ROOT / "staticfiles.json").exists()


# HTTPS: only when a proxy in front terminates TLS and sets X-Forwarded-Proto. Off by default,
# since paddock serves the app over plain HTTP on 127.0.0.1 (secure cookies would then
# never be sent back, and the admin login would fail).

proxy_header = env("SECURE_PROXY_SSL_HEADER")
if proxy_header.lower() in ("0", "false", "no", "off"):
    proxy_header = ""
elif not proxy_header and is_true(env("PADDOCK_HTTPS", "0")):
    proxy_header = "1"
if proxy_header:
    name, _, value = proxy_header.partition(",")
    if is_true(proxy_header) or not value.strip():
        name, value = "HTTP_X_FORWARDED_PROTO", "https"
    SECURE_PROXY_SSL_HEADER = (name.strip(), value.strip())
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True


# Logging: everything to stdout, where paddock's supervisor collects it.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": sys.stdout, "formatter": "plain"},
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
