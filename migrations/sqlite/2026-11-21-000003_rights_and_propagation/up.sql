-- Who acts on data besides the person (staff, processor users), rights requests,
-- and the onward changes (propagation tasks) they cause.

CREATE TABLE staff_users (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('agent', 'privacy_officer', 'admin')),
    oidc_issuer TEXT,
    oidc_sub TEXT,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP,
    CHECK ((oidc_issuer IS NULL) = (oidc_sub IS NULL)),
    UNIQUE (oidc_issuer, oidc_sub)
);

CREATE TABLE processor_users (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    recipient_id INTEGER NOT NULL REFERENCES recipients (id),
    email TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name TEXT NOT NULL,
    invited_at TIMESTAMP NOT NULL,
    activated_at TIMESTAMP,
    disabled_at TIMESTAMP
);

CREATE TABLE rights_requests (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    kind TEXT NOT NULL CHECK (kind IN ('access', 'portability', 'rectification', 'erasure', 'restriction', 'objection', 'withdrawal', 'automated_decision_review')),
    -- NULL: the request concerns every entity the person has a relationship with.
    entity_id INTEGER REFERENCES entities (id),
    status TEXT NOT NULL CHECK (status IN ('received', 'awaiting_decision', 'approved', 'partially_approved', 'rejected', 'completed', 'withdrawn')),
    filed_by TEXT NOT NULL CHECK (filed_by IN ('subject', 'staff')),
    staff_user_id INTEGER REFERENCES staff_users (id),
    channel TEXT NOT NULL CHECK (channel IN ('web', 'phone', 'email', 'post', 'api')),
    statement TEXT NOT NULL CHECK (length(statement) <= 4000),
    received_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    extended_due_at TIMESTAMP,
    extension_reason TEXT,
    decided_at TIMESTAMP,
    decided_by INTEGER REFERENCES staff_users (id),
    decision_reason TEXT,
    completed_at TIMESTAMP,
    CHECK ((filed_by = 'staff') = (staff_user_id IS NOT NULL)),
    CHECK (due_at > received_at),
    -- Art. 12(3): an extension needs a reason.
    CHECK ((extended_due_at IS NULL) = (extension_reason IS NULL)),
    CHECK (extended_due_at IS NULL OR extended_due_at > due_at)
);
CREATE INDEX rights_requests_subject ON rights_requests (subject_id, received_at);
CREATE INDEX rights_requests_status ON rights_requests (status, due_at);

-- What a request names: a record to correct, a purpose to object to, a category to restrict.
CREATE TABLE rights_request_items (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES rights_requests (id),
    record_id INTEGER REFERENCES records (id),
    purpose_id INTEGER REFERENCES purposes (id),
    category_id INTEGER REFERENCES data_categories (id),
    proposed_value TEXT CHECK (proposed_value IS NULL OR length(proposed_value) <= 4000),
    outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'applied', 'kept', 'rejected')),
    kept_reason TEXT,
    kept_until DATE,
    CHECK (record_id IS NOT NULL OR purpose_id IS NOT NULL OR category_id IS NOT NULL),
    CHECK ((outcome = 'kept') = (kept_reason IS NOT NULL))
);
CREATE INDEX rights_request_items_request ON rights_request_items (request_id);

-- One onward change for one recipient (Art. 19), created in the transaction that decides it.
CREATE TABLE propagation_tasks (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    recipient_id INTEGER NOT NULL REFERENCES recipients (id),
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    entity_id INTEGER NOT NULL REFERENCES entities (id),
    request_id INTEGER REFERENCES rights_requests (id),
    consent_event_id INTEGER REFERENCES consent_events (id),
    action TEXT NOT NULL CHECK (action IN ('rectify', 'erase', 'restrict', 'lift_restriction', 'object', 'stop_marketing')),
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'applied', 'declined')),
    created_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    resolved_at TIMESTAMP,
    resolved_by_processor_user_id INTEGER REFERENCES processor_users (id),
    resolved_via TEXT CHECK (resolved_via IS NULL OR resolved_via IN ('portal', 'api', 'staff', 'email')),
    resolution_reference TEXT,
    resolution_note TEXT,
    decline_reason TEXT,
    CHECK (request_id IS NOT NULL OR consent_event_id IS NOT NULL),
    CHECK ((status IN ('applied', 'declined')) = (resolved_at IS NOT NULL)),
    CHECK ((status = 'declined') = (decline_reason IS NOT NULL)),
    CHECK (due_at > created_at)
);
CREATE INDEX propagation_tasks_recipient ON propagation_tasks (recipient_id, status, due_at);
CREATE INDEX propagation_tasks_subject ON propagation_tasks (subject_id);
CREATE INDEX propagation_tasks_request ON propagation_tasks (request_id);
