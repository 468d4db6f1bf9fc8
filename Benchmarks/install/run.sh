#!/usr/bin/env bash
# Issue 17's install benchmark, in one run: `paddock install blank-django` + first launch, cold
# (a new PADDOCK_HOME: nothing cached, uv not yet installed) and warm (another app in the same
# home: uv installed, its cache full), against the manual way (python3 -m venv, pip install,
# startproject, migrate, collectstatic) and against uv's own way (uv init, uv add django,
# startproject, migrate), each cold and warm too. ROUNDS rounds (default 3) of everything,
# alternated; medians [min-max] and the issue's targets, PASS or FAIL:
#   - warm install + first launch under 3 s, or under the deploy hook's own time + 1 s where
#     migrate and collectstatic alone take over 2 s here;
#   - cold install at most half the manual way's time (cold against cold).
#
#   Benchmarks/install/run.sh [PADDOCK_BINARY]   (default: .build/release/paddock, else .build/debug/paddock)
#
# Needs PyPI (pip and paddock's uv download from it) and python3-venv. Everything it makes is
# under one temporary folder, removed at the end (apps stopped first). The machine's other load
# is printed before and after: on 2 shared cores it moves every figure.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
paddock="${1:-}"
if [[ -z "$paddock" ]]; then
    paddock="$repo/.build/release/paddock"
    [[ -x "$paddock" ]] || paddock="$repo/.build/debug/paddock"
fi
[[ -x "$paddock" ]] || { echo "no paddock binary at $paddock (swift build first)" >&2; exit 1; }
ROUNDS="${ROUNDS:-3}"
work="$(mktemp -d /tmp/paddock-install-bench.XXXXXX)"
cleanup() {
    for home in "$work"/home-*; do
        [[ -d "$home/state/apps" ]] || continue
        for app in "$home"/state/apps/*; do PADDOCK_HOME="$home" "$paddock" stop "$(basename "$app")" >/dev/null 2>&1 || true; done
    done
    rm -rf "$work"
}
trap cleanup EXIT
export PADDOCK_BUILTIN_FEED="$repo/Feeds/paddock.xml" NO_COLOR=1
now() { date +%s.%N; }
# timed FILE COMMAND...: runs it in the current folder (output to $work/last.log) and appends
# its seconds to $work/FILE; stops the benchmark, with the output's tail, when it fails.
timed() {
    local file="$1"; shift
    local start; start="$(now)"
    if ! "$@" >"$work/last.log" 2>&1; then echo "FAILED: $* (in $PWD)"; tail -20 "$work/last.log"; exit 1; fi
    python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$(now)" >>"$work/$file"
}
load() { echo "load: $(uptime | sed 's/.*load average/load average/')"; }
echo "paddock: $paddock; $(nproc) cores; $ROUNDS rounds"
load
manual() {
    python3 -m venv .venv &&
        .venv/bin/pip install --disable-pip-version-check "django==5.2.19" gunicorn whitenoise &&
        .venv/bin/django-admin startproject mysite . &&
        printf '\nSTATIC_ROOT = BASE_DIR / "staticfiles"\n' >>mysite/settings.py &&
        .venv/bin/python manage.py migrate --noinput &&
        .venv/bin/python manage.py collectstatic --noinput
}
uvway() {
    "$uv" init -q --no-workspace --name benchapp --python /usr/bin/python3 . &&
        "$uv" add -q "django==5.2.19" &&
        "$uv" run -q django-admin startproject mysite . &&
        "$uv" run -q python manage.py migrate --noinput
}
for ((r = 1; r <= ROUNDS; r++)); do
    home="$work/home-$r"; port=$((18760 + 2 * r))
    mkdir -p "$work/r$r" && cd "$work/r$r"
    export PADDOCK_HOME="$home"
    timed paddock-cold-install "$paddock" install blank-django --app cold --yes
    timed paddock-cold-launch "$paddock" launch cold --detach --port "$port"
    "$paddock" stop cold >/dev/null 2>&1 || true
    timed paddock-warm-install "$paddock" install blank-django --app warm --yes
    timed paddock-warm-launch "$paddock" launch warm --detach --port $((port + 1))
    curl -fsS -o /dev/null "http://127.0.0.1:$((port + 1))/" || { echo "FAILED: the warm app does not answer GET /"; exit 1; }
    "$paddock" stop warm >/dev/null 2>&1 || true
    # The deploy hook's own steps, from its log (deploy.py prints each step's time).
    python3 -c "import re,sys; print(sum(float(x) for x in re.findall(r'exit 0 after ([0-9.]+)s', open(sys.argv[1]).read())[:2]))" \
        "$home/state/apps/warm/logs/deploy.log" >>"$work/hook-migrate-collectstatic"
    uv="$(ls "$home"/data/programs/uv/uv-*.data/scripts/uv 2>/dev/null | head -1 || true)"
    [[ -n "$uv" ]] || { echo "FAILED: paddock did not install uv under $home/data/programs/uv"; exit 1; }
    unset PADDOCK_HOME

    export PIP_CACHE_DIR="$work/pip-cache-$r"
    mkdir -p "$work/r$r/manual-cold" && cd "$work/r$r/manual-cold" && timed manual-cold manual
    mkdir -p "$work/r$r/manual-warm" && cd "$work/r$r/manual-warm" && timed manual-warm manual
    unset PIP_CACHE_DIR

    export UV_CACHE_DIR="$work/uv-cache-$r" UV_PYTHON_DOWNLOADS=never
    mkdir -p "$work/r$r/uv-cold" && cd "$work/r$r/uv-cold" && timed uv-cold uvway
    mkdir -p "$work/r$r/uv-warm" && cd "$work/r$r/uv-warm" && timed uv-warm uvway
    unset UV_CACHE_DIR
    echo "round $r: paddock cold $(tail -1 "$work/paddock-cold-install") + launch $(tail -1 "$work/paddock-cold-launch"), warm $(tail -1 "$work/paddock-warm-install") + launch $(tail -1 "$work/paddock-warm-launch"); manual cold $(tail -1 "$work/manual-cold") warm $(tail -1 "$work/manual-warm"); uv cold $(tail -1 "$work/uv-cold") warm $(tail -1 "$work/uv-warm") (seconds)"
done
cd "$work"
load
python3 - "$work" <<'PY'
import statistics, sys, os
work = sys.argv[1]
def figures(name): return [float(x) for x in open(os.path.join(work, name)).read().split()]
def show(label, values): print(f"  {label:<58} median {statistics.median(values):6.2f} s  [{min(values):.2f}-{max(values):.2f}]")
print("seconds, median [min-max] of the rounds")
rows = [
    ("paddock install blank-django, cold (new home)", "paddock-cold-install"),
    ("paddock launch, first, cold", "paddock-cold-launch"),
    ("paddock install blank-django, warm (second app)", "paddock-warm-install"),
    ("paddock launch, first, warm", "paddock-warm-launch"),
    ("  of which the hook's migrate + collectstatic", "hook-migrate-collectstatic"),
    ("manual: venv, pip, startproject, migrate, collectstatic, cold", "manual-cold"),
    ("manual, warm (pip cache full)", "manual-warm"),
    ("uv init, uv add django, startproject, migrate, cold", "uv-cold"),
    ("uv's way, warm (uv cache full)", "uv-warm"),
]
for label, name in rows: show(label, figures(name))
warm = [a + b for a, b in zip(figures("paddock-warm-install"), figures("paddock-warm-launch"))]
hook = statistics.median(figures("hook-migrate-collectstatic"))
limit = 3.0 if hook <= 2.0 else hook + 1.0
show("paddock warm install + first launch", warm)
print("targets")
w = statistics.median(warm)
print(f"  warm install + first launch {w:.2f} s, limit {limit:.2f} s ({'3 s: migrate + collectstatic take ' + f'{hook:.2f} s' if hook <= 2.0 else 'the hook + 1 s'}): {'PASS' if w <= limit else 'FAIL'}")
c, m = statistics.median(figures("paddock-cold-install")), statistics.median(figures("manual-cold"))
print(f"  cold install {c:.2f} s, limit half the manual way's {m:.2f} s = {m / 2:.2f} s: {'PASS' if c <= m / 2 else 'FAIL'}")
PY
