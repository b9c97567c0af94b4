-- People and what is held about them.

CREATE TABLE subjects (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('en', 'nl')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    erased_at TIMESTAMP
);

-- Registered addresses, stored lower-cased so lookups are exact.
CREATE TABLE subject_emails (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    address TEXT NOT NULL UNIQUE CHECK (address = lower(address) AND length(address) BETWEEN 3 AND 254),
    is_primary BOOLEAN NOT NULL,
    verified_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX subject_emails_subject ON subject_emails (subject_id);
CREATE UNIQUE INDEX subject_emails_one_primary ON subject_emails (subject_id) WHERE is_primary;

-- OpenID Connect identities: (issuer, sub) is the identity, never the e-mail claim.
CREATE TABLE subject_oidc_identities (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    issuer TEXT NOT NULL,
    sub TEXT NOT NULL,
    linked_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    UNIQUE (issuer, sub)
);
CREATE INDEX subject_oidc_identities_subject ON subject_oidc_identities (subject_id);

CREATE TABLE relationships (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    entity_id INTEGER NOT NULL REFERENCES entities (id),
    role TEXT NOT NULL CHECK (role IN ('customer_contact', 'service_user', 'job_applicant', 'website_visitor')),
    reference TEXT,
    started_on DATE NOT NULL,
    ended_on DATE,
    UNIQUE (subject_id, entity_id, role),
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    entity_id INTEGER NOT NULL REFERENCES entities (id),
    category_id INTEGER NOT NULL REFERENCES data_categories (id),
    field TEXT NOT NULL CHECK (length(field) BETWEEN 1 AND 100),
    value TEXT NOT NULL CHECK (length(value) <= 4000),
    source TEXT NOT NULL CHECK (source IN ('provided', 'observed', 'received', 'derived')),
    source_recipient_id INTEGER REFERENCES recipients (id),
    collected_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    restricted_at TIMESTAMP,
    erased_at TIMESTAMP,
    kept_reason TEXT,
    kept_until DATE,
    -- "Received from" always names the party it came from.
    CHECK ((source = 'received') = (source_recipient_id IS NOT NULL)),
    CHECK ((kept_reason IS NULL) = (kept_until IS NULL)),
    UNIQUE (id, entity_id)
);
CREATE INDEX records_subject ON records (subject_id, entity_id, category_id);

CREATE TABLE record_purposes (
    record_id INTEGER NOT NULL,
    entity_id INTEGER NOT NULL,
    purpose_id INTEGER NOT NULL,
    PRIMARY KEY (record_id, purpose_id),
    FOREIGN KEY (record_id, entity_id) REFERENCES records (id, entity_id) ON DELETE CASCADE,
    FOREIGN KEY (purpose_id, entity_id) REFERENCES purposes (id, entity_id)
);
CREATE INDEX record_purposes_purpose ON record_purposes (purpose_id);

-- Recipient R received categories C of subject S for purpose P at time T.
CREATE TABLE disclosures (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    recipient_id INTEGER NOT NULL REFERENCES recipients (id),
    entity_id INTEGER NOT NULL,
    purpose_id INTEGER NOT NULL,
    disclosed_at TIMESTAMP NOT NULL,
    FOREIGN KEY (purpose_id, entity_id) REFERENCES purposes (id, entity_id)
);
CREATE INDEX disclosures_subject ON disclosures (subject_id);
CREATE INDEX disclosures_recipient ON disclosures (recipient_id);

CREATE TABLE disclosure_categories (
    disclosure_id INTEGER NOT NULL REFERENCES disclosures (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES data_categories (id),
    PRIMARY KEY (disclosure_id, category_id)
);

-- Current marketing choice per subject x entity x channel: a projection of consent_events.
CREATE TABLE marketing_preferences (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    entity_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    granted BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (subject_id, entity_id, channel_id),
    FOREIGN KEY (entity_id, channel_id) REFERENCES entity_channels (entity_id, channel_id)
);

-- Append-only proof of every consent given or withdrawn (Art. 7(1)).
CREATE TABLE consent_events (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    entity_id INTEGER NOT NULL REFERENCES entities (id),
    channel_id INTEGER REFERENCES marketing_channels (id),
    purpose_id INTEGER REFERENCES purposes (id),
    granted BOOLEAN NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('web', 'support', 'api', 'gpc', 'import')),
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('subject', 'staff', 'source', 'system')),
    actor_id TEXT,
    notice_version TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    -- A consent is either for a marketing channel or for a consent-based purpose.
    CHECK ((channel_id IS NULL) <> (purpose_id IS NULL))
);
CREATE INDEX consent_events_subject ON consent_events (subject_id, occurred_at);

CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END;
CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END;

-- Keyed hashes of identifiers of erased people: stops imports re-creating them.
CREATE TABLE suppressions (
    id INTEGER PRIMARY KEY,
    identifier_hash TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
