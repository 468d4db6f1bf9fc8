"""The deploy hook of paddock's Blank Flask Project (Helicon Zoo's deploy.py, for Linux).

paddock runs it with the app's virtual environment's python, in the app's folder, with the
app's environment (SECRET_KEY, DATABASE_URL, …, FLASK_APP), before the workers start serving: after the
install and after every change. Its output goes to the deploy log.

It runs, in order:
  1. init_db()   create the missing SQLite tables (the app factory's database module)
  2. static      nothing to do: Flask serves <package>/static itself

A failure stops the hook with the error on stderr and a non-zero exit status, so paddock
keeps the app from starting on a half-deployed tree. Running it again is safe.
"""

import importlib
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def app_module():
    """FLASK_APP (paddock sets it), else the one package here whose __init__.py has create_app."""
    name = os.environ.get("FLASK_APP", "").split(":")[0].strip()
    if name:
        return name
    found = []
    for entry in sorted(os.listdir(HERE)):
        init = os.path.join(HERE, entry, "__init__.py")
        if os.path.isfile(init):
            with open(init, encoding="utf-8") as f:
                if "def create_app" in f.read():
                    found.append(entry)
    return found[0] if len(found) == 1 else None


def step(title, action):
    print(f"==> {title}", flush=True)
    started = time.monotonic()
    result = action()
    print(f"    done after {time.monotonic() - started:.1f}s", flush=True)
    return result


def main():
    os.chdir(HERE)
    sys.path.insert(0, HERE)
    name = app_module()
    if name is None:
        print("deploy.py: FLASK_APP is not set and no single package here has a create_app()", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(name)
        app = step(f"{name}.create_app()", module.create_app)
        db = importlib.import_module(f"{name}.db")

        def init_db():
            with app.app_context():
                path = db.init_db()
            print(f"    tables created in {path}", flush=True)

        step("init_db()", init_db)
        step("static files", lambda: print(f"    nothing to collect: Flask serves {name}/static at {app.static_url_path}/", flush=True))
    except Exception as error:
        traceback.print_exc()
        print(f"deploy.py: deploy stopped: {error.__class__.__name__}: {error}", file=sys.stderr)
        return 1
    print("deploy.py: done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
