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

step "Embedded exchange smoke run (scripts/run.sh's binary, 25 s; exits non-zero unless the indexer reconciles with the chain)"
smoke=$(mktemp)
target/debug/orderbook-app --run-for-secs 25 --status-secs 5 --listen 127.0.0.1:18080 \
  --database-url "host=127.0.0.1 port=5432 user=postgres dbname=orderbook_smoke" >"$smoke" 2>&1 &
pid=$!
ok=""
for _ in $(seq 1 60); do
  sleep 1
  if curl -fsS http://127.0.0.1:18080/health >/dev/null 2>&1; then ok=1; break; fi
done
if [ -n "$ok" ]; then
  sleep 8
  curl -fsS http://127.0.0.1:18080/api/markets | grep -q '"market"' || ok=""
  curl -fsS http://127.0.0.1:18080/ | grep -q WebSocket || ok=""
fi
wait "$pid" || ok=""
grep -E '^(status|demo|reconcile)' "$smoke" || true
[ -n "$ok" ] || { tail -n 40 "$smoke"; echo "embedded smoke run failed" >&2; exit 1; }
rm -f "$smoke"

step "CU bench on real SBF (budgets enforced)"
cargo run --release --locked -q -p orderbook-cu-bench -- --so "$so"

# One closing line summing every cargo test binary (the bench above is a check too:
# it exits non-zero when over budget, which fails this script before this line).
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
