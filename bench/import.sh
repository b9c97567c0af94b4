#!/usr/bin/env bash
# Bulk-import benchmark: generates N synthetic people (default 100,000) and imports
# them into a fresh SQLite file and a fresh PostgreSQL database, reporting wall time,
# rows per second, peak RSS and database size. Needs GNU time (Debian package `time`).
#
#   bench/import.sh            # 100,000 people
#   PEOPLE=1000000 bench/import.sh
#   PG_URL=postgres://postgres@127.0.0.1:5432 bench/import.sh
#   KEEP=1 WORK=/var/tmp/bench1m PEOPLE=1000000 bench/import.sh   # keep both databases
#   REUSE=1 WORK=/var/tmp/bench1m BACKENDS=postgres bench/import.sh  # import the file generated before
set -euo pipefail
cd "$(dirname "$0")/.."

PEOPLE=${PEOPLE:-100000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
WORK=${WORK:-$(mktemp -d /tmp/portal-bench.XXXXXX)}
BACKENDS=${BACKENDS:-sqlite postgres}   # BACKENDS=postgres imports into PostgreSQL only
# PG_JOBS (default 4): the PostgreSQL import runs as that many `import` processes at once,
# each over a slice of the file (people are distinct, so the slices never touch the same
# person). Audited writes commit side by side since audit events are linked after commit;
# before, every process waited for the audit chain's lock and four ran as slowly as one.
# SQLite has one writer: its import is always one process.
PG_JOBS=${PG_JOBS:-4}
# BIN=/path/to/a/copy imports with that binary (no build), so the tree can be rebuilt meanwhile.
BIN=${BIN:-target/release/privacy-portal}

[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
[ "$BIN" != target/release/privacy-portal ] || cargo build --release --quiet
export PORTAL_DEMO=false PORTAL_LOG__FILTER=warn
export PORTAL_SECURITY__SECRET_KEY=${PORTAL_SECURITY__SECRET_KEY:-$(head -c 32 /dev/urandom | base64)}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)   people: $PEOPLE   work dir: $WORK"

# REUSE=1 imports the people.jsonl already in WORK (from an earlier run, or a hard link
# to one) instead of generating it again: the generator is seeded, so it is the same file.
if [ "${REUSE:-0}" = 1 ] && [ -s "$WORK/people.jsonl" ]; then
  lines=$(wc -l < "$WORK/people.jsonl")
  records=$(grep -o '"field"' "$WORK/people.jsonl" | wc -l)
  printf 'generate: reused %s (%d people, %d records)\n' "$WORK/people.jsonl" "$lines" "$records"
else
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$WORK/gen.rss" "$BIN" generate --people "$PEOPLE" --seed 42 --out "$WORK/people.jsonl"
  gen_secs=$(echo "$(date +%s.%N) - $start" | bc)
  lines=$(wc -l < "$WORK/people.jsonl")
  records=$(grep -o '"field"' "$WORK/people.jsonl" | wc -l)
  printf 'generate: %d people, %d records, %s MiB in %.1f s, peak RSS %d MiB\n' \
    "$lines" "$records" "$(( $(stat -c %s "$WORK/people.jsonl") / 1048576 ))" "$gen_secs" "$(( $(cat "$WORK/gen.rss") / 1024 ))"
fi

run_import() { # backend url jobs
  local backend=$1 url=$2 jobs=${3:-1}
  PORTAL_DATABASE_URL=$url "$BIN" migrate >/dev/null
  local inputs=("$WORK/people.jsonl")
  if [ "$jobs" -gt 1 ]; then
    # The catalog is synced once, by an empty import, before the processes start:
    # several syncing it at once into an empty database would collide.
    : > "$WORK/empty.jsonl"
    PORTAL_DATABASE_URL=$url "$BIN" import "$WORK/empty.jsonl" --no-progress --source bench >/dev/null 2>&1
    rm -f "$WORK"/slice.*
    split -n "l/$jobs" -d -a 3 "$WORK/people.jsonl" "$WORK/slice."
    inputs=("$WORK"/slice.*)
  fi
  local t0; t0=$(date +%s.%N)
  local pids=() i=0
  for input in "${inputs[@]}"; do
    PORTAL_DATABASE_URL=$url /usr/bin/time -f "%M" -o "$WORK/$backend.rss.$i" \
      "$BIN" import "$input" --no-progress --source bench >"$WORK/$backend.out.$i" 2>"$WORK/$backend.err.$i" &
    pids+=($!)
    i=$((i + 1))
  done
  local failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  local secs; secs=$(echo "$(date +%s.%N) - $t0" | bc)
  cat "$WORK/$backend".out.* > "$WORK/$backend.out"
  [ $failed -eq 0 ] || { echo "$backend: an import exited non-zero"; cat "$WORK/$backend".out.* "$WORK/$backend".err.*; exit 1; }
  local rss; rss=$(sort -n "$WORK/$backend".rss.* | tail -1)
  printf '%-8s import: %.1f s, %.0f people/s, %.0f records/s, peak RSS %d MiB (%d process(es))' \
    "$backend" "$secs" "$(echo "$lines / $secs" | bc -l)" "$(echo "$records / $secs" | bc -l)" "$(( rss / 1024 ))" "$jobs"
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
run_import postgres "$PG_URL/$db" "$PG_JOBS"
printf ', database %s\n' "$(psql "$PG_URL/$db" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")"
# What an operator runs after a bulk load (autovacuum gets there later): statistics for
# the planner, and the visibility map that lets index-only scans skip the table (the
# dashboard's purposes join fetched every row from the heap before it).
t0=$(date +%s.%N)
psql "$PG_URL/$db" -qc "VACUUM (ANALYZE)"
printf 'postgres VACUUM (ANALYZE) after the import: %.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
# One summary line per process: created · updated · unchanged · suppressed · rejected, summed.
summary() { # backend
  grep -h 'created' "$WORK/$1.out" | awk -v b="$1" '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) n[++k % 5] += $i }
    END { printf "%-8s created %d · updated %d · unchanged %d · suppressed %d · rejected %d\n", b, n[1], n[2], n[3], n[4], n[0] }'
}
[ -f "$WORK/sqlite.out" ] && summary sqlite
summary postgres
