#!/usr/bin/env bash
# Instruction-level profile of cu-bench's cases on real SBF: builds the
# harness and cu-bench with LiteSVM's register tracing, writes one
# disassembled trace per transaction into DIR (default target/cu-trace), and
# prints the table. Then attribute a case's CU with scripts/cu-profile.py,
# e.g. what each extra maker of a sweep costs:
#   scripts/cu-profile.py target/cu-trace <take vs 1 total> <take vs 20 total> 19 --code
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-target/cu-trace}"
so=$(scripts/build-sbf-harness.sh | tail -n 1)
batch_so=$(scripts/build-sbf-harness.sh --batch | tail -n 1)
rm -rf "$dir"
SBF_TRACE_DIR="$dir" SBF_TRACE_DISASSEMBLE=1 \
  cargo run --release --locked -q -p orderbook-cu-bench --features trace -- \
  --so "$so" --batch-so "$batch_so" --no-budget
echo "[cu-profile] traces in $dir: scripts/cu-profile.py $dir <total CU> [--code]" >&2
