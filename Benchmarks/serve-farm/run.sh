#!/usr/bin/env bash
# A served app (paddock serve: N instances behind HAProxy and the nginx front) under wrk load,
# through what must cost no request: rolling restarts, kill -9 of an instance, reloads of the
# front and of the balancer.
#
#   Benchmarks/serve-farm/run.sh [SECONDS]    (default 15 of load per case; TEMPLATE=blank-node,
#                                              INSTANCES=3, WORKERS=2, CONNECTIONS=32,
#                                              PADDOCK=path to a built paddock, else a release build)
#
# On a fresh PADDOCK_HOME and the built-in feed: install TEMPLATE, serve it on 127.0.0.1:18790,
# then, each case under `wrk -t2 -cCONNECTIONS -dSECONDS` through the front:
#   1. baseline: no event;
#   2. 3 rolling restarts (`paddock serve restart`) back to back;
#   3. kill -9 of one instance's engine;
#   4. the balancer reloaded twice (SIGHUP to its supervisor: USR2 to HAProxy's master);
#   5. the front reloaded twice (SIGHUP: nginx HUP).
# It prints requests/s, p99, non-2xx answers and socket errors for each. The target: 0 non-2xx
# and 0 socket errors in cases 2-4; the script exits 1 otherwise. Case 5 is reported, not
# gated: an nginx reload closes its idle keep-alive connections, and a request wrk sends on one
# at that instant is a read error (a browser sends it again; docs/serving.md). Needs nginx, haproxy and wrk
# (scripts/install-test-deps.sh).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
duration="${1:-15}"
connections="${CONNECTIONS:-32}"
template="${TEMPLATE:-blank-node}"
instances="${INSTANCES:-3}"
workers="${WORKERS:-2}"
if [ -z "${PADDOCK:-}" ]; then
    scripts/install-test-deps.sh >&2
    swift build -c release --product paddock >&2
    PADDOCK="$repo/.build/release/paddock"
fi
paddock="$PADDOCK"
work="$(mktemp -d /tmp/paddock-serve-bench.XXXXXX)"
export PADDOCK_HOME="$work/home" NO_COLOR=1
cleanup() {
    "$paddock" serve stop bench >/dev/null 2>&1 || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
port=18790
url="http://127.0.0.1:$port/"

"$paddock" install "$template" --app bench --yes >/dev/null
"$paddock" serve bench --instances "$instances" --workers "$workers" --listen "127.0.0.1:$port" --server-name bench.example >&2
part() { "$paddock" serve status bench --json | python3 -c "import json,sys; print([p for p in json.load(sys.stdin)['parts'] if p['part']=='$1'][0]['$2'])"; }

failed=0
# Runs wrk for the case while `event` runs beside it; prints one line of figures.
run_case() {
    local name="$1" event="$2" gate="${3:-yes}" out rps p99 non2xx socket
    curl -sf -o /dev/null -H "Host: bench.example" "$url" || { echo "benchmark: $url does not answer 200" >&2; exit 1; }
    wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Host: bench.example" "$url" >"$work/wrk.txt" 2>&1 &
    local wrk_pid=$!
    sleep 1
    $event
    wait "$wrk_pid"
    out=$(cat "$work/wrk.txt")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' <<<"$out")
    socket=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
    non2xx=${non2xx:-0}
    socket=${socket:-0}
    printf '%-44s %10s req/s   p99 %-9s non-2xx %-5s socket errors %s\n' "$name" "$rps" "$p99" "$non2xx" "$socket"
    if [ "$gate" = yes ] && { [ "$non2xx" != 0 ] || [ "$socket" != 0 ]; }; then failed=1; fi
}
none() { :; }
rolling() { for _ in 1 2 3; do "$paddock" serve restart bench >/dev/null; done; }
kill_one() { kill -9 "$(part instance-2 enginePid)"; }
balancer_reloads() {
    local balancer
    balancer=$(part balancer supervisorPid)
    for _ in 1 2; do kill -HUP "$balancer"; sleep 3; done
}
front_reloads() {
    local front
    front=$(part front supervisorPid)
    for _ in 1 2; do kill -HUP "$front"; sleep 3; done
}

echo "$template, $instances instances x $workers workers, wrk -c $connections, ${duration} s per case, $(nproc) cores"
run_case "baseline" none no
run_case "3 rolling restarts" rolling
run_case "kill -9 of one instance" kill_one
run_case "2 balancer reloads (HAProxy USR2)" balancer_reloads
run_case "2 front reloads (nginx HUP; keep-alive)" front_reloads no
exit "$failed"
