#!/usr/bin/env bash
# The test command: installs what the build needs, builds, and runs every test.
#   scripts/test.sh                 every test
#   scripts/test.sh --filter NAME   what swift test selects (any swift test arguments)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
if [ $# -gt 0 ]; then
    exec swift test --skip-build "$@"
fi
# Two runs. The end-to-end tests wait on real child processes (paddock, gunicorn, pip) for
# seconds at a time; run beside the unit tests they would hold the few threads of Swift's
# cooperative pool, and the unit tests that check a timeout (a stalled download must fail
# within N seconds) would measure the wait for a thread instead.
swift test --skip-build --skip EndToEndTests
swift test --skip-build --filter EndToEndTests
