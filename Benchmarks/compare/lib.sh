# Shared by the compare drivers: where the two trees are, and the old-vs-new verdict.
#   OLD_TREE (default /work/wt-bench-old) and NEW_TREE (default: this checkout), each with a
#   release build in .build/release. ROUNDS (default 5): rounds, old then new in each.
compare_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NEW_TREE="${NEW_TREE:-$(cd "$compare_dir/../.." && pwd)}"
OLD_TREE="${OLD_TREE:-/work/wt-bench-old}"
ROUNDS="${ROUNDS:-5}"

say() { printf '%s\n' "$*"; }
load_note() { say "load: $(uptime | sed 's/.*load average/load average/')"; }

# verdict LABEL "OLD TIMES" "NEW TIMES" [higher]: per-round figures, median [min-max] of each,
# and whether the new median is within 5% of the old median or within the old's min-max.
# With "higher" as the fourth argument a larger figure is better (requests/s).
verdict() {
    python3 - "$@" <<'PY'
import statistics, sys
label, old, new = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
higher = len(sys.argv) > 4 and sys.argv[4] == "higher"
mo, mn = statistics.median(old), statistics.median(new)
change = (mn - mo) / mo * 100 if mo else 0.0
worse = -change if higher else change
within5 = worse <= 5.0
within_range = min(old) <= mn <= max(old)
ok = within5 or within_range
fmt = lambda v: f"{v:.3f}"
print(f"{label}")
print(f"  old rounds: {' '.join(fmt(v) for v in old)}")
print(f"  new rounds: {' '.join(fmt(v) for v in new)}")
print(f"  old median {fmt(mo)} [{fmt(min(old))}-{fmt(max(old))}]  new median {fmt(mn)} [{fmt(min(new))}-{fmt(max(new))}]  "
      f"new vs old {change:+.1f}%{' (higher is better)' if higher else ''}")
print(f"  verdict: {'PASS' if ok else 'FAIL'} (within 5%: {'yes' if within5 else 'no'}; within old min-max: {'yes' if within_range else 'no'})")
PY
}
