#!/usr/bin/env bash
# Runs paddock's libFuzzer targets (Fuzz/): the feed reader, the Web Deploy reader, the app
# manifest reader, the config reader and the archive extractor, each for SECONDS (default 600).
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. bash scripts/fuzz.sh 120 FuzzConfig
#
# Built apart from paddock (Fuzz/ is its own package with its own .build), with
# -sanitize=fuzzer,address, under the machine's build lock; never part of swift build/test or
# .ci/run. Each target starts from its committed seeds (Fuzz/Corpus/TARGET: the real feeds,
# Web Deploy files, manifests and archives the tests use) plus what earlier runs found
# (Fuzz/.work/TARGET, not committed). A crash, leak or timeout leaves its input in
# Fuzz/artifacts/ and makes this script exit 1: turn each into a test of the main suite.
# Prints one line per target: executions, seconds, corpus size, crashes.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"

seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzFeed FuzzWebDeploy FuzzAppManifest FuzzConfig FuzzArchive)
case "$seconds" in '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 64 ;; esac

# The instrumented build: every Swift module (paddock's too) gets coverage and AddressSanitizer;
# -parse-as-library because libFuzzer brings main().
flock /tmp/swift-build.lock swift build -c debug \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >.fuzz-build.log 2>&1 || {
    tail -30 .fuzz-build.log >&2
    echo "fuzz.sh: the fuzz build failed (whole log: Fuzz/.fuzz-build.log)" >&2
    exit 1
}
bin="$(swift build -c debug --show-bin-path -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)"

mkdir -p artifacts .work
failed=0
summary=()
for target in "${targets[@]}"; do
    [ -x "$bin/$target" ] || { echo "fuzz.sh: no target '$target' (known: FuzzFeed FuzzWebDeploy FuzzAppManifest FuzzConfig FuzzArchive)" >&2; exit 64; }
    mkdir -p ".work/$target"
    log=".work/$target.log"
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a memory blow-up is a finding.
    # The feed seeds reach 44 KB, so inputs may be as long as 64 KB.
    status=0
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" "$bin/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="artifacts/$target-" ".work/$target" "Corpus/$target" >"$log" 2>&1 || status=$?
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
    took="$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' | tail -1)"
    corpus="$(ls ".work/$target" | wc -l)"
    coverage="$(grep -o 'cov: [0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
    rss="$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
    crashes="$(ls artifacts 2>/dev/null | grep -c "^$target-" || true)"
    if [ "$status" -ne 0 ]; then failed=1; fi
    summary+=("$(printf '%-16s %10s executions in %4s s, coverage %5s edges, peak RSS %5s MB, %5s inputs found so far, exit %d, artifacts %s' \
        "$target" "${runs:-?}" "${took:-?}" "${coverage:-?}" "${rss:-?}" "$corpus" "$status" "$crashes")")
    echo "${summary[-1]}"
done
if [ "$failed" -ne 0 ]; then
    echo "fuzz.sh: a target found a crash, leak or timeout: see Fuzz/artifacts/ and Fuzz/.work/TARGET.log" >&2
    exit 1
fi
