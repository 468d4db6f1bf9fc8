#!/usr/bin/env bash
# ResolverBenchmark (each tree's own build), old and new alternated, ROUNDS rounds each. Each run
# prints, per profile and catalogue size, the setup time and the best-of-3-batches solve time of
# 200 requests; each figure is compared.
#   Benchmarks/compare/resolver.sh [SIZES...]     (default 1000 10000 100000; each run also solves
#   with libsolv, which the benchmark always does: 100000 takes minutes a run on a loaded machine)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sizes=("$@"); [[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 10000 100000)
old="$OLD_TREE/.build/release/ResolverBenchmark"; new="$NEW_TREE/.build/release/ResolverBenchmark"
for b in "$old" "$new"; do [[ -x "$b" ]] || { say "no binary at $b"; exit 1; }; done
work="$(mktemp -d /tmp/paddock-compare-resolver.XXXXXX)"
trap 'rm -rf "$work"' EXIT
load_note
# run_one BINARY TREE OUT: "profile size setup solve" lines into OUT (run from its own tree).
run_one() {
    (cd "$2" && "$1" "${sizes[@]}") >"$work/raw" 2>&1 || { say "FAILED: $1"; cat "$work/raw"; exit 1; }
    awk '/^profile / {p=$2; sub(":","",p)} /^[0-9]/ {print p, $1, $3, $4}' "$work/raw" >>"$3"
    awk '/^[0-9]/ {printf "%s:%s/%s ", $1, $3, $4}' "$work/raw"
}
: >"$work/old"; : >"$work/new"
for ((r = 1; r <= ROUNDS; r++)); do
    o="$(run_one "$old" "$OLD_TREE" "$work/old")"; n="$(run_one "$new" "$NEW_TREE" "$work/new")"
    say "round $r (size:setup/solve s): old $o| new $n"
done
load_note
for key in $(awk '{print $1 "_" $2}' "$work/old" | awk '!seen[$0]++'); do
    p="${key%_*}"; s="${key#*_}"
    for col in 3 4; do
        name=$([[ $col == 3 ]] && echo setup || echo solve)
        ov="$(awk -v p="$p" -v s="$s" -v c="$col" '$1==p && $2==s {printf "%s ", $c}' "$work/old")"
        nv="$(awk -v p="$p" -v s="$s" -v c="$col" '$1==p && $2==s {printf "%s ", $c}' "$work/new")"
        verdict "resolver $p $s products: $name seconds" "$ov" "$nv"
    done
done
