#!/usr/bin/env bash
# The main job. Until the embedded exchange exists, it sets up the SBF
# toolchain and prints the engine's compute-unit table measured on real SBF.
set -euo pipefail
cd "$(dirname "$0")/.."
so=$(scripts/build-sbf-harness.sh | tail -n 1)
cargo run --release --locked -q -p orderbook-cu-bench -- --so "$so" "$@"
