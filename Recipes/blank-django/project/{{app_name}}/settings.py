"""Django settings for {{app_name}}, made by paddock's Blank Django Project template.

Everything that differs between machines comes from the environment, which paddock sets
for the app (from its environment file, outside this folder):

    PADDOCK_SECRET_KEY      the secret key (required unless PADDOCK_DEBUG=1)
    PADDOCK_DEBUG           1 to turn DEBUG on; anything else (the default, 0) keeps it off
    PADDOCK_ALLOWED_HOSTS   comma-separated host names (default 127.0.0.1,localhost,[::1])
    PADDOCK_DATA_DIR        a writable folder for the SQLite database (default ./data)
    PADDOCK_DB_ENGINE       sqlite, postgresql or mysql (default: chosen at install)
    PADDOCK_DB_NAME, PADDOCK_DB_HOST, PADDOCK_DB_PORT, PADDOCK_DB_USER, PADDOCK_DB_PASSWORD
                            the PostgreSQL/MySQL connection (defaults: chosen at install;
                            the password has no default here: it lives in the environment)
    PADDOCK_HTTPS           1 when the app is served over HTTPS by a proxy in front of it

https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
"""

import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env(name, default=""):
    return os.environ.get(name, default).strip()


def env_flag(name, default="0"):
    return env(name, default).lower() in ("1", "true", "yes", "on")


# The app's folder: the one holding manage.py.
BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_flag("PADDOCK_DEBUG")

SECRET_KEY = env("PADDOCK_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "PADDOCK_SECRET_KEY is not set. paddock writes it to the app's environment file "
            "when it installs the app; to run by hand, export PADDOCK_SECRET_KEY (for example "
            "the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set PADDOCK_DEBUG=1 for a development-only key."
        )
    # Development only (DEBUG on): a fixed, publicly known key.
    SECRET_KEY = "django-insecure-paddock-development-key-do-not-use-in-production"

ALLOWED_HOSTS = [
    host.strip() for host in env("PADDOCK_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if host.strip()
]

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


# Database: SQLite in PADDOCK_DATA_DIR unless PostgreSQL or MySQL/MariaDB was chosen.
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases

DATA_DIR = Path(env("PADDOCK_DATA_DIR") or BASE_DIR / "data")
DB_ENGINE = env("PADDOCK_DB_ENGINE", "{{database}}") or "sqlite"

if DB_ENGINE == "sqlite":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            "OPTIONS": {
                # Several gunicorn workers share the file: wait for locks instead of failing
                # with "database is locked", and let readers run alongside a writer.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
elif DB_ENGINE in ("postgresql", "mysql"):
    if DB_ENGINE == "mysql":
        # PyMySQL (pure Python, nothing to compile) stands in for mysqlclient.
        try:
            import pymysql
        except ImportError:
            raise ImproperlyConfigured(
                "PADDOCK_DB_ENGINE is mysql but PyMySQL is not installed in the app's virtual "
                "environment: pip install -r requirements-mysql.txt"
            ) from None
        pymysql.install_as_MySQLdb()
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends." + DB_ENGINE,
            "NAME": env("PADDOCK_DB_NAME", "{{database_name}}"),
            "HOST": env("PADDOCK_DB_HOST", "{{database_host}}"),
            "PORT": env("PADDOCK_DB_PORT", "{{database_port}}"),
            "USER": env("PADDOCK_DB_USER", "{{database_user}}"),
            "PASSWORD": os.environ.get("PADDOCK_DB_PASSWORD", ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"charset": "utf8mb4"} if DB_ENGINE == "mysql" else {},
        }
    }
else:
    raise ImproperlyConfigured(
        f"PADDOCK_DB_ENGINE is {DB_ENGINE!r}; it must be sqlite, postgresql or mysql."
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
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


# HTTPS: only when a proxy in front terminates TLS and sets X-Forwarded-Proto. Off by default,
# since paddock serves the app over plain HTTP on 127.0.0.1 (secure cookies would then
# never be sent back, and the admin login would fail).

if env_flag("PADDOCK_HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
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
