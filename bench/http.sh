#!/usr/bin/env bash
# HTTP benchmark with wrk on loopback: req/s, p50, p99, errors and the portal's peak
# RSS for the person's pages and forms, the processor API and the ingestion API, next
# to a no-I/O page rendered through the same layout (the ceiling on this machine).
#
#   bench/http.sh sqlite /tmp/portal-bench.X/portal.sqlite3
#   bench/http.sh postgres postgres://postgres@127.0.0.1:5432/bench_db
#
# The database must hold generated people (bench/import.sh); the demo people are added
# at start. The "typical person" is a generated person not used by an earlier run
# (PERSON to choose; GEN_DOMAIN, default example.test).
# DURATION (default 20s) per figure, at concurrency 8 and 64; ERASE_DURATION for the
# erasure filings, which make the tasks the confirm figures need (default DURATION).
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${1:?sqlite or postgres}
URL=${2:?database URL or path}
DURATION=${DURATION:-20s}
# The typical person: a generated one with the median 20 records, not used by an
# earlier run (each run writes to the person's history). PERSON chooses another.
typical="SELECT e.address FROM subject_emails e JOIN records r ON r.subject_id = e.subject_id \
  WHERE e.address LIKE 'person%' AND NOT EXISTS (SELECT 1 FROM rights_requests q WHERE q.subject_id = e.subject_id) \
  GROUP BY e.address HAVING count(*) = 20 ORDER BY e.address LIMIT 1 OFFSET $((RANDOM % 100))"
if [ -z "${PERSON:-}" ]; then
  case $BACKEND in
    sqlite) PERSON=$(sqlite3 "${URL#sqlite://}" "$typical") ;;
    *) PERSON=$(psql "$URL" -Atc "$typical") ;;
  esac
fi
PORT=${PORT:-18080}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d /tmp/portal-http.XXXXXX)
# BIN runs another build (an A/B comparison on copies of one database); by default the
# current source, built here.
BIN=${BIN:-target/release/privacy-portal}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 2; }
[ "$BIN" != target/release/privacy-portal ] || cargo build --release --quiet

export PORTAL_DATABASE_URL=$URL PORTAL_BIND=127.0.0.1:$PORT PORTAL_LOG__FILTER=error PORTAL_DEMO=true
# One secret per database, kept between runs (created on first use): mail an earlier
# run left queued is sealed with it and still goes out instead of being given up.
export PORTAL_SECURITY__SECRET_KEY_FILE=${PORTAL_SECURITY__SECRET_KEY_FILE:-/var/tmp/portal-bench-$(printf %s "$URL" | sha1sum | cut -c1-12).key}
export PORTAL_EMAIL__FILE_DIR=$WORK/mail PORTAL_SMTP_URL=
# One erasure ledger per database, kept between runs as a deployment keeps its ledger (a
# new one first catches up every erasure event earlier runs left in the audit trail).
export PORTAL_ERASURE_LEDGER__PATH=${PORTAL_ERASURE_LEDGER__PATH:-/var/tmp/portal-bench-$(printf %s "$URL" | sha1sum | cut -c1-12).ledger.jsonl}

t0=$(date +%s.%N)
"$BIN" serve > "$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -fs "$BASE/healthz" >/dev/null; do sleep 0.05; done
printf 'start-up on the existing database (migrations checked, catalog synced): %.2f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"

# The typical person's session, written the way the portal stores a signed-in one
# (bench/sessions.py). Signing in by e-mailed code here made runs wait, up to minutes,
# for the code mail behind the confirmations earlier runs queued; sign-in is measured
# and tested elsewhere.
read -r TOKEN _ < <(python3 bench/sessions.py "$BACKEND" "$URL" --address "$PERSON")
# PostgreSQL plans a prepared statement from the table statistics of the moment, and a
# pooled connection keeps that plan until the statistics change. After an import the
# tables this script fills start empty, so the first plans of the session lookup read
# the sessions table whole; autovacuum re-analyses a table once 10% of it changed, which
# drops those plans. A server with autovacuum off (as on the benchmark machine) never
# does: there the lookup read 120,000 sessions per request by the second filing figure
# (980 / 300 filings per second instead of 1,800 / 2,300). So with autovacuum off this
# script analyses those tables itself after filling them, as autovacuum would (BENCHMARKS.md).
settle_stats() {
  [ "$BACKEND" = postgres ] || return 0
  [ "$(psql "$URL" -Atc 'SHOW autovacuum')" = off ] || return 0
  psql "$URL" -qc "ANALYZE sessions, rights_requests, rights_request_items, propagation_tasks, outbox"
}
settle_stats
COOKIE="portal_session=$TOKEN"
csrf_of() { grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE/dashboard")" = 200 ] || { echo "sign-in failed" >&2; exit 1; }
CSRF=$(curl -s -H "Cookie: $COOKIE" "$BASE/preferences" | csrf_of)
REQ=$(curl -s -o /dev/null -w '%{redirect_url}' -H "Cookie: $COOKIE" --data "csrf=$CSRF&scope=all&statement=" "$BASE/requests/new/access" | sed 's|.*/requests/||')
PTOKEN=$("$BIN" tokens create --recipient crm-cloud --label bench 2>/dev/null)
ITOKEN=$("$BIN" tokens create --source bench --label bench 2>/dev/null)

ceiling=""
# user + nice + system + irq + softirq jiffies of all cores (/proc/stat).
busy_jiffies() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat; }
# Steal and all jiffies: the share of the run the hypervisor gave the cores to someone
# else (a tail that comes with steal is the host's, not the portal's).
steal_jiffies() { awk '/^cpu / {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit}' /proc/stat; }
run() { # name concurrency wrk-args...
  local name=$1 c=$2; shift 2
  echo 5 > "/proc/$PID/clear_refs" 2>/dev/null || true
  # The whole machine's busy time per request (portal, database and wrk): steadier than
  # req/s when the host is busy, and what a change to a page's cost moves.
  local busy0; busy0=$(busy_jiffies)
  local steal0; steal0=$(steal_jiffies)
  local out; out=$(wrk -t2 -c"$c" -d"${DURATION}" --latency "$@" 2>&1)
  local busy1; busy1=$(busy_jiffies)
  local steal; steal=$(echo "$steal0 $(steal_jiffies)" | awk '{ d = $4 - $2; printf "%.1f%%", (d > 0 ? 100 * ($3 - $1) / d : 0) }')
  local rps p50 p99 errors rss
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx/ {print $5}' <<<"$out"); errors=${errors:-0}
  local sockerr; sockerr=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' <<<"$out"); errors=$((errors + ${sockerr:-0}))
  rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$PID/status")
  sent=$(awk '/requests in/ {print $1}' <<<"$out")
  local cpu="-"; [ "${sent:-0}" -gt 0 ] && cpu=$(echo "scale=3; ($busy1 - $busy0) * 1000 / $(getconf CLK_TCK) / $sent" | bc)
  if [ "$name" = "ceiling" ] && [ "$c" = 8 ]; then ceiling=$rps; fi
  local frac="-"; [ -n "$ceiling" ] && frac=$(echo "scale=3; $rps / $ceiling" | bc)
  printf '%-22s c=%-3s %9s req/s  p50 %-9s p99 %-9s errors %-6s peak RSS %4s MiB  x ceiling %-6s CPU/req %s ms  steal %s\n' \
    "$name" "$c" "$rps" "$p50" "$p99" "$errors" "$rss" "$frac" "$cpu" "$steal"
}

# Request creation: a person has one open request of a kind per organisation, so each
# filing is by another person, signed in by bench/sessions.py (FILERS per run). A run wraps
# around to people who already filed once the list is used up (their filings are refused
# as duplicates and counted as errors): 60,000 covers 20 s at 3,000 filings per second.
FILERS=${FILERS:-60000}
file_requests() {
  for c in 8 64; do
    python3 bench/sessions.py "$BACKEND" "$URL" "$FILERS" > "$WORK/filers-$c"
    settle_stats
    TOKENS=$WORK/filers-$c BODY="scope=all&statement=" run request-create-access "$c" -s bench/wrk/per_person.lua "$BASE/requests/new/access"
  done
}

# One preference of the typical person, switched on and off by turns (ALTERNATE).
save_preferences() { # concurrency
  COOKIE=$COOKIE ALTERNATE=1 BODY="csrf=$CSRF&entity=claranet-benelux&channel=phone&granted=false" \
    run preference-save "$1" -s bench/wrk/post_form.lua "$BASE/preferences"
}

echo "backend $BACKEND, $DURATION per figure, person $PERSON (20 records), $(nproc) cores"
# ONLY runs one figure and stops: dashboard or request-status (c=8; for profiling with
# perf record while it runs), request-create, ingest or preference-save (c=8 and 64; for A/B
# runs of a write).
case ${ONLY:-} in
  "") ;;
  dashboard) echo "portal pid $PID"; run dashboard 8 -H "Cookie: $COOKIE" "$BASE/dashboard"; exit 0 ;;
  request-status) echo "portal pid $PID"; run request-status 8 -H "Cookie: $COOKIE" "$BASE/requests/$REQ"; exit 0 ;;
  request-create) file_requests; exit 0 ;;
  ingest) for c in 8 64; do TOKEN=$ITOKEN run ingest-upsert "$c" -s bench/wrk/ingest.lua "$BASE/api/ingest/v1/people"; done; exit 0 ;;
  preference-save) for c in 8 64; do save_preferences "$c"; done; exit 0 ;;
  *) echo "ONLY=$ONLY: dashboard, request-status, request-create, ingest or preference-save" >&2; exit 2 ;;
esac
# Reads first: the writes below add to the person's history (consent events, tasks),
# which the person's pages then show.
for c in 8 64; do
  run ceiling "$c" "$BASE/"
  run dashboard "$c" -H "Cookie: $COOKIE" "$BASE/dashboard"
  run request-status "$c" -H "Cookie: $COOKIE" "$BASE/requests/$REQ"
  run processor-task-list "$c" -H "Authorization: Bearer $PTOKEN" "$BASE/api/processor/v1/tasks?limit=50"
done
# READS_ONLY=1 stops here (comparisons of page cost across database sizes).
[ "${READS_ONLY:-0}" = 1 ] && exit 0
for c in 8 64; do
  save_preferences "$c"
  TOKEN=$ITOKEN run ingest-upsert "$c" -s bench/wrk/ingest.lua "$BASE/api/ingest/v1/people"
done
file_requests

# Processor confirms need open tasks: erasures decided when filed (restart with
# requests.auto_approve = erasure) make one task per recipient that received erased
# data; then each task is confirmed once over the API with its recipient's token.
kill $PID; wait $PID 2>/dev/null || true
PORTAL_REQUESTS__AUTO_APPROVE='["erasure"]' "$BIN" serve > "$WORK/serve2.log" 2>&1 &
PID=$!
until curl -fs "$BASE/healthz" >/dev/null; do
  kill -0 $PID 2>/dev/null || { echo "the portal did not start:" >&2; cat "$WORK/serve2.log" >&2; exit 1; }
  sleep 0.05
done
for c in 8 64; do
  python3 bench/sessions.py "$BACKEND" "$URL" "$FILERS" > "$WORK/erasers-$c"
  settle_stats
  TOKENS=$WORK/erasers-$c BODY="scope=all&statement=" DURATION=${ERASE_DURATION:-$DURATION} \
    run erasure-filed-and-done "$c" -s bench/wrk/per_person.lua "$BASE/requests/new/erasure"
done
open_tasks="SELECT r.key, t.public_id FROM propagation_tasks t JOIN recipients r ON r.id = t.recipient_id \
  WHERE t.status IN ('pending', 'delivered') ORDER BY t.id"
case $BACKEND in
  sqlite) sqlite3 -separator ' ' "${URL#sqlite://}" "$open_tasks" > "$WORK/open-tasks" ;;
  *) psql "$URL" -AtF ' ' -c "$open_tasks" > "$WORK/open-tasks" ;;
esac
: > "$WORK/tasks"
for key in $(cut -d' ' -f1 "$WORK/open-tasks" | sort -u); do
  token=$("$BIN" tokens create --recipient "$key" --label bench 2>/dev/null)
  awk -v k="$key" -v t="$token" '$1 == k {print t, $2}' "$WORK/open-tasks" >> "$WORK/tasks"
done
echo "open tasks to confirm: $(wc -l < "$WORK/tasks")"
half=$(( $(wc -l < "$WORK/tasks") / 2 ))
head -n "$half" "$WORK/tasks" > "$WORK/tasks-8"; tail -n +"$((half + 1))" "$WORK/tasks" > "$WORK/tasks-64"
# Each task can be confirmed once: CONFIRM_DURATION (default 10s) keeps the run within
# the tasks the erasures made; a repeat would be answered 409 and counted as an error.
for c in 8 64; do
  TASKS=$WORK/tasks-$c DURATION=${CONFIRM_DURATION:-10s} run processor-confirm "$c" -s bench/wrk/confirm.lua "$BASE"
  # Past its last task the script starts over, and a repeated Idempotency-Key is
  # answered from the stored answer: fast, and not a confirm.
  have=$(wc -l < "$WORK/tasks-$c")
  [ "$sent" -le "$have" ] || echo "  NOT VALID: $sent confirms sent for $have tasks; use a shorter CONFIRM_DURATION or a longer ERASE_DURATION"
done
