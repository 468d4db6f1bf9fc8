#!/usr/bin/env bash
# Installs the Debian packages the tests need beyond the build's (scripts/install-deps.sh):
# pip and venv for the app tests (they install Django and Flask from PyPI), PostgreSQL and
# MariaDB for the database variants of the Django test, FreeTDS's ODBC driver (tdsodbc, unixodbc)
# for its SQL Server variant, Debian's Perl web stack for the Perl
# templates' test (PerlTemplateTests; the same packages the feed's Perl products install), and
# Debian's Rails, Puma and node-express for the Rails and Node.js templates' tests, and uWSGI and
# Apache with mod_wsgi for the Python engines' test (PythonEnginesTests; the feed's uwsgi-python3
# and apache-mod-wsgi products), and nginx, HAProxy, Apache and wrk for the web farm's
# (ServeFarmTests). Safe to run
# again: it only calls apt-get when something is missing. scripts/test.sh runs it.
set -euo pipefail
packages=(python3-pip python3-venv postgresql mariadb-server mariadb-client tdsodbc unixodbc rsync
    perl libmojolicious-perl libmojo-sqlite-perl libdbd-sqlite3-perl libplack-perl starman libserver-starter-perl)
# Rails from ruby-rails, not the 'rails' metapackage: that one also pulls ruby-webpacker and its
# node-* packages, which cannot be installed beside a nodejs from outside Debian (NodeSource).
packages+=(ruby-rails puma ruby-sqlite3 ruby-pg sqlite3)
# Express under /usr/share/nodejs. A nodejs already on PATH (Debian's or another) is kept; only
# a machine without one gets Debian's.
packages+=(node-express)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
# uwsgi-core, not uwsgi (whose init script would start a system service); apache2-bin, not
# apache2 (the same): paddock runs both as an app's own processes.
packages+=(uwsgi-core uwsgi-plugin-python3 apache2-bin libapache2-mod-wsgi-py3)
# The web farm of 'paddock serve' (ServeFarmTests): Debian's nginx and HAProxy, which paddock
# runs itself with its own configurations (Debian's services stay unused), apache2-bin (above)
# for --front apache, and wrk, curl and openssl for the load and TLS checks.
packages+=(nginx haproxy wrk curl openssl)
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
