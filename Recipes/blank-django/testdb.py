"""The test-database setup of paddock's Blank Django Project ('paddock test' runs it).

The tests run with manage.py test --keepdb: the test database is kept between runs, as the
seed's TEST_CREATE = False kept it, so a run does not create and migrate a database first.
This script makes that database afresh and loads what testdata/ holds into it:

  1. the test database, created (an old one dropped) and migrated, as Django's test runner
     would make it (test_<NAME> on PostgreSQL and MySQL; data/test_db.sqlite3 for SQLite);
  2. testdata/setup/*.sql, in name order: SQL statements, each ending with ';' at the end of
     a line (seed tables and rows the tests read);
  3. testdata/fixtures/*.json, with loaddata.

paddock runs it only on the first 'paddock test', when one of those files or the database
changed, or with 'paddock test APP --setup'. Tests that change rows run in transactions that
Django rolls back, so what this loads stays for the next run.
"""

import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def statements(text):
    """The statements of a SQL file: each ends with ';' at the end of a line."""
    current = []
    for line in text.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            statement = "\n".join(current).strip()
            current = []
            if statement.rstrip(";").strip():
                yield statement
    rest = "\n".join(current).strip()
    if rest:
        yield rest


def main():
    sys.path.insert(0, HERE)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    name = connection.creation.create_test_db(verbosity=1, autoclobber=True, keepdb=False, serialize=False)
    print(f"==> test database {name}: created and migrated", flush=True)
    for path in sorted(glob.glob(os.path.join(HERE, "testdata", "setup", "*.sql"))):
        with open(path, encoding="utf-8") as file:
            text = file.read()
        with connection.cursor() as cursor:
            count = 0
            for statement in statements(text):
                cursor.execute(statement)
                count += 1
        print(f"==> {os.path.relpath(path, HERE)}: {count} statement(s)", flush=True)
    fixtures = sorted(glob.glob(os.path.join(HERE, "testdata", "fixtures", "*.json")))
    if fixtures:
        call_command("loaddata", *fixtures, verbosity=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
