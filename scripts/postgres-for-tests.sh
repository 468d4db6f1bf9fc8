#!/usr/bin/env bash
# Installs and starts Debian's PostgreSQL on 127.0.0.1:5432 for the PostgreSQL variant of the
# app tests, with a role and a database they use. Prints the settings to export.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
    pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
done
pg_isready -q -h 127.0.0.1 -p 5432
# The password differs from every other value the test passes, so the test can check that it
# never lands in the app's recorded parameters.
password="paddock-test-secret"
su postgres -c "psql -q -tAc \"SELECT 1 FROM pg_roles WHERE rolname='paddock'\"" | grep -q 1 \
    || su postgres -c "psql -q -c \"CREATE ROLE paddock LOGIN CREATEDB\""
su postgres -c "psql -q -c \"ALTER ROLE paddock PASSWORD '$password'\""
echo "PADDOCK_TEST_POSTGRES=postgresql://paddock:$password@127.0.0.1:5432"
