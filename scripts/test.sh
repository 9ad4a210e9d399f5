#!/usr/bin/env bash
# Every test, as CI runs it: formatting, lints, unit/property/integration
# tests, and the compute-unit bench on real SBF with its budgets enforced.
# Installs what it needs (Debian packages, sbpf-linker) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=test
. scripts/lib.sh
step() { printf '\n==> %s\n' "$*"; }
# install_missing COMMAND PACKAGE...: the Debian packages, unless COMMAND exists.
install_missing() {
  command -v "$1" >/dev/null && return
  shift
  apt_install "$@"
}

# A cold run leaves about 8 GB under target/ (Cargo.toml's dev profile drops
# dependencies' debug info; with it, 28 GB). Say so up front: a full disk
# shows up later only as a linker crash.
free_gb=$(df -Pk . | awk 'NR == 2 { print int($4 / 1048576) }')
echo "disk: ${free_gb} GB free for target/"
[ "$free_gb" -ge 10 ] || echo "warning: under 10 GB free; a cold build needs about 8 GB" >&2

step "SBF toolchain and harness build"
so=$(scripts/build-sbf-harness.sh | tail -n 1)
batch_so=$(scripts/build-sbf-harness.sh --batch | tail -n 1)

step "cargo fmt --check"
cargo fmt --all -- --check
(cd bench/sbf-harness && cargo fmt -- --check)

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "No module cycles (scripts/module-cycles.py: every crate's modules depend on each other bottom-up)"
python3 scripts/module-cycles.py app/src keeper/src crates/*/src programs/orderbook/src bench/services/src bench/mev/src

step "Anchor IDL is up to date (cargo run -p orderbook-idl -- --check)"
cargo run -q --locked -p orderbook-idl -- --check

step "PostgreSQL and Redis (the indexer and replica tests use the real servers)"
scripts/postgres.sh
scripts/redis.sh >/dev/null

step "Prometheus alert rules (promtool check + promtool test rules: each alert fires on one series and not on another)"
install_missing promtool prometheus
promtool check rules ops/prometheus/alerts.yml
promtool test rules ops/prometheus/alerts.test.yml

step "cargo test (workspace)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# RUST_LOG=error keeps solana-program-test's per-instruction debug logs out.
RUST_LOG=error cargo test --workspace --locked 2>&1 | tee "$log"

step "web3.js conformance (tests/web3js: @solana/web3.js and @solana/spl-token against orderbook-node; eslint, then node --test)"
install_missing npm nodejs npm
cargo build -q --locked -p orderbook-node
(cd tests/web3js && npm ci --no-audit --no-fund --loglevel=error && npm run -s lint && npm test) 2>&1 | tee -a "$log"

step "TypeScript: client, Anchor suite and the web app in Chromium (npm workspace: clients/ts unit tests, tests/ts mocha suite against orderbook-node, app/web built by Vite and driven by puppeteer-core over node, keeper, indexer and feed; IDL type fresh, eslint, tsc)"
# The browser tests drive Debian's Chromium (puppeteer's own download cannot work here).
install_missing chromium chromium fonts-dejavu-core
cargo build -q --locked -p orderbook-node -p orderbook-keeper -p orderbook-app
npm ci --no-audit --no-fund --loglevel=error
npm run -s -w clients/ts idl:check
npm run -s build
npm run -s lint
npm test 2>&1 | tee -a "$log"

step "anchor test with the real Anchor CLI (anchor-cli 1.2.2 from crates.io, installed once outside the clone: --skip-build --skip-deploy --skip-local-validator against orderbook-node at its default 400 ms slots)"
# Built once into ANCHOR_CLI_ROOT (outside the clone, reused by later runs);
# the first build takes several minutes (README).
anchor_root="${ANCHOR_CLI_ROOT:-$HOME/.local/share/orderbook-tools/anchor-cli-1.2.2}"
if ! "$anchor_root/bin/anchor" --version 2>/dev/null | grep -qx 'anchor-cli 1.2.2'; then
  echo "installing anchor-cli 1.2.2 into $anchor_root (once)…" >&2
  cargo install anchor-cli --version 1.2.2 --locked --root "$anchor_root"
fi
ANCHOR_BIN="$anchor_root/bin/anchor" node tests/ts/anchor-cli.js 2>&1 | tee -a "$log"

step "Kubernetes (scripts/k8s-check.sh: the Dockerfile linted; deploy/overlays/{dev,prod} rendered with kubectl kustomize, yamllint, kubernetes-validate --strict for 1.32-1.37, the operators' kinds against deploy/check/schemas, checked for meaning, and smoke-run as local processes: every probe and scraped path, a database outage, the leading indexer killed; then each kind of mistake shown caught)"
scripts/k8s-check.sh --bin target/debug

step "Local exchange smoke run (scripts/run.sh --feed-replicas 2: node, beacon, two demo markets (one a sealed batch auction whose takers encrypt their orders, revealed by the keeper), keeper, indexer + feed, a standby indexer and a feed replica over Redis, as separate processes over loopback; web3.js wallets trade on both markets through the replica, the Python example (anchorpy3 + solders) on the first, the node is killed and run.sh restarts it, then run.sh is stopped; fails unless the indexer reconciles with the chain)"
smoke=$(mktemp -d)
ok=1
ORDERBOOK_STATE_DIR="$smoke" ORDERBOOK_BUILD=debug ORDERBOOK_RPC_PORT=18899 \
  ORDERBOOK_LISTEN=127.0.0.1:18080 ORDERBOOK_KEEPER_METRICS=127.0.0.1:19464 ORDERBOOK_BEACON_LISTEN=127.0.0.1:18091 \
  ORDERBOOK_DATABASE_URL="host=127.0.0.1 port=5432 user=postgres dbname=orderbook_smoke" \
  scripts/run.sh --reset --run-for 900 --feed-replicas 2 >"$smoke/run.out" 2>&1 &
pid=$!
# run.sh prints its URL block once every process answers: wait for that
# state (bounded), not for a time.
for _ in $(seq 1 180); do
  grep -q 'demo market' "$smoke/run.out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
# page_has PATTERN CURL-ARGS...: the answer, read whole, contains PATTERN.
# (`curl | grep -q` fails under pipefail whenever grep stops reading before
# curl has written everything: "curl: (23) Failed writing body".)
page_has() {
  local pattern=$1 body
  shift
  body=$(curl -fsS "$@") || return 1
  [[ "$body" == *"$pattern"* ]]
}
page_has '"market"' http://127.0.0.1:18080/api/markets || ok=""
page_has '"market"' http://127.0.0.1:18081/api/markets || ok=""
page_has '<title>Orderbook</title>' http://127.0.0.1:18081/ || ok=""
page_has '"ok"' -X POST -H 'content-type: application/json' \
  -d '{"jsonrpc":"2.0","id":1,"method":"getHealth"}' http://127.0.0.1:18899 || ok=""
# A wallet's round trip with web3.js through the replica: mint, deposit,
# place, see it indexed, cancel, withdraw.
ORDERBOOK_RPC_URL=http://127.0.0.1:18899 ORDERBOOK_FEED_URL=http://127.0.0.1:18081 \
  ORDERBOOK_MINT_AUTHORITY="$smoke/mint-authority.json" ORDERBOOK_MARKET="$(cat "$smoke/market")" \
  node tests/web3js/wallet.js || ok=""
# The same wallet on the sealed batch market: commit, reveal, filled at the batch's price.
ORDERBOOK_RPC_URL=http://127.0.0.1:18899 ORDERBOOK_FEED_URL=http://127.0.0.1:18081 \
  ORDERBOOK_MINT_AUTHORITY="$smoke/mint-authority.json" ORDERBOOK_BATCH_MARKET="$(cat "$smoke/batch-market")" \
  node tests/web3js/sealed-wallet.js || ok=""
# The same round trip from Python (anchorpy3 + solders, pinned in a venv):
# examples/python/README.md.
python3 -m venv "$smoke/venv"
"$smoke/venv/bin/pip" install -q --disable-pip-version-check -r examples/python/requirements.txt
ORDERBOOK_RPC_URL=http://127.0.0.1:18899 ORDERBOOK_MINT_AUTHORITY="$smoke/mint-authority.json" \
  ORDERBOOK_MARKET="$(cat "$smoke/market")" "$smoke/venv/bin/python" examples/python/trade.py || ok=""
# run.sh supervises: the node, killed with SIGKILL, is reported by name and
# restarted on its ledger while the rest run on and rejoin it (the reconcile
# below shows the indexer lost nothing).
pkill -KILL -f "orderbook-node --ledger $smoke/ledger" || ok=""
node_back=""
for _ in $(seq 1 120); do
  if grep -q '^\[run.sh\] node restarted' "$smoke/run.out" && page_has '"ok"' -X POST -H 'content-type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"getHealth"}' http://127.0.0.1:18899; then node_back=1; break; fi
  sleep 1
done
grep -q '^\[run.sh\] node killed by SIGKILL' "$smoke/run.out" || { echo "run.sh did not name the killed node" >&2; ok=""; }
[ -n "$node_back" ] || { echo "run.sh did not bring the node back" >&2; ok=""; }
# The batch demo's takers encrypt their orders to the local beacon and never
# reveal them: the keeper does (a state, bounded: the demo commits several
# a second).
revealed=""
for _ in $(seq 1 120); do
  if page_has 'outcome="revealed"' http://127.0.0.1:19464/metrics; then revealed=1; break; fi
  sleep 1
done
[ -n "$revealed" ] || { echo "the keeper revealed no encrypted order" >&2; ok=""; }
# Stopped when the wallets are done (a state, not a time; --run-for only
# bounds a hang): run.sh then quiesces the writers and reconciles.
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" || ok=""
grep -E '^(demo|reconcile)' "$smoke/run.out" || true
grep -q '^orderbook_reconcile_differences{.*} 0$' "$smoke/reconcile.prom" || ok=""
grep -q '^orderbook_reconcile_differences{.*} 0$' "$smoke/reconcile-batch.prom" || ok=""
grep -q 'standing by' "$smoke/logs/standby-indexer.log" || ok=""

[ -n "$ok" ] || { tail -n 40 "$smoke/run.out" "$smoke"/logs/*.log; echo "local exchange smoke run failed" >&2; exit 1; }
rm -rf "$smoke"

step "CU bench on real SBF (budgets enforced)"
cargo run --release --locked -q -p orderbook-cu-bench -- --so "$so" --batch-so "$batch_so"

# One closing line summing every cargo test binary, the node:test suites (TAP) and the mocha suite (the bench above is a check too:
# it exits non-zero when over budget, which fails this script before this line).
awk '/^test result:/ { p += $4; f += $6 } /^# (pass|fail) / { if ($2 == "pass") p += $3; else f += $3 }
     /^ +[0-9]+ passing/ { p += $1 } /^ +[0-9]+ failing/ { f += $1 }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
