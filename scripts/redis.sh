#!/usr/bin/env bash
# Make sure Redis (the broker between indexers and feed replicas) answers on
# $REDIS_HOST:$REDIS_PORT (default 127.0.0.1:6379). Installs Debian's
# redis-server package when missing and starts a server when none answers:
# loopback only, no persistence (a restart starts with empty streams, which
# the replicas handle by catching up from PostgreSQL), and a password
# generated on first use into $REDIS_PASSWORD_FILE (default
# $REDIS_DIR/password, mode 600), since anyone who can write a stream can
# feed the replicas. Prints the URL, with the password, on its last line.
set -euo pipefail
HOST="${REDIS_HOST:-127.0.0.1}"
PORT="${REDIS_PORT:-6379}"
DIR="${REDIS_DIR:-${TMPDIR:-/tmp}/orderbook-redis-$PORT}"
PASSWORD_FILE="${REDIS_PASSWORD_FILE:-$DIR/password}"
LOG_TAG=redis
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! command -v redis-server >/dev/null; then
  log "Redis not installed"
  apt_install redis-server
fi
mkdir -p "$DIR" "$(dirname "$PASSWORD_FILE")"
if [ ! -s "$PASSWORD_FILE" ]; then
  (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$PASSWORD_FILE")
  log "generated the broker's password into $PASSWORD_FILE"
fi
password=$(cat "$PASSWORD_FILE")

ping() { REDISCLI_AUTH="$1" redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null | grep -q PONG; }

# Without a password first: a server that has none also answers a PING
# after a failed AUTH, and a URL with a password would then not connect.
if ping ""; then
  # A server someone else started without a password: usable, but any
  # local process can forge stream entries (the replicas check each one).
  log "warning: the Redis on $HOST:$PORT has no password; stop it to let this script start one with $PASSWORD_FILE"
  echo "redis://$HOST:$PORT"
  exit 0
fi
if ping "$password"; then
  log "ready: $HOST:$PORT (password from $PASSWORD_FILE)"
  echo "redis://:$password@$HOST:$PORT"
  exit 0
fi
if redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null | grep -q NOAUTH; then
  die "the Redis on $HOST:$PORT wants a password other than $PASSWORD_FILE's (set REDIS_PASSWORD_FILE, or another REDIS_PORT)"
fi
log "starting redis-server on $HOST:$PORT (files in $DIR)"
# The password goes through stdin, not argv (which any user can list).
printf 'requirepass %s\n' "$password" |
  redis-server - --bind "$HOST" --port "$PORT" --dir "$DIR" --save "" --appendonly no \
    --daemonize yes --logfile "$DIR/redis.log" --pidfile "$DIR/redis.pid" >&2
for _ in $(seq 1 50); do
  ping "$password" && break
  sleep 0.1
done
ping "$password" || die "Redis does not answer on $HOST:$PORT (see $DIR/redis.log)"
log "ready: $HOST:$PORT (password from $PASSWORD_FILE)"
echo "redis://:$password@$HOST:$PORT"
