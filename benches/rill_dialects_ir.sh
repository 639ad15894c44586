#!/usr/bin/env bash
# The six interpreter benchmarks in both dialects, counted in instructions (valgrind
# callgrind's Ir: the same on a busy machine, where wall times of one run vary by 20%).
# Prints v0.8.6's count over v0.20's per script: 1.00 = the same work, above 1 = v0.20 does
# less. Usage: benches/rill_dialects_ir.sh (after cargo build --release).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/target/release/rillmount"
V08="${RILL_BENCH_DIR:-/work/shared/bench}"
V20="$ROOT/benches/rill_v0_20"
command -v valgrind >/dev/null || { echo "valgrind is needed: apt-get install valgrind" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
ir() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
    | awk '/Collected/ {print $4}'
}
printf '%-12s %14s %14s %9s\n' script "v0.8 Ir" "v0.20 Ir" "0.8/0.20"
for f in "$V20"/*.rill; do
  n="$(basename "$f")"
  a="$(ir "$BIN" eval --rill 0.8 "$V08/$n")"
  b="$(ir "$BIN" eval --rill 0.20 "$f")"
  printf '%-12s %14s %14s %9.3f\n' "${n%.rill}" "$a" "$b" "$(echo "$a / $b" | bc -l)"
done
