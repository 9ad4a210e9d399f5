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

step "Anchor IDL is up to date (cargo run -p orderbook-idl -- --check)"
cargo run -q --locked -p orderbook-idl -- --check

step "PostgreSQL (the indexer tests use the real server)"
scripts/postgres.sh

step "cargo test (workspace)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# RUST_LOG=error keeps solana-program-test's per-instruction debug logs out.
RUST_LOG=error cargo test --workspace --locked 2>&1 | tee "$log"

step "CU bench on real SBF (budgets enforced)"
cargo run --release --locked -q -p orderbook-cu-bench -- --so "$so"

# One closing line summing every cargo test binary (the bench above is a check too:
# it exits non-zero when over budget, which fails this script before this line).
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
