"""The SQLite database (Python's sqlite3 module): DATABASE_URL, else db.sqlite3 in PADDOCK_DATA_DIR.

init_db() creates the tables from schema.sql; it is safe to run on every deploy (the deploy
hook does), since the schema only creates what is missing. `flask --app {{app_name}} init-db`
runs it by hand.
"""

import sqlite3
from pathlib import Path

import click
from flask import current_app, g


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"], timeout=20)
        g.db.row_factory = sqlite3.Row
    return g.db


def close_db(exception=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db():
    path = Path(current_app.config["DATABASE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    db = get_db()
    # Write-ahead logging: readers do not wait for the writer (several gunicorn workers).
    db.execute("PRAGMA journal_mode=WAL")
    with current_app.open_resource("schema.sql") as f:
        db.executescript(f.read().decode("utf-8"))
    db.commit()
    return path


def count_view(path):
    """Counts a view of path and returns the count so far."""
    db = get_db()
    with db:
        db.execute(
            "INSERT INTO page_views (path, count) VALUES (?, 1) "
            "ON CONFLICT (path) DO UPDATE SET count = count + 1",
            (path,),
        )
    return db.execute("SELECT count FROM page_views WHERE path = ?", (path,)).fetchone()["count"]


@click.command("init-db")
def init_db_command():
    """Create the database tables that are missing."""
    click.echo(f"Initialized the database: {init_db()}")


def init_app(app):
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
