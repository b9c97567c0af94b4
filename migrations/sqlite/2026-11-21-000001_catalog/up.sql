-- The organisation's register (synced from config/catalog.toml at start).
-- Every catalog row has a stable `key`; data tables point at the numeric id.

CREATE TABLE authorities (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 64),
    name TEXT NOT NULL,
    country TEXT NOT NULL CHECK (length(country) = 2),
    website TEXT NOT NULL,
    phone TEXT NOT NULL,
    address TEXT NOT NULL
);

CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 64),
    legal_name TEXT NOT NULL,
    trade_name TEXT,
    address TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    dpo_name TEXT NOT NULL,
    dpo_email TEXT NOT NULL,
    authority_id INTEGER NOT NULL REFERENCES authorities (id),
    notice_version TEXT NOT NULL,
    notice_url TEXT NOT NULL,
    description_en TEXT NOT NULL,
    description_nl TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE marketing_channels (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 64),
    name_en TEXT NOT NULL,
    name_nl TEXT NOT NULL,
    sharing BOOLEAN NOT NULL,
    position INTEGER NOT NULL
);

-- The channels an entity markets on: the cells of the preference grid.
CREATE TABLE entity_channels (
    entity_id INTEGER NOT NULL REFERENCES entities (id),
    channel_id INTEGER NOT NULL REFERENCES marketing_channels (id),
    PRIMARY KEY (entity_id, channel_id)
);

CREATE TABLE data_categories (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 64),
    name_en TEXT NOT NULL,
    name_nl TEXT NOT NULL,
    description_en TEXT NOT NULL,
    description_nl TEXT NOT NULL,
    special BOOLEAN NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE category_fields (
    id INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES data_categories (id),
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 64),
    label_en TEXT NOT NULL,
    label_nl TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (category_id, key)
);

CREATE TABLE purposes (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 64),
    entity_id INTEGER NOT NULL REFERENCES entities (id),
    reference TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_nl TEXT NOT NULL,
    description_en TEXT NOT NULL,
    description_nl TEXT NOT NULL,
    legal_basis TEXT NOT NULL CHECK (legal_basis IN ('contract', 'legal_obligation', 'legitimate_interest', 'consent', 'vital_interest', 'public_task')),
    legitimate_interest_en TEXT,
    legitimate_interest_nl TEXT,
    retention_months INTEGER CHECK (retention_months IS NULL OR retention_months > 0),
    retention_from TEXT NOT NULL CHECK (retention_from IN ('collection', 'end_of_relationship', 'withdrawal')),
    retention_en TEXT NOT NULL,
    retention_nl TEXT NOT NULL,
    marketing BOOLEAN NOT NULL,
    automated_decision BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    -- A legitimate interest must be named (Art. 13(1)(d)); other bases have none.
    CHECK ((legal_basis = 'legitimate_interest') = (legitimate_interest_en IS NOT NULL AND legitimate_interest_nl IS NOT NULL)),
    -- Target of composite keys that keep a record's purposes inside the record's entity.
    UNIQUE (id, entity_id)
);

CREATE TABLE purpose_categories (
    purpose_id INTEGER NOT NULL REFERENCES purposes (id),
    category_id INTEGER NOT NULL REFERENCES data_categories (id),
    PRIMARY KEY (purpose_id, category_id)
);

CREATE TABLE recipients (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 64),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('processor', 'third_party', 'authority')),
    country TEXT NOT NULL CHECK (length(country) = 2),
    safeguard TEXT NOT NULL CHECK (safeguard IN ('eea', 'adequacy', 'scc', 'bcr', 'derogation')),
    description_en TEXT NOT NULL,
    description_nl TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    confirmation TEXT NOT NULL CHECK (confirmation IN ('portal', 'api', 'webhook', 'email')),
    due_days INTEGER NOT NULL CHECK (due_days BETWEEN 1 AND 90),
    identifiers TEXT NOT NULL,
    position INTEGER NOT NULL
);

-- Marketing a recipient does for an entity on a channel: a withdrawal there reaches it.
CREATE TABLE recipient_channels (
    recipient_id INTEGER NOT NULL REFERENCES recipients (id),
    entity_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    PRIMARY KEY (recipient_id, entity_id, channel_id),
    FOREIGN KEY (entity_id, channel_id) REFERENCES entity_channels (entity_id, channel_id)
);
