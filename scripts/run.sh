#!/usr/bin/env bash
# The main job on the built-in feed: build paddock, then run it with the given arguments
# (default: list what the built-in feed offers).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product paddock >&2
if [ $# -eq 0 ]; then set -- list; fi
exec .build/release/paddock "$@"
