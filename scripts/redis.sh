#!/usr/bin/env bash
# Make sure Redis (the broker between indexers and feed replicas) answers on
# $REDIS_HOST:$REDIS_PORT (default 127.0.0.1:6379). Installs Debian's
# redis-server package when missing and starts a server when none answers
# (a development setup: no password, loopback only, no persistence, so a
# restart starts with empty streams, which the replicas handle by catching
# up from PostgreSQL). Prints the URL on its last line.
set -euo pipefail
HOST="${REDIS_HOST:-127.0.0.1}"
PORT="${REDIS_PORT:-6379}"
DIR="${REDIS_DIR:-${TMPDIR:-/tmp}/orderbook-redis-$PORT}"
LOG_TAG=redis
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

answers() { redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null | grep -q PONG; }

if ! command -v redis-server >/dev/null; then
  log "Redis not installed"
  apt_install redis-server
fi
if ! answers; then
  mkdir -p "$DIR"
  log "starting redis-server on $HOST:$PORT (files in $DIR)"
  redis-server --bind "$HOST" --port "$PORT" --dir "$DIR" --save "" --appendonly no \
    --daemonize yes --logfile "$DIR/redis.log" --pidfile "$DIR/redis.pid" >&2
  for _ in $(seq 1 50); do
    answers && break
    sleep 0.1
  done
  answers || die "Redis does not answer on $HOST:$PORT (see $DIR/redis.log)"
fi
log "ready: $HOST:$PORT"
echo "redis://$HOST:$PORT"
