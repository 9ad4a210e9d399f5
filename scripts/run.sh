#!/usr/bin/env bash
# The local exchange in the production topology, on one machine: four
# processes that talk only over loopback JSON-RPC / PubSub, as they would to
# a cluster.
#
#   orderbook-node     the chain: JSON-RPC on :8899, PubSub on :8900, ledger on disk
#   orderbook-app demo a demo market with simulated makers and takers, and a second
#                      one trading as a sealed batch auction (both resumed by later
#                      starts from the state directory; --reset makes new ones)
#   orderbook-keeper   cranks the markets (its keypair funded by the node's faucet)
#                      and reveals the batch market's encrypted orders
#   orderbook-beacon   a local drand-compatible beacon (1 s rounds) the batch
#                      market's takers encrypt their orders to
#   orderbook-app run  the indexer (into PostgreSQL, following PubSub) and the feed on :8080
#
# With --feed-replicas N (N >= 2) the read side is replicated as in
# production: Redis (scripts/redis.sh) carries every indexed batch; `run
# --redis-url` indexes and serves on :8080 from the streams, N-1 `orderbook-app
# feed` replicas serve on the next ports (:8081, ...: the same API, wallet
# transactions and web app), and a second indexer (`orderbook-app index`)
# stands by to take over if the first dies.
#
#   scripts/run.sh                 # resume the chain and the database of the last run
#   scripts/run.sh --reset         # a new chain and an emptied database
#   scripts/run.sh --run-for 30    # stop by itself after 30 s (CI's smoke run)
#   scripts/run.sh --feed-replicas 2
#
# A process that stops is reported by name (exit code or signal, and the end
# of its own log) and restarted with backoff while the others run on; after
# 5 quick failures in a row run.sh gives up (exit 1).
# Ctrl-C stops the demo and the keeper, reconciles the indexer with the chain
# (exit 1 on any difference), then stops the feed and the node.
#
# Environment (defaults): ORDERBOOK_STATE_DIR (~/.local/share/orderbook-local),
# ORDERBOOK_RPC_PORT (8899; PubSub is the next port), ORDERBOOK_LISTEN
# (127.0.0.1:8080), ORDERBOOK_KEEPER_METRICS (127.0.0.1:9464),
# ORDERBOOK_BEACON_LISTEN (127.0.0.1:8091),
# ORDERBOOK_DATABASE_URL (dbname=orderbook_local), ORDERBOOK_BUILD (release;
# "debug" reuses the test build), ORDERBOOK_SLOT_MS (400),
# ORDERBOOK_SKIP_WEB_BUILD (set: serve app/web/dist as it is; unset, it is
# rebuilt when its sources changed), REDIS_PORT
# (6379, with --feed-replicas; scripts/redis.sh keeps its password in
# REDIS_PASSWORD_FILE), ORDERBOOK_NODE_ALLOW_ORIGINS (the web pages allowed
# to call the node: by default the feeds' own pages; `*` allows any).
set -euo pipefail
cd "$(dirname "$0")/.."

reset=""
run_for=""
replicas=1
while [ $# -gt 0 ]; do
  case "$1" in
    --reset) reset=1 ;;
    --run-for) run_for="$2"; shift ;;
    --feed-replicas) replicas="$2"; shift ;;
    -h|--help) sed -n '2,44p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

case "$replicas" in
  ''|*[!0-9]*|0) echo "--feed-replicas takes a number >= 1, not '$replicas'" >&2; exit 2 ;;
esac

state="${ORDERBOOK_STATE_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/orderbook-local}"
rpc_port="${ORDERBOOK_RPC_PORT:-8899}"
ws_port=$((rpc_port + 1))
listen="${ORDERBOOK_LISTEN:-127.0.0.1:8080}"
keeper_metrics="${ORDERBOOK_KEEPER_METRICS:-127.0.0.1:9464}"
beacon_listen="${ORDERBOOK_BEACON_LISTEN:-127.0.0.1:8091}"
beacon_url="http://$beacon_listen"
database_url="${ORDERBOOK_DATABASE_URL:-host=127.0.0.1 port=5432 user=postgres dbname=orderbook_local}"
profile="${ORDERBOOK_BUILD:-release}"
rpc_url="http://127.0.0.1:$rpc_port"

listen_host="${listen%:*}"
listen_port="${listen##*:}"
replica_ports=()
for i in $(seq 1 $((replicas - 1))); do replica_ports+=($((listen_port + i))); done

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$rpc_port" "$ws_port" "$listen_port" "${keeper_metrics##*:}" "${beacon_listen##*:}" ${replica_ports[@]+"${replica_ports[@]}"}; do
  if port_taken "$port"; then
    echo "port $port is taken (another node or exchange running?); set ORDERBOOK_RPC_PORT / ORDERBOOK_LISTEN / ORDERBOOK_KEEPER_METRICS / ORDERBOOK_BEACON_LISTEN" >&2
    exit 2
  fi
done

# The exchange's database (created if missing), named as PostgreSQL's
# key=value connection string names it.
db_field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$database_url"; }
db_host=$(db_field host) db_port=$(db_field port) db_name=$(db_field dbname)
PGHOST="${db_host:-127.0.0.1}" PGPORT="${db_port:-5432}" ORDERBOOK_DB="${db_name:-orderbook_local}" scripts/postgres.sh
# The broker's URL carries its password: handed over in the environment,
# not on command lines any local user can list.
redis_env=()
if [ "$replicas" -gt 1 ]; then
  redis_url=$(scripts/redis.sh | tail -n 1)
  redis_env=("ORDERBOOK_REDIS_URL=$redis_url")
fi
if [ "$profile" = release ]; then
  # Only the four binaries it starts; cargo's own progress shows (and says
  # when it waits for another build's lock on target/).
  echo "building the node, keeper, beacon and app (release; a cold build takes a while, cargo's progress follows)…" >&2
  started=$SECONDS
  cargo build --release --locked --bin orderbook-node --bin orderbook-keeper --bin orderbook-beacon --bin orderbook-app
  echo "built in $((SECONDS - started)) s" >&2
fi
bin="target/$profile"
# The trading web app (app/web), built into app/web/dist and served by the
# feed: rebuilt when a source of it or of the TS client is newer than the
# build.
web_dir="app/web/dist"
web_stale() {
  [ -f "$web_dir/index.html" ] || return 0
  [ -n "$(find app/web/src app/web/index.html app/web/vite.config.ts app/web/package.json clients/ts/src clients/ts/package.json package-lock.json \
    -newer "$web_dir/index.html" -print -quit 2>/dev/null)" ]
}
if [ -n "${ORDERBOOK_SKIP_WEB_BUILD:-}" ]; then
  :
elif web_stale; then
  echo "building the web app…" >&2
  started=$SECONDS
  [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >&2
  npm run build -w clients/ts >/dev/null
  npm run build -w app/web >/dev/null
  echo "built the web app in $((SECONDS - started)) s" >&2
else
  echo "the web app is up to date ($web_dir)" >&2
fi
mkdir -p "$state"
logs="$state/logs"
mkdir -p "$logs"

# The supervisor's table: each process by name, with its pid (0 while it
# waits to be restarted), its log, when it started, its restarts in a row
# and when the next one is due.
declare -A sv_pid=() sv_log=() sv_started=() sv_restarts=() sv_due=()
stop_all() {
  for pid in "${sv_pid[@]}"; do [ "$pid" != 0 ] && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${sv_pid[@]}"; do [ "$pid" != 0 ] && wait "$pid" 2>/dev/null || true; done
}
trap 'stop_all' EXIT
# launch NAME LOG: start NAME (its start_NAME function, which execs the
# binary) with its output in LOG (emptied at the first start, appended to at
# a restart) and supervise it.
launch() {
  [ -n "${sv_log[$1]:-}" ] || : >"$2"
  "start_$1" >>"$2" 2>&1 &
  sv_pid[$1]=$!
  sv_log[$1]=$2
  sv_started[$1]=$SECONDS
  : "${sv_restarts[$1]:=0}"
}

# The pages allowed to call the node from a browser: the trading app as each
# feed serves it (the node refuses other origins; ORDERBOOK_NODE_ALLOW_ORIGINS
# replaces the list, `*` allows any page).
origins=""
for port in "$listen_port" ${replica_ports[@]+"${replica_ports[@]}"}; do
  origins+="${origins:+,}http://$listen_host:$port,http://localhost:$port,http://127.0.0.1:$port"
done
origins="${ORDERBOOK_NODE_ALLOW_ORIGINS:-$origins}"
# --reset applies to the first start only: a restarted node resumes its ledger.
node_reset=$reset
start_node() {
  exec "$bin/orderbook-node" --ledger "$state/ledger" --rpc-addr "127.0.0.1:$rpc_port" \
    --ws-addr "127.0.0.1:$ws_port" ${ORDERBOOK_SLOT_MS:+--slot-ms "$ORDERBOOK_SLOT_MS"} \
    --allow-origin "$origins" ${node_reset:+--reset}
}
# wait_url NAME URL: until URL answers (or NAME's process dies, printing its log).
wait_url() {
  for _ in $(seq 1 150); do
    curl -fsS "$2" >/dev/null 2>&1 && return 0
    kill -0 "${sv_pid[$1]}" 2>/dev/null || { cat "${sv_log[$1]}" >&2; exit 1; }
    sleep 0.2
  done
}
launch node "$logs/node.log"
wait_url node "$rpc_url/health"
node_reset=""

# The beacon the batch market's orders are encrypted to: its key is kept in
# the state directory, so the markets naming it keep working across runs.
start_beacon() {
  exec "$bin/orderbook-beacon" --listen "$beacon_listen" --period-secs 1 --state-file "$state/beacon.json"
}
launch beacon "$logs/beacon.log"
wait_url beacon "$beacon_url/info"

# wait_file NAME FILE: until FILE is written (or NAME's process dies).
wait_file() {
  for _ in $(seq 1 300); do
    [ -s "$2" ] && return 0
    kill -0 "${sv_pid[$1]}" 2>/dev/null || { cat "${sv_log[$1]}" >&2; exit 1; }
    sleep 0.2
  done
  echo "$2 was not written; see ${sv_log[$1]}" >&2
  exit 1
}

# The demos resume their markets (and traders) from the state directory
# when the chain still has them: across runs and when restarted.
if [ -n "$reset" ]; then
  rm -f "$state/market" "$state/batch-market" "$state/demo.json" "$state/batch-demo.json"
fi
# The continuous demo market starts at the smallest capacity the program
# takes (16 orders per side, 128 events) and grows under its own trading:
# the keeper below grows it (--grow-market) before a side or its queue fills.
start_demo() {
  exec "$bin/orderbook-app" demo --rpc-url "$rpc_url" --market-file "$state/market" \
    --mint-authority-file "$state/mint-authority.json" --resume-file "$state/demo.json" \
    --orders-per-side 16 --events 128
}
launch demo "$logs/demo.log"
wait_file demo "$state/market"
market=$(cat "$state/market")
# The second demo market trades as a sealed batch auction
# (docs/batch-auction.md), on the first one's tokens: one faucet funds both.
# It names the beacon; its takers encrypt their orders and the keeper
# reveals them (docs/encrypted-orders.md).
start_batch_demo() {
  exec "$bin/orderbook-app" demo --sealed-batch --rpc-url "$rpc_url" --market-file "$state/batch-market" \
    --mints-of "$market" --mint-authority "$state/mint-authority.json" --beacon-url "$beacon_url" \
    --resume-file "$state/batch-demo.json"
}
launch batch_demo "$logs/batch-demo.log"
wait_file batch_demo "$state/batch-market"
batch_market=$(cat "$state/batch-market")

start_keeper() {
  exec "$bin/orderbook-keeper" --rpc-url "$rpc_url" --keypair "$state/keeper.json" --airdrop-sol 10 \
    --metrics-addr "$keeper_metrics" --subsidize-market "$market,$batch_market" --beacon-url "$beacon_url" \
    --grow-market "$market"
}
launch keeper "$logs/keeper.log"

db_reset=$reset
start_app() {
  exec env ${redis_env[@]+"${redis_env[@]}"} "$bin/orderbook-app" run --rpc-url "$rpc_url" --listen "$listen" \
    --database-url "$database_url" --web-dir "$web_dir" --faucet-keypair "$state/mint-authority.json" --faucet-market "$market,$batch_market" \
    --public-beacon-url "$beacon_url" ${db_reset:+--reset-db}
}
launch app "$logs/app.log"
wait_url app "http://$listen/health"
db_reset=""

replica_lines=""
if [ "$replicas" -gt 1 ]; then
  start_standby_indexer() {
    exec env "${redis_env[@]}" "$bin/orderbook-app" index --rpc-url "$rpc_url" --database-url "$database_url" --market "$market"
  }
  launch standby_indexer "$logs/standby-indexer.log"
  start_feed() {
    exec env "${redis_env[@]}" "$bin/orderbook-app" feed --listen "$listen_host:$1" --database-url "$database_url" \
      --rpc-url "$rpc_url" --web-dir "$web_dir" --faucet-keypair "$state/mint-authority.json" --faucet-market "$market,$batch_market" \
      --public-beacon-url "$beacon_url"
  }
  for port in "${replica_ports[@]}"; do
    eval "start_feed_$port() { start_feed $port; }"
    launch "feed_$port" "$logs/feed-$port.log"
    wait_url "feed_$port" "http://$listen_host:$port/health"
    replica_lines+="  feed replica  http://$listen_host:$port/ (app)   ws://$listen_host:$port/ws   REST http://$listen_host:$port/api/markets
"
  done
  replica_lines+="  broker        ${redis_url%%//*}//${redis_url##*@}  (password: scripts/redis.sh's file; a standby indexer waits to take over: $logs/standby-indexer.log)
"
fi

cat <<EOF

  JSON-RPC URL  $rpc_url          (point web3.js, RpcClient or a wallet here)
  WebSocket URL ws://127.0.0.1:$ws_port
  trading app   http://$listen/   (the local wallet: Connect, Airdrop, Get test tokens)
  feed          ws://$listen/ws   REST http://$listen/api/markets
$replica_lines  demo market   $market
  batch market  $batch_market  (sealed batch auction on the same tokens, cleared by the keeper)
  beacon        $beacon_url/info  (drand's API, 1 s rounds; its one key can read every order encrypted to it: local use only)
  test tokens   $state/mint-authority.json  (mints the market's base and quote tokens)
  keeper        http://$keeper_metrics/metrics
  logs          $logs/
  ledger        $state/ledger  (kept across runs; --reset starts a new chain)

  Ctrl-C stops (the indexer is reconciled with the chain on the way out)

EOF

# The supervisor: a process that stops is reported by name (its exit code
# or signal, and the end of its own log) and restarted after a backoff
# (1, 2, 4, … 30 s) while the others keep running, as on a cluster. A process
# that keeps failing (MAX_RESTARTS in a row, each up less than a minute)
# stops the exchange.
MAX_RESTARTS=5
STABLE_SECS=60
# how_stopped STATUS: "exited with code N" or "killed by SIGNAME".
how_stopped() {
  if [ "$1" -gt 128 ]; then echo "killed by SIG$(kill -l "$(($1 - 128))")"; else echo "exited with code $1"; fi
}
reap() {
  local name=$1 status=0
  wait "${sv_pid[$name]}" 2>/dev/null || status=$?
  sv_pid[$name]=0
  echo "[run.sh] $name $(how_stopped "$status") after $((SECONDS - sv_started[$name])) s; the end of ${sv_log[$name]}:" >&2
  tail -n 12 "${sv_log[$name]}" | sed 's/^/  | /' >&2
  if [ $((SECONDS - sv_started[$name])) -ge "$STABLE_SECS" ]; then sv_restarts[$name]=0; fi
  sv_restarts[$name]=$((sv_restarts[$name] + 1))
  if [ "${sv_restarts[$name]}" -gt "$MAX_RESTARTS" ]; then
    echo "[run.sh] $name failed $MAX_RESTARTS times in a row, each within $STABLE_SECS s of starting: giving up (its log: ${sv_log[$name]})" >&2
    exit 1
  fi
  local delay=$((1 << (sv_restarts[$name] - 1)))
  [ "$delay" -gt 30 ] && delay=30
  sv_due[$name]=$((SECONDS + delay))
  echo "[run.sh] restarting $name in $delay s (restart ${sv_restarts[$name]} of at most $MAX_RESTARTS in a row)" >&2
}

interrupted=""
trap 'interrupted=1' INT TERM
deadline=""
[ -n "$run_for" ] && deadline=$((SECONDS + run_for))
while [ -z "$interrupted" ]; do
  for name in "${!sv_pid[@]}"; do
    if [ "${sv_pid[$name]}" = 0 ]; then
      if [ "$SECONDS" -ge "${sv_due[$name]}" ]; then
        echo "--- restarted by run.sh at $(date -u +%FT%TZ) ---" >>"${sv_log[$name]}"
        launch "$name" "${sv_log[$name]}"
        echo "[run.sh] $name restarted (pid ${sv_pid[$name]})" >&2
      fi
    elif ! kill -0 "${sv_pid[$name]}" 2>/dev/null; then
      reap "$name"
    fi
  done
  if [ -n "$deadline" ] && [ "$SECONDS" -ge "$deadline" ]; then break; fi
  sleep 1
done
trap - INT TERM

# Quiesce the chain's writers, then compare the indexer with the chain.
for name in demo batch_demo keeper; do
  pid=${sv_pid[$name]}
  sv_pid[$name]=0
  [ "$pid" != 0 ] && kill -TERM "$pid" 2>/dev/null && { wait "$pid" 2>/dev/null || true; }
done
grep -h '^demo:' "$logs/demo.log" | tail -n 1 || true
grep -h '^demo:' "$logs/batch-demo.log" | tail -n 1 || true
status=0
"$bin/orderbook-app" reconcile --rpc-url "$rpc_url" --market "$market" \
  --database-url "$database_url" --metrics-file "$state/reconcile.prom" || status=$?
"$bin/orderbook-app" reconcile --rpc-url "$rpc_url" --market "$batch_market" \
  --database-url "$database_url" --metrics-file "$state/reconcile-batch.prom" || status=$?
exit "$status"
