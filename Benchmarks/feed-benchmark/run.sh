#!/usr/bin/env bash
# Benchmarks paddock's feed reader and catalogue against xmllint on a large generated feed.
#
#   Benchmarks/feed-benchmark/run.sh [ENTRIES]      (default 100000)
#   PADDOCK_BIN=/path/to/paddock Benchmarks/feed-benchmark/run.sh   (measure that binary, no build)
#
# 1. builds paddock in release (one build at a time: the shared lock);
# 2. installs xmllint (libxml2-utils) and GNU time if missing (apt-get; run as root);
# 3. generates a WebPI feed of ENTRIES entries into a temporary directory;
# 4. times `xmllint --stream --noout FEED` and `paddock feed add FEED` (fresh PADDOCK_HOME,
#    built-in feed off) three times, alternated, and reports the median run of each with its
#    peak RSS, MB/s and the paddock/xmllint ratio (target <= 2);
# 5. times `paddock show PRODUCT` and `paddock search WORD` against that catalogue: median
#    of 20 runs each, in ms, process start included (target < 50 ms).
# It prints figures; it asserts nothing.
set -euo pipefail

entries="${1:-100000}"
runs=20
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

say() { printf '%s\n' "$*"; }

# --- 1. build ------------------------------------------------------------------------------
if [[ -n "${PADDOCK_BIN:-}" ]]; then
    # PADDOCK_BIN=/path/to/paddock: measure that binary (a snapshot, another build) instead.
    paddock="$PADDOCK_BIN"
    say "== using $paddock (PADDOCK_BIN; not building)"
else
    say "== building paddock (release)"
    "$repo/scripts/install-deps.sh"  # The libraries it links (libxml2, SQLite, libarchive, jemalloc).
    # --product paddock: only the executable and what it needs (not test-support targets).
    (cd "$repo" && flock /tmp/paddock-swift.lock swift build -c release --product paddock)
    paddock="$repo/.build/release/paddock"
fi
[[ -x "$paddock" ]] || { say "no binary at $paddock"; exit 1; }

# --- 2. tools ------------------------------------------------------------------------------
apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null 2>&1 || {
        DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null
    }
}
command -v xmllint >/dev/null || { say "== installing libxml2-utils (xmllint)"; apt_install libxml2-utils; }
[[ -x /usr/bin/time ]] || { say "== installing time"; apt_install time; }

# --- 3. the feed ---------------------------------------------------------------------------
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
feed="$work/benchmark-feed.xml"
say "== generating a feed of $entries entries"
meta="$(python3 "$here/generate_feed.py" --entries "$entries" --output "$feed")"
value() { printf '%s\n' "$meta" | sed -n "s/^$1=//p"; }
bytes="$(value bytes)"
product="$(value sample-product)"
word="$(value search-word)"
megabytes="$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')"
say "   $feed: $megabytes MB"

home="$work/home"
mkdir -p "$home/config"
# The built-in feed is left out so that the catalogue holds exactly the generated feed.
printf 'builtin-feed = false\n' > "$home/config/config.toml"
export PADDOCK_HOME="$home"

# The freshly written feed is flushed to disk first, so that neither run pays for writing it back,
# then both runs read it from the page cache.
sync
cat "$feed" > /dev/null

# --- 4. parse and load ---------------------------------------------------------------------
timed() {  # timed OUTFILE COMMAND...: runs it, leaves "SECONDS KB" in OUTFILE
    local out="$1"; shift
    /usr/bin/time -f '%e %M' -o "$out" "$@" > "$work/stdout" 2> "$work/stderr" || {
        say "   FAILED: $*"; cat "$work/stderr"; exit 1;
    }
}
# Three rounds, each xmllint then paddock (into a fresh catalogue), and the median run of each:
# this machine's speed drifts by 10-20% from minute to minute, and a single pair of runs
# measures the drift as much as the programs. Every run's time is printed.
rounds=3
xmllint_runs=()
paddock_runs=()
for ((round = 1; round <= rounds; round++)); do
    say "== round $round of $rounds: xmllint --stream --noout, paddock feed add"
    timed "$work/xmllint.time" xmllint --stream --noout "$feed"
    xmllint_runs+=("$(cat "$work/xmllint.time")")
    rm -rf "$home/data" "$home/cache" "$home/state"
    timed "$work/paddock.time" "$paddock" feed add "$feed" --name bench
    paddock_runs+=("$(cat "$work/paddock.time")")
done
say "   $(cat "$work/stdout")"
warnings="$(grep -c 'warning' "$work/stderr" || true)"
[[ "$warnings" == 0 ]] || say "   ($warnings warning lines on stderr)"

median_run() {  # median_run "SECONDS KB"...: the run with the median time
    printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"
}
seconds_of() { printf '%s\n' "$@" | cut -d' ' -f1 | tr '\n' ' '; }
read -r xmllint_s xmllint_kb <<< "$(median_run "${xmllint_runs[@]}")"
read -r paddock_s paddock_kb <<< "$(median_run "${paddock_runs[@]}")"
rate() { awk -v mb="$megabytes" -v s="$1" 'BEGIN { if (s > 0) printf "%.1f", mb / s; else print "inf" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio="$(awk -v a="$paddock_s" -v b="$xmllint_s" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"

# --- 5. queries ----------------------------------------------------------------------------
median_ms() {  # median_ms COMMAND...: median wall time of $runs runs, in ms
    local times=() start end
    for ((i = 0; i < runs; i++)); do
        start=$(date +%s%N)
        "$@" > /dev/null 2>&1 || { say "   FAILED: $*"; "$@"; exit 1; }
        end=$(date +%s%N)
        times+=($(((end - start) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END {
        m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
}
say "== paddock show $product / paddock search $word ($runs runs each)"
show_ms="$(median_ms "$paddock" show "$product")"
search_ms="$(median_ms "$paddock" search "$word")"
hits="$("$paddock" search "$word" | wc -l)"
db_mb="$(du -m "$home/data/catalog.sqlite" | cut -f1)"

# --- report --------------------------------------------------------------------------------
say ""
say "feed: $entries entries, $megabytes MB ($bytes bytes); catalogue database ${db_mb} MB"
printf '%-34s %9s %9s %12s\n' "" "seconds" "MB/s" "peak RSS MB"
printf '%-34s %9s %9s %12s\n' "xmllint --stream --noout" "$xmllint_s" "$(rate "$xmllint_s")" "$(mib "$xmllint_kb")"
printf '%-34s %9s %9s %12s\n' "paddock feed add" "$paddock_s" "$(rate "$paddock_s")" "$(mib "$paddock_kb")"
say "(median of $rounds alternated runs; xmllint: $(seconds_of "${xmllint_runs[@]}")s, paddock: $(seconds_of "${paddock_runs[@]}")s)"
say "ratio paddock/xmllint: $ratio (target <= 2)"
say "paddock show $product: median $show_ms ms (target < 50 ms)"
say "paddock search $word: median $search_ms ms, $hits results shown (target < 50 ms)"
