#!/usr/bin/env bash
# Starts Debian's MariaDB for the MySQL variant of the app tests: its own server on
# 127.0.0.1:${PADDOCK_TEST_MYSQL_PORT:-53306} with its own data folder (/var/tmp/paddock-test-mariadb),
# so it touches neither a system server nor port 3306, and a user "paddock" that may create
# the test's databases. No systemd needed: mariadb-install-db, then mariadbd in the background.
# Safe to run again: a running server is reused. Prints the settings to export, last line:
#   PADDOCK_TEST_MYSQL=mysql://paddock:PASSWORD@127.0.0.1:PORT
set -euo pipefail
port="${PADDOCK_TEST_MYSQL_PORT:-53306}"
root="${PADDOCK_TEST_MYSQL_DIR:-/var/tmp/paddock-test-mariadb}"
data="$root/data"
socket="$root/mysqld.sock"
if [ ! -x /usr/sbin/mariadbd ] || ! command -v mariadb-install-db >/dev/null 2>&1 || ! command -v mariadb >/dev/null 2>&1; then
    echo "mariadb-for-tests: no MariaDB: install Debian packages mariadb-server mariadb-client (scripts/install-test-deps.sh does)" >&2
    exit 1
fi
# As root over the socket (unix_socket authentication: root of this machine is MariaDB's root).
admin() { mariadb --no-defaults --protocol=SOCKET --socket="$socket" -u root "$@"; }

if ! admin -e "SELECT 1" >/dev/null 2>&1; then
    mkdir -p "$root"
    if [ ! -d "$data/mysql" ]; then
        rm -rf "$data"
        mariadb-install-db --no-defaults --user=mysql --datadir="$data" --auth-root-authentication-method=socket \
            --skip-test-db >"$root/install-db.log" 2>&1 \
            || { echo "mariadb-for-tests: mariadb-install-db failed; see $root/install-db.log" >&2; exit 1; }
    fi
    chown -R mysql:mysql "$root"
    # Detached, its output in a log: nothing of it stays attached to the caller's pipes.
    setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$data" --socket="$socket" \
        --pid-file="$root/mariadbd.pid" --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
        --log-error="$root/error.log" --innodb-buffer-pool-size=64M </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 60); do
        admin -e "SELECT 1" >/dev/null 2>&1 && break
        sleep 0.5
    done
    admin -e "SELECT 1" >/dev/null 2>&1 \
        || { echo "mariadb-for-tests: mariadbd did not start; see $root/error.log" >&2; tail -5 "$root/error.log" >&2 || true; exit 1; }
fi
actual=$(admin -N -B -e "SELECT @@port")
if [ "$actual" != "$port" ]; then
    echo "mariadb-for-tests: the server in $root listens on $actual, not $port; stop it (kill \$(cat $root/mariadbd.pid)) or set PADDOCK_TEST_MYSQL_PORT=$actual" >&2
    exit 1
fi
# The password differs from every other value the test passes, so the test can check that it
# never lands in the app's recorded parameters.
password="paddock-test-secret"
admin -e "CREATE USER IF NOT EXISTS 'paddock'@'127.0.0.1' IDENTIFIED BY '$password';
          ALTER USER 'paddock'@'127.0.0.1' IDENTIFIED BY '$password';
          GRANT ALL PRIVILEGES ON *.* TO 'paddock'@'127.0.0.1';
          CREATE DATABASE IF NOT EXISTS paddock;"
echo "PADDOCK_TEST_MYSQL=mysql://paddock:$password@127.0.0.1:$port"
