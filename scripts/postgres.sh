#!/usr/bin/env bash
# Make sure PostgreSQL answers on $PGHOST:$PGPORT (default 127.0.0.1:5432) and
# that database $ORDERBOOK_DB (default `test`) exists. Starts the local
# cluster if it is installed but stopped; on a machine without PostgreSQL,
# installs Debian's package and allows password-less connections from
# 127.0.0.1 (a development setup: never do that on a shared host).
set -euo pipefail
HOST="${PGHOST:-127.0.0.1}"
PORT="${PGPORT:-5432}"
DB="${ORDERBOOK_DB:-test}"
LOG_TAG=postgres
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "PostgreSQL not installed"
    apt_install postgresql
    conf=$(ls -d /etc/postgresql/*/main | sort -V | tail -n 1)
    echo "host all all 127.0.0.1/32 trust" | as_root tee -a "$conf/pg_hba.conf" >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting cluster $version/main"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do
    pg_isready -q -h "$HOST" -p "$PORT" && break
    sleep 1
  done
  pg_isready -q -h "$HOST" -p "$PORT" || die "PostgreSQL does not answer on $HOST:$PORT"
fi
if ! psql -h "$HOST" -p "$PORT" -U postgres -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  log "creating database $DB"
  psql -h "$HOST" -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE \"$DB\"" >/dev/null
fi
log "ready: $HOST:$PORT database $DB"
