#!/usr/bin/env bash
# The main job on the built-in feed: build paddock, make a Blank Django Project app called
# "mysite" (in $PADDOCK_DEMO, default ~/paddock-demo), launch it, and print its URL. It stays
# in the foreground until Ctrl-C. Run it again to launch the same app.
#
# Any arguments are passed to paddock instead (e.g. scripts/run.sh list).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
scripts/install-deps.sh
swift build -c release --product paddock >&2
paddock="$repo/.build/release/paddock"
if [ $# -gt 0 ]; then exec "$paddock" "$@"; fi

demo="${PADDOCK_DEMO:-$HOME/paddock-demo}"
mkdir -p "$demo"
cd "$demo"
if ! "$paddock" apps --json | grep -q '"app" : "mysite"'; then
    "$paddock" install blank-django --app mysite --yes
fi
exec "$paddock" launch mysite
