#!/usr/bin/env bash
# The Blank Django Project on each Python engine (python-gunicorn, python-uwsgi,
# python-mod-wsgi), served by paddock and by hand, under wrk.
#
#   Benchmarks/engines/run.sh [DURATION_SECONDS]   (default 5; ROUNDS=5, CONNECTIONS=16,
#                                                   WORKERS=2*cores+1, PADDOCK_BIN in the environment)
#
# One app per engine (install --engine), on a fresh PADDOCK_HOME and the built-in feed. Two
# pages each: the home page (a Django view and template) and the admin's CSS (a static file,
# whitenoise). ROUNDS alternating rounds: paddock (`launch --detach`), then by hand (the very
# argv and environment paddock's engine ran with, read from /proc, started with setsid in the
# app's folder, without paddock's supervisor), each page measured by wrk after a 1-s warm-up.
# Printed: a Markdown table of requests/s, median and min-max of the rounds, and the ratio of
# the medians (paddock / by hand). paddock is not in the request path, so the ratio should be
# 1 within the noise. As root the apps run as nobody (Apache will not serve as root).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
duration="${1:-5}"
rounds="${ROUNDS:-5}"
connections="${CONNECTIONS:-16}"
workers="${WORKERS:-$(($(nproc) * 2 + 1))}"
command -v wrk >/dev/null || { echo "benchmark: wrk is missing (apt-get install wrk)" >&2; exit 69; }
if [ -z "${PADDOCK_BIN:-}" ]; then
    (cd "$repo" && swift build -c release --product paddock >&2)
    PADDOCK_BIN="$repo/.build/release/paddock"
fi

work="$(mktemp -d /tmp/paddock-engines-bench.XXXXXX)"
chmod 755 "$work"
export PADDOCK_HOME="$work/home" PADDOCK_BUILTIN_FEED="$repo/Feeds/paddock.xml" NO_COLOR=1 HOME="$work"
as=()
if [ "$(id -u)" = 0 ]; then
    chown 65534:65534 "$work"
    as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
paddock() { "${as[@]}" "$PADDOCK_BIN" "$@"; }
engines=(python-gunicorn python-uwsgi python-mod-wsgi)
hand_pid=""
cleanup() {
    for engine in "${engines[@]}"; do paddock stop "${engine//-/_}" >/dev/null 2>&1 || true; done
    [ -n "$hand_pid" ] && kill -TERM -- "-$hand_pid" 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

rps() {
    local url="$1" out
    curl -sf -o /dev/null "$url" || { echo "benchmark: $url does not answer 200" >&2; exit 1; }
    wrk -t2 -c"$connections" -d1s "$url" >/dev/null 2>&1
    out=$(wrk -t2 -c"$connections" -d"${duration}s" "$url")
    # uWSGI's http-socket closes each connection after its response (no keep-alive; its
    # http11-socket keeps connections but ignores "Connection: close"): wrk counts each close as
    # a "read" socket error and connects again. Those answers are complete; any other error stops.
    if grep -q "Non-2xx" <<<"$out" || grep -Eq "Socket errors: connect [1-9]|write [1-9]|timeout [1-9]" <<<"$out"; then
        echo "benchmark: errors from $url" >&2
        echo "$out" >&2
        exit 1
    fi
    awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

wait_listening() {
    for _ in $(seq 1 150); do
        curl -sf -o /dev/null "http://127.0.0.1:$1/healthz" && return 0
        sleep 0.2
    done
    echo "benchmark: nothing answers on port $1" >&2
    exit 1
}

wait_free() {
    for _ in $(seq 1 150); do
        ss -ltn "sport = :$1" | grep -q LISTEN || return 0
        sleep 0.2
    done
}

declare -A results
port=18900
for engine in "${engines[@]}"; do
    app="${engine//-/_}"
    port=$((port + 1))
    echo "installing $app on $engine…" >&2
    paddock install blank-django --app "$app" --engine "$engine" --yes >/dev/null
    paddock launch "$app" --detach --port "$port" --workers "$workers" >/dev/null
    # The engine's own argv and environment, as paddock started it.
    engine_pid=$(paddock status "$app" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["enginePid"])')
    tr '\0' '\n' <"/proc/$engine_pid/cmdline" >"$work/$app.argv"
    tr '\0' '\n' <"/proc/$engine_pid/environ" >"$work/$app.environ"
    css=$(curl -sf "http://127.0.0.1:$port/admin/login/" | grep -o '/static/admin/css/base\.[0-9a-f]*\.css' | head -1)
    paddock stop "$app" >/dev/null
    wait_free "$port"
    pages=("/" "$css")
    # The hand-started engine's log, owned by the user it runs as: Apache reopens /dev/stderr.
    : >"$work/$app.hand.log"
    [ ${#as[@]} -eq 0 ] || chown 65534:65534 "$work/$app.hand.log"
    for round in $(seq 1 "$rounds"); do
        for mode in paddock hand; do
            if [ "$mode" = paddock ]; then
                paddock launch "$app" --detach --port "$port" --workers "$workers" >/dev/null
            else
                mapfile -t argv <"$work/$app.argv"
                mapfile -t environ <"$work/$app.environ"
                (cd "$work/$app" && exec env -i "${environ[@]}" setsid "${as[@]}" "${argv[@]}" >>"$work/$app.hand.log" 2>&1) &
                hand_pid=$!
                wait_listening "$port"
            fi
            for page in "${!pages[@]}"; do
                value=$(rps "http://127.0.0.1:$port${pages[$page]}")
                results["$engine,$page,$mode"]+="$value "
                echo "$engine ${pages[$page]} round $round $mode: $value req/s" >&2
            done
            if [ "$mode" = paddock ]; then
                paddock stop "$app" >/dev/null
            else
                # The engine's graceful stop, as paddock's stop sends it.
                signal=TERM
                [ "$engine" = python-mod-wsgi ] && signal=WINCH
                kill -"$signal" "$hand_pid" 2>/dev/null || true
                wait "$hand_pid" 2>/dev/null || true
                hand_pid=""
            fi
            wait_free "$port"
        done
    done
done

summary() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.0f %.0f %.0f", m, v[1], v[NR]}'; }
echo
echo "| engine | page | paddock req/s median [min-max] | by hand req/s median [min-max] | paddock / hand |"
echo "|---|---|---|---|---|"
for engine in "${engines[@]}"; do
    for page in 0 1; do
        read -r pm pmin pmax <<<"$(summary <<<"${results[$engine,$page,paddock]}")"
        read -r hm hmin hmax <<<"$(summary <<<"${results[$engine,$page,hand]}")"
        name=$([ "$page" = 0 ] && echo "/ (view + template)" || echo "admin CSS (static)")
        echo "| $engine | $name | $pm [$pmin-$pmax] | $hm [$hmin-$hmax] | $(awk -v a="$pm" -v b="$hm" 'BEGIN {printf "%.2f", a / b}') |"
    done
done
