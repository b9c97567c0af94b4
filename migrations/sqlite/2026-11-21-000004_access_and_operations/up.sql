-- Sign-in, sessions, machine tokens, the outbox and the audit chain.

-- Authenticator apps (TOTP). Exactly one owner; the seed is encrypted with a key from config.
CREATE TABLE authenticators (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER UNIQUE REFERENCES subjects (id),
    staff_user_id INTEGER UNIQUE REFERENCES staff_users (id),
    processor_user_id INTEGER UNIQUE REFERENCES processor_users (id),
    secret_enc BLOB NOT NULL,
    last_used_step BIGINT,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    CHECK ((CASE WHEN subject_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN staff_user_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN processor_user_id IS NULL THEN 0 ELSE 1 END) = 1)
);

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    authenticator_id INTEGER NOT NULL REFERENCES authenticators (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP,
    UNIQUE (authenticator_id, code_hash)
);

-- Bearer tokens for machines. Only a hash is stored; the prefix identifies a token in logs.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('processor', 'ingest')),
    recipient_id INTEGER REFERENCES recipients (id),
    source_system TEXT,
    entity_scope TEXT,
    label TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    CHECK ((kind = 'processor') = (recipient_id IS NOT NULL)),
    CHECK ((kind = 'ingest') = (source_system IS NOT NULL))
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    stage TEXT NOT NULL CHECK (stage IN ('anonymous', 'second_factor', 'complete')),
    subject_id INTEGER REFERENCES subjects (id),
    staff_user_id INTEGER REFERENCES staff_users (id),
    processor_user_id INTEGER REFERENCES processor_users (id),
    csrf_token TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    authenticated_at TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    auth_method TEXT CHECK (auth_method IS NULL OR auth_method IN ('email_code', 'oidc')),
    oidc_provider TEXT,
    -- The ID token, encrypted, kept only as id_token_hint for RP-initiated logout.
    id_token_enc BLOB,
    acting_for_subject_id INTEGER REFERENCES subjects (id),
    acting_until TIMESTAMP,
    revoked_at TIMESTAMP,
    CHECK ((CASE WHEN subject_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN staff_user_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN processor_user_id IS NULL THEN 0 ELSE 1 END) = (CASE WHEN stage = 'anonymous' THEN 0 ELSE 1 END)),
    CHECK ((acting_for_subject_id IS NULL) = (acting_until IS NULL)),
    CHECK (acting_for_subject_id IS NULL OR staff_user_id IS NOT NULL)
);
CREATE INDEX sessions_subject ON sessions (subject_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- E-mailed one-time codes. Only a keyed hash of the code is stored (OTP-05).
CREATE TABLE otp_challenges (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('subject_sign_in', 'staff_sign_in', 'processor_sign_in', 'caller_verification')),
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    subject_id INTEGER REFERENCES subjects (id),
    staff_user_id INTEGER REFERENCES staff_users (id),
    processor_user_id INTEGER REFERENCES processor_users (id),
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL CHECK (attempts >= 0),
    consumed_at TIMESTAMP,
    CHECK (expires_at > created_at)
);
CREATE INDEX otp_challenges_session ON otp_challenges (session_id);

-- OpenID Connect logins in flight: state, nonce and PKCE verifier, single use.
CREATE TABLE oidc_logins (
    id INTEGER PRIMARY KEY,
    state_hash TEXT NOT NULL UNIQUE,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    consumed_at TIMESTAMP
);

-- Fixed-window counters for rate limits, shared by every instance.
CREATE TABLE rate_limits (
    bucket TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL CHECK (hits >= 0),
    PRIMARY KEY (bucket, window_start)
);

-- Transactional outbox: e-mails and webhooks written with the change that causes them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
    dedupe_key TEXT UNIQUE,
    payload BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    available_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    attempts INTEGER NOT NULL CHECK (attempts >= 0),
    locked_until TIMESTAMP,
    locked_by TEXT,
    last_error TEXT,
    sent_at TIMESTAMP,
    failed_at TIMESTAMP,
    CHECK (sent_at IS NULL OR failed_at IS NULL)
);
CREATE INDEX outbox_pending ON outbox (available_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Hash-chained, append-only audit trail. Payloads hold ids, never personal values.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('subject', 'staff', 'processor', 'source', 'system')),
    actor_id TEXT,
    action TEXT NOT NULL,
    subject_id INTEGER REFERENCES subjects (id),
    target_kind TEXT,
    target_id TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_events_subject ON audit_events (subject_id, occurred_at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
