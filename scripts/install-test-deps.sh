#!/usr/bin/env bash
# Installs the Debian packages the tests need beyond the build's (scripts/install-deps.sh):
# pip and venv for the app tests (they install Django and Flask from PyPI), PostgreSQL and
# MariaDB for the database variants of the Django test, and Debian's Perl web stack for the
# Perl templates' test (PerlTemplateTests; the same packages the feed's Perl products install),
# and uWSGI and Apache with mod_wsgi for the Python engines' test (PythonEnginesTests; the feed's
# uwsgi-python3 and apache-mod-wsgi products). Safe to run again: it only calls
# apt-get when something is missing. scripts/test.sh runs it.
set -euo pipefail
packages=(python3-pip python3-venv postgresql mariadb-server mariadb-client
    perl libmojolicious-perl libmojo-sqlite-perl libdbd-sqlite3-perl libplack-perl starman libserver-starter-perl
    uwsgi-core uwsgi-plugin-python3 apache2-bin libapache2-mod-wsgi-py3)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "paddock: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Without systemd the packages' scripts cannot start their servers; the tests start their
    # own (scripts/postgres-for-tests.sh, scripts/mariadb-for-tests.sh).
    # No recommends: they would bring a mail server (exim4) that neither test uses.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
