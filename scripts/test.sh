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
for server in postgres mariadb; do
    if settings=$(scripts/$server-for-tests.sh | tail -1) && [[ "$settings" == PADDOCK_TEST_*=* ]]; then
        export "$settings"
    else
        echo "test: scripts/$server-for-tests.sh did not start a server (see above); its app test will say so" >&2
    fi
done
swift build --build-tests
if [ $# -gt 0 ]; then
    exec swift test --skip-build "$@"
fi
# Three runs. The end-to-end tests wait on real child processes (paddock, gunicorn, pip) for
# seconds at a time; run beside the unit tests they would hold the few threads of Swift's
# cooperative pool, and the tests that check a timeout against a loopback server (a stalled
# download must fail within N seconds) would measure the wait for a thread instead. Those
# timing suites run on their own too, one test at a time (30 s): beside the CPU-bound property
# tests, or beside each other's endless and dripping servers, which share Foundation's one
# URLSession thread, their bounds measured the load of a 2-core machine.
timed='PaddockDownloadTests|FeedFetchLimitTests'
swift test --skip-build --skip EndToEndTests --skip "$timed"
swift test --skip-build --no-parallel --filter "$timed"
swift test --skip-build --filter EndToEndTests
