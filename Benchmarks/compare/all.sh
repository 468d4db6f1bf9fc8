#!/usr/bin/env bash
# All four comparisons, one after another, each output kept in OUT (default /tmp/paddock-compare):
#   Benchmarks/compare/all.sh     (FEED, FEED_ENTRIES, RESOLVER_SIZES, INSTALL_MB as for each script)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${OUT:-/tmp/paddock-compare}"; mkdir -p "$out"
"$here/feed.sh" "${FEED_ENTRIES:-100000}" 2>&1 | tee "$out/feed.txt"
"$here/resolver.sh" ${RESOLVER_SIZES:-1000 10000} 2>&1 | tee "$out/resolver.txt"
"$here/install.sh" "${INSTALL_MB:-200}" 2>&1 | tee "$out/install.txt"
"$here/app.sh" 2>&1 | tee "$out/app.txt"
