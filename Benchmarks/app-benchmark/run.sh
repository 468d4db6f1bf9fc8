#!/usr/bin/env bash
# The launched Blank Django Project under load, against the same project served by hand.
#
#   Benchmarks/app-benchmark/run.sh [DURATION_SECONDS]     (default 10; ROUNDS=3, CONNECTIONS=32,
#                                                           WORKERS=2*cores+1 in the environment)
#
# In one run, on a fresh PADDOCK_HOME and the built-in feed:
#   1. `paddock install blank-django` once to warm the download and pip caches (not timed),
#      then the wall time of `install` + `launch --detach` of a second app: until launch has
#      health-checked the app and printed its URL.
#   2. wrk against that app's home page (paddock's supervised gunicorn);
#   3. wrk against `manage.py runserver` of the same app (Django's development server);
#   4. wrk against gunicorn started by hand in the same folder, with the same environment,
#      worker count and arguments as paddock's manifest gives it.
# It prints requests/s and p99 latency for each, and the ratios. Target: paddock >= 0.95x
# hand-started gunicorn. Needs PyPI (pip installs Django) and wrk (scripts/install-bench-deps.sh).
# Every server runs in a session of its own (see run_with_app_env), so they are scheduled alike.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
duration="${1:-10}"
connections="${CONNECTIONS:-32}"
scripts/install-deps.sh >&2
scripts/install-bench-deps.sh >&2
swift build -c release --product paddock >&2
paddock="$repo/.build/release/paddock"

work="$(mktemp -d /tmp/paddock-app-bench.XXXXXX)"
export PADDOCK_HOME="$work/home" NO_COLOR=1
cleanup() {
    "$paddock" stop warm >/dev/null 2>&1 || true
    "$paddock" stop benchsite >/dev/null 2>&1 || true
    [ -n "${hand_pid:-}" ] && kill "$hand_pid" 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
cores=$(nproc)
workers="${WORKERS:-$((cores * 2 + 1))}"
port=18491

now() { date +%s.%N; }
echo "warming the caches (install of an app that is not timed)…" >&2
"$paddock" install blank-django --app warm --yes >/dev/null

start=$(now)
"$paddock" install blank-django --app benchsite --yes >/dev/null
after_install=$(now)
"$paddock" launch benchsite --detach --port "$port" --workers "$workers" >/dev/null
after_launch=$(now)

# wrk's summary: "Requests/sec: N" and, with --latency, "99%  12.34ms".
load() {
    local url="$1" out rps p99
    curl -sf -o /dev/null "$url" || { echo "benchmark: $url does not answer 200" >&2; exit 1; }
    wrk -t2 -c"$connections" -d1s "$url" >/dev/null 2>&1 # warm-up: workers import, caches fill
    out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$url")
    if grep -q "Non-2xx" <<<"$out"; then echo "benchmark: non-2xx answers from $url" >&2; echo "$out" >&2; exit 1; fi
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' <<<"$out")
    echo "$rps $p99"
}

# The same app served by hand, with the environment paddock gives it: its env file (settings
# and secret key), the manifest's variables, and the virtual environment first on PATH.
app="$work/benchsite"
state="$PADDOCK_HOME/state/apps/benchsite"
run_with_app_env() {
    exec python3 - "$state/env" "$app" "$@" <<'PY'
import os, sys
env_file, app, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
for line in open(env_file, encoding="utf-8").read().splitlines():
    if line and not line.startswith("#") and "=" in line:
        key, value = line.split("=", 1)
        os.environ[key] = value
os.environ.update(DJANGO_SETTINGS_MODULE="benchsite.settings", PYTHONPATH=app, PYTHONUNBUFFERED="1",
                  VIRTUAL_ENV=app + "/.venv", PATH=app + "/.venv/bin:" + os.environ["PATH"])
os.chdir(app)
# A session of its own, as paddock's supervisor (and systemd) gives the engine. With the
# kernel's autogroup scheduling (sched_autogroup_enabled=1, Debian's default) each session is
# one scheduling group: a server left in the benchmark's session would share wrk's group and
# be scheduled differently from paddock's, which measured as a 2x gap under load.
try:
    os.setsid()
except PermissionError:
    pass
os.execvp(argv[0], argv)
PY
}
wait_for() {
    for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
    echo "benchmark: $1 did not come up" >&2; exit 1
}

url="http://127.0.0.1:$port/"
serve_by_hand() { # NAME ARGV...: start, load, stop; prints "rps p99"
    local name="$1"; shift
    run_with_app_env "$@" >"$work/$name.log" 2>&1 &
    hand_pid=$!
    wait_for "$url"
    load "$url"
    kill "$hand_pid"; wait "$hand_pid" 2>/dev/null || true
    hand_pid=
}
# Rounds alternate the three servers, so that anything else the machine does weighs on each
# alike; each server's figure is its median over the rounds.
rounds="${ROUNDS:-3}"
: >"$work/paddock.txt"; : >"$work/runserver.txt"; : >"$work/gunicorn.txt"
for round in $(seq 1 "$rounds"); do
    echo "round $round of $rounds…" >&2
    if [ "$round" -gt 1 ]; then
        "$paddock" launch benchsite --detach --port "$port" --workers "$workers" >/dev/null 2>&1
    fi
    load "$url" >>"$work/paddock.txt"
    "$paddock" stop benchsite >/dev/null
    serve_by_hand runserver python manage.py runserver --noreload "127.0.0.1:$port" >>"$work/runserver.txt"
    serve_by_hand gunicorn gunicorn benchsite.wsgi:application --bind "127.0.0.1:$port" --workers "$workers" \
        --timeout 30 --graceful-timeout 30 --access-logfile - --error-logfile - >>"$work/gunicorn.txt"
done
median() { sort -n -k1,1 "$1" | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'; }
read -r paddock_rps paddock_p99 < <(median "$work/paddock.txt")
read -r runserver_rps runserver_p99 < <(median "$work/runserver.txt")
read -r gunicorn_rps gunicorn_p99 < <(median "$work/gunicorn.txt")

python3 - "$paddock_rps" "$paddock_p99" "$runserver_rps" "$runserver_p99" "$gunicorn_rps" "$gunicorn_p99" \
    "$start" "$after_install" "$after_launch" "$workers" "$connections" "$duration" "$cores" "$rounds" <<'PY'
import sys
(p_rps, p_p99, r_rps, r_p99, g_rps, g_p99, start, installed, launched) = map(float, sys.argv[1:10])
workers, connections, duration, cores, rounds = sys.argv[10:]
print(f"Blank Django Project, GET /, wrk -t2 -c{connections} -d{duration}s; {workers} gunicorn workers on {cores} cores; median of {rounds} rounds")
print(f"{'server':38} {'requests/s':>11} {'p99 ms':>8}")
print(f"{'paddock launch (supervised gunicorn)':38} {p_rps:11.1f} {p_p99:8.2f}")
print(f"{'gunicorn started by hand':38} {g_rps:11.1f} {g_p99:8.2f}")
print(f"{'manage.py runserver':38} {r_rps:11.1f} {r_p99:8.2f}")
print(f"ratio paddock / hand gunicorn: {p_rps / g_rps:.3f} (target >= 0.95); p99 {p_p99 / g_p99:.2f}x")
print(f"ratio paddock / runserver:     {p_rps / r_rps:.2f}")
print(f"install (warm caches): {installed - start:.2f} s; first launch until the URL is printed: {launched - installed:.2f} s; together {launched - start:.2f} s")
PY
