"""The deploy hook of paddock's Blank Django Project (Helicon Zoo's deploy.py, for Linux).

paddock runs it with the app's virtual environment's python, in the app's folder, with the
app's environment (SECRET_KEY, DATABASE_URL, …, DJANGO_SETTINGS_MODULE), before the workers start serving:
after the install and after every change. Its output goes to the deploy log.

It runs, in order, in this one process (what manage.py would run, without loading Python
and Django again for each step):
  1. manage.py migrate --noinput         apply the database migrations
  2. manage.py collectstatic --noinput   gather static files into staticfiles/ for WhiteNoise
  3. manage.py check --deploy            Django's deployment checklist: printed, never fatal

The first failing step stops the hook: its error is on stderr and the exit status is the
step's (non-zero), so paddock keeps the app from starting on a half-deployed tree.
Running it again is safe: every step does nothing when there is nothing to do.
"""

import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

STEPS = [
    # (arguments to manage.py, fatal on failure)
    (["migrate", "--noinput"], True),
    (["collectstatic", "--noinput"], True),
    (["check", "--deploy"], False),
]


def run(arguments):
    """One manage.py step, in this process (the settings are loaded once, by preflight):
    each step in a python of its own would load Python and Django again, a third of a
    second each time. Returns the step's exit status, as manage.py would."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    print("==> python manage.py " + " ".join(arguments), flush=True)
    started = time.monotonic()
    try:
        call_command(*arguments)
        status = 0
    except CommandError as error:
        print(f"CommandError: {error}", file=sys.stderr, flush=True)
        status = getattr(error, "returncode", 1) or 1
    except SystemExit as error:
        status = error.code if isinstance(error.code, int) else 1
    except Exception:
        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    print(f"    exit {status} after {time.monotonic() - started:.1f}s", flush=True)
    return status


def settings_module():
    """DJANGO_SETTINGS_MODULE (paddock sets it), else the one package here with a settings.py."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return os.environ["DJANGO_SETTINGS_MODULE"]
    found = sorted(
        entry for entry in os.listdir(HERE) if os.path.isfile(os.path.join(HERE, entry, "settings.py"))
    )
    return found[0] + ".settings" if len(found) == 1 else None


def preflight():
    """Loads the settings once, so a configuration mistake (no SECRET_KEY, a bad
    DATABASE_URL, a missing driver) ends the deploy with one clear line, not a traceback."""
    module = settings_module()
    if module is None:
        return "DJANGO_SETTINGS_MODULE is not set and no single package here has a settings.py"
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    sys.path.insert(0, HERE)
    try:
        import django

        django.setup()
    except ImportError as error:
        return f"cannot load {module}: {error.__class__.__name__}: {error} (is the app's virtual environment's python running this?)"
    except Exception as error:  # ImproperlyConfigured and anything else settings.py raises
        return f"cannot load {module}: {error.__class__.__name__}: {error}"
    return None


def reach_database():
    """Connects to the database server first, so an unreachable one is one line naming where
    paddock looked and what to do, before migrate's traceback would."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return None
    where = f"{settings.get('HOST') or 'localhost'}:{settings.get('PORT') or 'the default port'}"
    try:
        connection.ensure_connection()
    except Exception as error:
        reason = (str(error).strip().splitlines() or [error.__class__.__name__])[0]
        return (
            f"cannot connect to the {connection.display_name} database '{settings.get('NAME')}' at {where}: {reason}. "
            "Check that the server runs there and accepts the app's user; to use another, run "
            "'paddock config APP DATABASE_URL=…' and then 'paddock restart APP'"
        )
    finally:
        connection.close()
    return None


def main():
    os.chdir(HERE)
    if not os.path.isfile("manage.py"):
        print(f"deploy.py: no manage.py in {HERE}: run the hook from the app's folder", file=sys.stderr)
        return 2
    problem = preflight() or reach_database()
    if problem:
        print(f"deploy.py: {problem}", file=sys.stderr)
        return 1
    for arguments, fatal in STEPS:
        status = run(arguments)
        if status == 0:
            continue
        step = "manage.py " + " ".join(arguments)
        if fatal:
            print(f"deploy.py: '{step}' failed with exit status {status}; deploy stopped (see above)", file=sys.stderr)
            return status if 0 < status < 256 else 1
        print(f"deploy.py: '{step}' reported problems (above); they do not stop the deploy", flush=True)
    print("deploy.py: done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
