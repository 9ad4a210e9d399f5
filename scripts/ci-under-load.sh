#!/usr/bin/env bash
# The whole of scripts/test.sh (what CI runs) while a second load keeps the
# CPUs and the disk busy: stress-ng --cpu N --hdd 1 --hdd-bytes 1g (Debian's
# stress-ng, installed on first use). A test that asserts how much happened
# within a time fails here; a test that waits for the state it needs passes.
#
#   scripts/ci-under-load.sh            # one run
#   scripts/ci-under-load.sh --runs 3   # three in a row, stops at the first failure
#
# STRESS_CPUS (default: every core) and STRESS_HDD_BYTES (default 1g) size
# the load. The disk worker writes under target/ (the disk the builds, the
# node's ledger and PostgreSQL use here; /tmp may be memory), removed after.
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=ci-under-load
. scripts/lib.sh

runs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="${2:?--runs takes a number}"; shift 2 ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs takes a whole number from 1, not $runs"

command -v stress-ng >/dev/null || apt_install stress-ng
cpus="${STRESS_CPUS:-$(nproc)}"
hdd_bytes="${STRESS_HDD_BYTES:-1g}"
mkdir -p target
scratch=$(mktemp -d "$PWD/target/ci-under-load.XXXXXX")
stress_pid=""
stop_stress() {
  if [ -n "$stress_pid" ]; then
    kill -TERM "$stress_pid" 2>/dev/null || true
    wait "$stress_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap stop_stress EXIT

# The load runs for as long as the tests do (--timeout 0: no end of its own).
stress-ng --cpu "$cpus" --hdd 1 --hdd-bytes "$hdd_bytes" --temp-path "$scratch" \
  --timeout 0 --quiet &
stress_pid=$!
log "load: stress-ng --cpu $cpus --hdd 1 --hdd-bytes $hdd_bytes (pid $stress_pid)"

for run in $(seq 1 "$runs"); do
  started=$(date +%s)
  log "run $run of $runs: scripts/test.sh"
  if ! scripts/test.sh; then
    die "run $run of $runs failed under load after $(($(date +%s) - started)) s"
  fi
  log "run $run of $runs passed under load in $(($(date +%s) - started)) s"
done
log "all $runs runs passed under load"
