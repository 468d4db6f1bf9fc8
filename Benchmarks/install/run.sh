#!/usr/bin/env bash
# Issue 17's install benchmark, in one run: `paddock install blank-django` + first launch, cold
# (a new PADDOCK_HOME: nothing cached, uv not yet installed) and warm (a second app in the same
# home: uv installed, its cache full), against the manual way (python3 -m venv, pip install,
# startproject, migrate, collectstatic) and against uv's own way (uv init, uv add django,
# startproject, migrate), each cold and warm as well. Prints the figures and the verdicts of the
# issue's targets:
#   - warm install + first launch under 3 s, or under the deploy hook's own time + 1 s where
#     migrate and collectstatic alone take over 2 s here;
#   - cold install at most half the manual way's time.
#
#   Benchmarks/install/run.sh [PADDOCK_BINARY]   (default: .build/release/paddock, else .build/debug/paddock)
#
# Needs PyPI (pip and paddock's uv download from it) and python3-venv. Everything it makes is
# under one temporary folder, removed at the end (apps stopped first).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
paddock="${1:-}"
if [[ -z "$paddock" ]]; then
    paddock="$repo/.build/release/paddock"
    [[ -x "$paddock" ]] || paddock="$repo/.build/debug/paddock"
fi
[[ -x "$paddock" ]] || { echo "no paddock binary at $paddock (swift build first)" >&2; exit 1; }
work="$(mktemp -d /tmp/paddock-install-bench.XXXXXX)"
home="$work/home"
cleanup() {
    for app in cold warm; do PADDOCK_HOME="$home" "$paddock" stop "$app" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT
export PADDOCK_BUILTIN_FEED="$repo/Feeds/paddock.xml" NO_COLOR=1
now() { date +%s.%N; }
# elapsed START: seconds since START, 2 decimals.
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }
# timed LABEL COMMAND...: runs it (output to $work/LABEL.log), prints "LABEL  N.NN s", keeps N.NN in $last.
timed() {
    local label="$1"; shift
    local start; start="$(now)"
    if ! "$@" >"$work/$label.log" 2>&1; then echo "FAILED: $label (see below)"; tail -20 "$work/$label.log"; exit 1; fi
    last="$(elapsed "$start")"
    printf '  %-44s %6s s\n' "$label" "$last"
}
echo "paddock: $paddock"
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"

echo "paddock install blank-django + launch"
cd "$work"
export PADDOCK_HOME="$home"
timed "cold install (empty cache, uv not installed)" "$paddock" install blank-django --app cold --yes
cold_install="$last"
timed "cold first launch" "$paddock" launch cold --detach --port 18761
cold_launch="$last"
"$paddock" stop cold >/dev/null 2>&1 || true
timed "warm install (second app, same home)" "$paddock" install blank-django --app warm --yes
warm_install="$last"
timed "warm first launch" "$paddock" launch warm --detach --port 18762
warm_launch="$last"
curl -fsS -o /dev/null "http://127.0.0.1:18762/" && echo "  (the warm app answers GET / with 200)"
"$paddock" stop warm >/dev/null 2>&1 || true
uv="$(ls "$home"/data/programs/uv/uv-*.data/scripts/uv 2>/dev/null | head -1 || true)"
grep -h "^=== .* \$ " "$home"/state/logs/install-*.log | sed 's/^=== [^ ]* \$ /    ran: /' | cut -c1-120 | head -20
unset PADDOCK_HOME

echo "the deploy hook's own work in the warm install (its log: each manage.py step's time)"
deploy_log="$home/state/apps/warm/logs/deploy.log"
sed -n 's/^==> \(.*\)/    \1/p; s/^    exit \(.*\)/      exit \1/p' "$deploy_log"
hook="$(python3 -c "import re,sys; print(f'{sum(float(x) for x in re.findall(r\"exit 0 after ([0-9.]+)s\", open(sys.argv[1]).read())):.2f}')" "$deploy_log")"
printf '  %-44s %6s s\n' "migrate + collectstatic + check, summed" "$hook"

echo "the manual way (python3 -m venv, pip install django gunicorn whitenoise, startproject, migrate, collectstatic)"
manual() {
    local dir="$work/$1"; mkdir -p "$dir"; cd "$dir"
    timed "$1: total" sh -c '
        python3 -m venv .venv &&
        .venv/bin/pip install --disable-pip-version-check "django==5.2.19" gunicorn whitenoise &&
        .venv/bin/django-admin startproject site . &&
        printf "\nSTATIC_ROOT = BASE_DIR / \"staticfiles\"\n" >> site/settings.py &&
        .venv/bin/python manage.py migrate --noinput &&
        .venv/bin/python manage.py collectstatic --noinput'
    cd "$work"
}
export PIP_CACHE_DIR="$work/pip-cache"
manual "manual cold (empty pip cache)"; manual_cold="$last"
manual "manual warm (pip cache from the cold run)"; manual_warm="$last"
unset PIP_CACHE_DIR

if [[ -n "$uv" ]]; then
    echo "uv's own way (uv init, uv add django, startproject, migrate), with paddock's uv: $uv"
    uvway() {
        local dir="$work/$1"; mkdir -p "$dir"; cd "$dir"
        timed "$1: total" sh -c '
            "$0" init -q --no-workspace --python /usr/bin/python3 . &&
            "$0" add -q "django==5.2.19" &&
            "$0" run -q django-admin startproject site . &&
            "$0" run -q python manage.py migrate --noinput' "$uv"
        cd "$work"
    }
    export UV_CACHE_DIR="$work/uv-cache" UV_PYTHON_DOWNLOADS=never
    uvway "uv cold (empty uv cache)"
    uvway "uv warm (uv cache from the cold run)"
    unset UV_CACHE_DIR
else
    echo "uv's own way: skipped, paddock did not install uv (no build for this machine?)"
fi

echo "targets"
python3 - "$warm_install" "$warm_launch" "$hook" "$cold_install" "$manual_cold" "$cold_launch" <<'PY'
import sys
warm_install, warm_launch, hook, cold_install, manual_cold, cold_launch = map(float, sys.argv[1:])
warm = warm_install + warm_launch
limit = 3.0 if hook <= 2.0 else hook + 1.0
print(f"  warm install + first launch: {warm:.2f} s (limit {limit:.2f} s: {'3 s' if hook <= 2.0 else f'the hook {hook:.2f} s + 1 s'})"
      f" -> {'PASS' if warm <= limit else 'FAIL'}")
print(f"  cold install: {cold_install:.2f} s vs half the manual way {manual_cold / 2:.2f} s -> {'PASS' if cold_install <= manual_cold / 2 else 'FAIL'}")
print(f"  (cold install + first launch: {cold_install + cold_launch:.2f} s)")
PY
