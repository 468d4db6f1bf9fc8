#!/usr/bin/env bash
# The test command (CI runs exactly this, through .ci/run): installs what the build and the
# tests need, starts the database servers the app tests use, builds, and runs every test.
#   scripts/test.sh                 every test
#   scripts/test.sh --filter NAME   what swift test selects (any swift test arguments)
# With CI set, a test that needs a missing tool or server fails, naming the Debian package;
# without it, such a test is skipped with that reason.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-test-deps.sh
# PostgreSQL and MariaDB on loopback, each with a user and the settings the tests read
# (PADDOCK_TEST_POSTGRES, PADDOCK_TEST_MYSQL). A server that does not start is said here; its
# test then says what is missing.
# The servers outlive this script, so they are started without its open descriptors: run as
# `flock /tmp/swift-build.lock bash scripts/test.sh`, they would otherwise inherit the build lock
# and hold it long after the tests end.
without_inherited_descriptors() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    "$@"
}
for server in postgres mariadb; do
    if settings=$( (without_inherited_descriptors scripts/$server-for-tests.sh) | tail -1) && [[ "$settings" == PADDOCK_TEST_*=* ]]; then
        export "$settings"
    else
        echo "test: scripts/$server-for-tests.sh did not start a server (see above); its app test will say so" >&2
    fi
done
if [ $# -eq 0 ]; then
    # The committed .swift-format: a finding fails the run before anything is built.
    echo "test: swift format lint" >&2
    scripts/lint.sh
fi
swift build --build-tests
if [ $# -gt 0 ]; then
    exec swift test --skip-build "$@"
fi
# One run. The end-to-end tests wait on real child processes (paddock, gunicorn, pip) for
# seconds at a time: their suites carry TestSupport's .offCooperativePool, so each of their tests
# runs on a thread of its own and its waits never hold one of the few threads of Swift's
# cooperative pool, on which the tests that check a timeout against a loopback server (a stalled
# download must fail within N seconds) run their watchdogs. Those timing suites are .serialized
# and .timingSensitive: one of their tests at a time, across suites, as `--no-parallel` ran them.
exec swift test --skip-build
