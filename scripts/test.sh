#!/usr/bin/env bash
# Every test, as CI runs it: formatting, lints, unit/property/integration
# tests, and the compute-unit bench on real SBF with its budgets enforced.
# Installs what it needs (Debian packages, sbpf-linker) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "SBF toolchain and harness build"
so=$(scripts/build-sbf-harness.sh | tail -n 1)

step "cargo fmt --check"
cargo fmt --all -- --check
(cd bench/sbf-harness && cargo fmt -- --check)

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (workspace)"
cargo test --workspace --locked

step "CU bench on real SBF (budgets enforced)"
cargo run --release --locked -q -p orderbook-cu-bench -- --so "$so"
