#!/usr/bin/env bash
# `paddock install blank-django` + `paddock launch --detach` (until launch has health-checked the
# app and printed its URL; the app is named benchsite: "site" would shadow Python's site module), then WRK_SECONDS of wrk against it; old and new alternated, ROUNDS
# rounds each, a fresh PADDOCK_HOME and app folder per run. Each binary reads its own tree's
# built-in feed and recipe (PADDOCK_BUILTIN_FEED; PADDOCK_ENGINES for the new one). pip's cache
# (~/.cache/pip; here also PIP_FIND_LINKS=/opt/wheels) is warmed by one untimed install with each binary first, so every timed run has
# the same warm cache. Needs PyPI and wrk.
#   Benchmarks/compare/app.sh     (WRK_SECONDS=5, WORKERS=5, CONNECTIONS=32 in the environment)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
wrk_seconds="${WRK_SECONDS:-5}"; workers="${WORKERS:-5}"; connections="${CONNECTIONS:-32}"
port=18591
old="$OLD_TREE/.build/release/paddock"; new="$NEW_TREE/.build/release/paddock"
for b in "$old" "$new"; do [[ -x "$b" ]] || { say "no binary at $b"; exit 1; }; done
work="$(mktemp -d /tmp/paddock-compare-app.XXXXXX)"
current_bin=; current_home=
stop_current() {
    [[ -n "$current_bin" ]] && PADDOCK_HOME="$current_home" "$current_bin" stop benchsite >/dev/null 2>&1 || true
    current_bin=
}
trap 'stop_current; [[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
now() { date +%s.%N; }
# run_one BINARY TREE: prints "install_s launch_s total_s rps"
run_one() {
    local bin="$1" tree="$2" dir="$work/run"
    rm -rf "$dir"; mkdir -p "$dir"
    export PADDOCK_HOME="$dir/home" NO_COLOR=1 PADDOCK_BUILTIN_FEED="$tree/Feeds/paddock.xml"
    export PADDOCK_ENGINES="$tree/Recipes/engines"
    current_bin="$bin"; current_home="$PADDOCK_HOME"
    local t0 t1 t2 rps=0
    t0=$(now)
    (cd "$dir" && "$bin" install blank-django --app benchsite --yes) >"$work/install.log" 2>&1 \
        || { say "FAILED install: $bin" >&2; tail -20 "$work/install.log" >&2; exit 1; }
    t1=$(now)
    (cd "$dir" && "$bin" launch benchsite --detach --port "$port" --workers "$workers") >"$work/launch.log" 2>&1 \
        || { say "FAILED launch: $bin" >&2; tail -20 "$work/launch.log" >&2; exit 1; }
    t2=$(now)
    if [[ "$wrk_seconds" != 0 ]]; then
        curl -sf -o /dev/null "http://127.0.0.1:$port/" || { say "app does not answer 200" >&2; exit 1; }
        wrk -t2 -c"$connections" -d1s "http://127.0.0.1:$port/" >/dev/null 2>&1
        rps=$(wrk -t2 -c"$connections" -d"${wrk_seconds}s" "http://127.0.0.1:$port/" | awk '/^Requests\/sec:/ {print $2}')
    fi
    stop_current
    awk -v a="$t0" -v b="$t1" -v c="$t2" -v r="$rps" 'BEGIN { printf "%.3f %.3f %.3f %s\n", b - a, c - b, c - a, r }'
}
say "warming pip's cache: one untimed install + launch with each binary"
WRK_SECONDS_SAVED="$wrk_seconds"; wrk_seconds=0
run_one "$old" "$OLD_TREE" >/dev/null; run_one "$new" "$NEW_TREE" >/dev/null
wrk_seconds="$WRK_SECONDS_SAVED"
load_note
: >"$work/old"; : >"$work/new"
for ((r = 1; r <= ROUNDS; r++)); do
    o="$(run_one "$old" "$OLD_TREE")"; n="$(run_one "$new" "$NEW_TREE")"
    echo "$o" >>"$work/old"; echo "$n" >>"$work/new"
    say "round $r (install launch install+launch s, req/s): old $o | new $n"
done
load_note
col() { cut -d' ' -f"$1" "$2" | tr '\n' ' '; }
verdict "install blank-django, seconds" "$(col 1 "$work/old")" "$(col 1 "$work/new")"
verdict "launch --detach until the URL is printed, seconds" "$(col 2 "$work/old")" "$(col 2 "$work/new")"
verdict "install + launch, seconds" "$(col 3 "$work/old")" "$(col 3 "$work/new")"
[[ "$wrk_seconds" == 0 ]] || verdict "GET / under wrk -c$connections ${wrk_seconds}s, requests/s" "$(col 4 "$work/old")" "$(col 4 "$work/new")" higher
