#!/usr/bin/env bash
# InstallBenchmark (each tree's own build): download + SHA-256 + extraction of one large archive
# from a loopback server, and 20 small downloads. Old and new alternated, ROUNDS rounds each, the
# same archive for every run (made once by an untimed run, kept with --keep), a fresh cache and
# target per run (the benchmark removes them).
#   Benchmarks/compare/install.sh [SIZE_MB]     (default 200)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
size="${1:-200}"
old="$OLD_TREE/.build/release/InstallBenchmark"; new="$NEW_TREE/.build/release/InstallBenchmark"
for b in "$old" "$new"; do [[ -x "$b" ]] || { say "no binary at $b"; exit 1; }; done
work="$(mktemp -d /tmp/paddock-compare-install.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work"  # the benchmark's files (archive, caches) under $TMPDIR/paddock-bench
say "making the shared ${size} MB archive (untimed run of the new binary)"
"$new" --size-mb "$size" --runs 1 --keep >/dev/null
load_note
# run_one BINARY: "large tools small1 small20 small1lat small20lat" (seconds)
run_one() {
    "$1" --size-mb "$size" --runs 1 --keep >"$work/raw" 2>&1 || { say "FAILED: $1"; cat "$work/raw" >&2; exit 1; }
    python3 - "$work/raw" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
large, tools = re.search(r"round 1: paddock ([\d.]+) s, curl\+sha256sum\+bsdtar ([\d.]+) s", t).groups()
def small(kind):
    line = re.search(r"20 × 256 KiB, " + kind + r": (.*)", t).group(1)
    return re.search(r"one after another ([\d.]+) s", line).group(1), re.search(r"20 at once ([\d.]+) s", line).group(1)
a, b = small("no added latency"); c, d = small("100 ms latency")
print(large, tools, a, b, c, d)
PY
}
: >"$work/old"; : >"$work/new"
for ((r = 1; r <= ROUNDS; r++)); do
    o="$(run_one "$old")"; n="$(run_one "$new")"
    echo "$o" >>"$work/old"; echo "$n" >>"$work/new"
    say "round $r (large tools small-seq small-20 small-seq-100ms small-20-100ms): old $o | new $n"
done
load_note
names=("large archive: paddock download+verify+extract" "large archive: curl+sha256sum+bsdtar (control, same binary's round)"
       "20 x 256 KiB one after another" "20 x 256 KiB 20 at once" "20 x 256 KiB one after another, 100 ms latency" "20 x 256 KiB 20 at once, 100 ms latency")
for i in 1 2 3 4 5 6; do
    verdict "${names[$((i - 1))]}, seconds" "$(cut -d' ' -f$i "$work/old" | tr '\n' ' ')" "$(cut -d' ' -f$i "$work/new" | tr '\n' ' ')"
done
