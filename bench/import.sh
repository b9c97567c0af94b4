#!/usr/bin/env bash
# Bulk-import benchmark: generates N synthetic people (default 100,000) and imports
# them into a fresh SQLite file and a fresh PostgreSQL database, reporting wall time,
# rows per second, peak RSS and database size. Needs GNU time (Debian package `time`).
#
#   bench/import.sh            # 100,000 people
#   PEOPLE=1000000 bench/import.sh
#   PG_URL=postgres://postgres@127.0.0.1:5432 bench/import.sh
#   KEEP=1 WORK=/var/tmp/bench1m PEOPLE=1000000 bench/import.sh   # keep both databases
set -euo pipefail
cd "$(dirname "$0")/.."

PEOPLE=${PEOPLE:-100000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
WORK=${WORK:-$(mktemp -d /tmp/portal-bench.XXXXXX)}
BACKENDS=${BACKENDS:-sqlite postgres}   # BACKENDS=postgres imports into PostgreSQL only
# BIN=/path/to/a/copy imports with that binary (no build), so the tree can be rebuilt meanwhile.
BIN=${BIN:-target/release/privacy-portal}

[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
[ "$BIN" != target/release/privacy-portal ] || cargo build --release --quiet
export PORTAL_DEMO=false PORTAL_LOG__FILTER=warn
export PORTAL_SECURITY__SECRET_KEY=${PORTAL_SECURITY__SECRET_KEY:-$(head -c 32 /dev/urandom | base64)}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)   people: $PEOPLE   work dir: $WORK"

start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$WORK/gen.rss" "$BIN" generate --people "$PEOPLE" --seed 42 --out "$WORK/people.jsonl"
gen_secs=$(echo "$(date +%s.%N) - $start" | bc)
lines=$(wc -l < "$WORK/people.jsonl")
records=$(grep -o '"field"' "$WORK/people.jsonl" | wc -l)
printf 'generate: %d people, %d records, %s MiB in %.1f s, peak RSS %d MiB\n' \
  "$lines" "$records" "$(( $(stat -c %s "$WORK/people.jsonl") / 1048576 ))" "$gen_secs" "$(( $(cat "$WORK/gen.rss") / 1024 ))"

run_import() { # backend url
  local backend=$1 url=$2
  PORTAL_DATABASE_URL=$url "$BIN" migrate >/dev/null
  local t0; t0=$(date +%s.%N)
  set +e
  PORTAL_DATABASE_URL=$url /usr/bin/time -f "%M" -o "$WORK/$backend.rss" \
    "$BIN" import "$WORK/people.jsonl" --no-progress --source bench >"$WORK/$backend.out" 2>"$WORK/$backend.err"
  local rc=$?
  set -e
  local secs; secs=$(echo "$(date +%s.%N) - $t0" | bc)
  [ $rc -eq 0 ] || { echo "$backend: import exited $rc"; cat "$WORK/$backend.out" "$WORK/$backend.err"; exit 1; }
  printf '%-8s import: %.1f s, %.0f people/s, %.0f records/s, peak RSS %d MiB' \
    "$backend" "$secs" "$(echo "$lines / $secs" | bc -l)" "$(echo "$records / $secs" | bc -l)" "$(( $(cat "$WORK/$backend.rss") / 1024 ))"
}

if [[ " $BACKENDS " == *" sqlite "* ]]; then
  run_import sqlite "$WORK/portal.sqlite3"
  printf ', database %d MiB\n' "$(( $(stat -c %s "$WORK/portal.sqlite3") / 1048576 ))"
fi
[[ " $BACKENDS " == *" postgres "* ]] || exit 0

db="bench_import_$$"
psql "$PG_URL/postgres" -qc "CREATE DATABASE $db" >/dev/null
# KEEP=1 keeps the PostgreSQL database for bench/http.sh (its URL is printed).
if [ "${KEEP:-0}" = 1 ]; then
  echo "postgres database kept: $PG_URL/$db"
else
  trap 'psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
fi
run_import postgres "$PG_URL/$db"
printf ', database %s\n' "$(psql "$PG_URL/$db" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")"
# What an operator runs after a bulk load (autovacuum gets there later): statistics for
# the planner, and the visibility map that lets index-only scans skip the table (the
# dashboard's purposes join fetched every row from the heap before it).
t0=$(date +%s.%N)
psql "$PG_URL/$db" -qc "VACUUM (ANALYZE)"
printf 'postgres VACUUM (ANALYZE) after the import: %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
[ -f "$WORK/sqlite.out" ] && grep -h 'created' "$WORK/sqlite.out" | sed 's/^/sqlite  /'
grep -h 'created' "$WORK/postgres.out" | sed 's/^/postgres/'
