#!/usr/bin/env bash
# `paddock feed add` of one generated feed (Benchmarks/feed-benchmark/generate_feed.py), old and
# new binaries alternated, ROUNDS rounds each, a fresh PADDOCK_HOME (built-in feed off) per run.
#   [FEED=generated.xml] Benchmarks/compare/feed.sh [ENTRIES]     (default 100000)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
entries="${1:-100000}"
old="$OLD_TREE/.build/release/paddock"; new="$NEW_TREE/.build/release/paddock"
for b in "$old" "$new"; do [[ -x "$b" ]] || { say "no binary at $b"; exit 1; }; done
work="$(mktemp -d /tmp/paddock-compare-feed.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# FEED=path: a feed generated before (generate_feed.py --entries N --output path), else one now.
feed="${FEED:-$work/feed.xml}"
[[ -f "$feed" ]] || python3 "$NEW_TREE/Benchmarks/feed-benchmark/generate_feed.py" --entries "$entries" --output "$feed" >/dev/null
say "feed: $entries entries, $(du -m "$feed" | cut -f1) MB"
sync; cat "$feed" >/dev/null
load_note
run_one() {  # run_one BINARY: prints wall seconds of one `feed add` into a fresh home
    local home="$work/home"
    rm -rf "$home"; mkdir -p "$home/config"
    printf 'builtin-feed = false\n' >"$home/config/config.toml"
    PADDOCK_HOME="$home" NO_COLOR=1 /usr/bin/time -f '%e' -o "$work/t" "$1" feed add "$feed" --name bench \
        >"$work/out" 2>"$work/err" || { say "FAILED: $1"; cat "$work/err"; exit 1; }
    cat "$work/t"
}
olds=(); news=()
for ((r = 1; r <= ROUNDS; r++)); do
    o="$(run_one "$old")"; n="$(run_one "$new")"
    olds+=("$o"); news+=("$n")
    say "round $r: old $o s, new $n s"
done
load_note
verdict "paddock feed add ($entries entries), seconds" "${olds[*]}" "${news[*]}"
