#!/usr/bin/env bash
# The engine's compute-unit table measured on real SBF (sets up the SBF
# toolchain on first use). Extra arguments go to cu-bench (e.g. --no-budget).
set -euo pipefail
cd "$(dirname "$0")/.."
so=$(scripts/build-sbf-harness.sh | tail -n 1)
batch_so=$(scripts/build-sbf-harness.sh --batch | tail -n 1)
cargo run --release --locked -q -p orderbook-cu-bench -- --so "$so" --batch-so "$batch_so" "$@"
