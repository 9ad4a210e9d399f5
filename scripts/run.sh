#!/usr/bin/env bash
# The main job: the embedded local exchange — an in-process chain running the
# program, a demo market with simulated makers and takers, the keeper, the
# indexer into the local PostgreSQL and the feed on localhost (URLs printed).
# Ctrl-C stops it (after reconciling the indexer with the chain).
#
#   scripts/run.sh                                  # embedded, feed on 127.0.0.1:8080
#   scripts/run.sh --listen 127.0.0.1:9000 --makers 5
#   scripts/run.sh --rpc-url http://127.0.0.1:8899  # index + serve a real cluster / test validator
#
# Every flag: scripts/run.sh --help. PostgreSQL is started (or installed) by
# scripts/postgres.sh; the binary creates its database if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/postgres.sh
echo "building orderbook-app (release; the first build takes a few minutes)…" >&2
cargo build --release --locked -q -p orderbook-app --bin orderbook-app
exec target/release/orderbook-app "$@"
