#!/usr/bin/env python3
"""Signed-in sessions for many generated people, for load that needs one person per
request (filing rights requests: one open request of a kind per organisation).

Benchmark harness only: it writes complete sessions straight into the database, the way
the portal stores them (SHA-256 of a random token, a CSRF token, signed in just now), so
that wrk can post as thousands of people without thousands of e-mailed codes. Sign-in
itself is measured and tested elsewhere.

    bench/sessions.py sqlite /tmp/x/portal.sqlite3 20000 > tokens.txt
    bench/sessions.py postgres postgres://postgres@127.0.0.1:5432/db 20000 > tokens.txt

    bench/sessions.py postgres postgres://… --address person00042@example.test

Prints one line per session: `<cookie value> <csrf token>`. People are generated ones
(addresses person…) with no rights request (one left over by an earlier run, who has
a session already, gets another); with --address, the one person of that address (the typical person of bench/http.sh, whose sign-in by e-mailed
code would wait behind the mail earlier runs queued).
"""
import datetime
import hashlib
import secrets
import subprocess
import sys

backend, url, which = sys.argv[1], sys.argv[2], sys.argv[3]
if which == "--address":
    address = sys.argv[4].replace("'", "''")
    count = 1
    PICK = f"SELECT subject_id FROM subject_emails WHERE address = '{address}'"
else:
    count = int(which)
    PICK = (
        "SELECT e.subject_id FROM subject_emails e WHERE e.address LIKE 'person%' "
        "AND NOT EXISTS (SELECT 1 FROM rights_requests q WHERE q.subject_id = e.subject_id) "
        f"ORDER BY e.subject_id LIMIT {count}"
    )
now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
expires = now + datetime.timedelta(hours=12)
ts = lambda t: t.strftime("%Y-%m-%d %H:%M:%S")


made = []  # (token, csrf), printed once the sessions are committed (a reader may use one at once)


def rows(subjects):
    for subject in subjects:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        made.append((token, csrf))
        yield (hashlib.sha256(token.encode()).hexdigest(), subject, csrf)


if backend == "sqlite":
    import sqlite3

    db = sqlite3.connect(url.removeprefix("sqlite://"), timeout=30)
    subjects = [r[0] for r in db.execute(PICK)]
    with db:
        db.executemany(
            "INSERT INTO sessions (token_hash, stage, subject_id, csrf_token, user_agent, created_at, last_seen_at, "
            "authenticated_at, expires_at, auth_method) VALUES (?, 'complete', ?, ?, 'bench', ?, ?, ?, ?, 'email_code')",
            [(h, s, c, ts(now), ts(now), ts(now), ts(expires)) for h, s, c in rows(subjects)],
        )
else:
    out = subprocess.run(["psql", url, "-Atc", PICK], check=True, capture_output=True, text=True).stdout
    subjects = [int(line) for line in out.split()]
    sql = ["BEGIN;"]
    for h, s, c in rows(subjects):
        sql.append(
            "INSERT INTO sessions (token_hash, stage, subject_id, csrf_token, user_agent, created_at, last_seen_at, "
            f"authenticated_at, expires_at, auth_method) VALUES ('{h}', 'complete', {s}, '{c}', 'bench', "
            f"'{ts(now)}', '{ts(now)}', '{ts(now)}', '{ts(expires)}', 'email_code');"
        )
    sql.append("COMMIT;")
    subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1"], input="\n".join(sql), check=True, text=True)
for token, csrf in made:
    print(token, csrf)
if len(subjects) < count:
    print(f"only {len(subjects)} people available", file=sys.stderr)
