#!/usr/bin/env bash
# Instructions per request under valgrind's callgrind: a figure that does not move with
# what else the machine is doing, for A/B comparisons of two builds (BIN=...).
#
#   bench/callgrind.sh sqlite /var/tmp/bench20k/portal.sqlite3            # dashboard
#   BIN=/var/tmp/portal-base bench/callgrind.sh postgres postgres://postgres@127.0.0.1:5432/db
#   WHAT=request-create bench/callgrind.sh sqlite …                        # filing an access request
#
# The portal runs under callgrind (about fifty times slower); after WARMUP requests the
# counters are zeroed, then N requests are sent one at a time with curl and the counts
# dumped. Prints the portal's instructions per request (all threads: web workers,
# database threads and the background jobs that ran meanwhile). Needs valgrind (on every
# machine here) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${1:?sqlite or postgres}
URL=${2:?database URL or path}
WHAT=${WHAT:-dashboard}
N=${N:-200}
WARMUP=${WARMUP:-20}
PORT=${PORT:-18090}
BASE="http://127.0.0.1:$PORT"
BIN=${BIN:-target/release/privacy-portal}
WORK=$(mktemp -d /tmp/portal-callgrind.XXXXXX)
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
[ "$BIN" != target/release/privacy-portal ] || cargo build --release --quiet

export PORTAL_DATABASE_URL=$URL PORTAL_BIND=127.0.0.1:$PORT PORTAL_LOG__FILTER=error PORTAL_DEMO=false
export PORTAL_SECURITY__SECRET_KEY_FILE=${PORTAL_SECURITY__SECRET_KEY_FILE:-/var/tmp/portal-bench-$(printf %s "$URL" | sha1sum | cut -c1-12).key}
export PORTAL_EMAIL__FILE_DIR=$WORK/mail PORTAL_SMTP_URL= PORTAL_ERASURE_LEDGER__PATH=$WORK/erasure-ledger.jsonl

valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$BIN" serve > "$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -fs "$BASE/healthz" >/dev/null; do sleep 0.5; done

case $WHAT in
  dashboard)
    read -r TOKEN _ < <(python3 bench/sessions.py "$BACKEND" "$URL" 1)
    one() { curl -fs -o /dev/null -H "Cookie: portal_session=$TOKEN" "$BASE/dashboard"; } ;;
  request-create)
    python3 bench/sessions.py "$BACKEND" "$URL" $((N + WARMUP)) > "$WORK/filers"
    exec 3< "$WORK/filers"
    one() {
      local token csrf; read -r token csrf <&3
      [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: portal_session=$token" \
        --data "csrf=$csrf&scope=all&statement=" "$BASE/requests/new/access")" = 303 ]
    } ;;
  *) echo "WHAT=$WHAT: dashboard or request-create" >&2; exit 2 ;;
esac

for _ in $(seq "$WARMUP"); do one; done
callgrind_control -z "$PID" >/dev/null
for _ in $(seq "$N"); do one; done
callgrind_control -d "$PID" >/dev/null
total=$(callgrind_annotate "$WORK"/cg.out.* 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
printf '%s %s: %s instructions per request (%d requests, build %s)\n' "$BACKEND" "$WHAT" \
  "$(echo "$total / $N" | bc)" "$N" "$BIN"
