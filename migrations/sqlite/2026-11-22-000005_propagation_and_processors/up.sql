-- Onward changes in practice: webhooks per recipient, their delivery log, idempotent
-- confirmations from processor APIs, reminders for overdue tasks.

ALTER TABLE propagation_tasks ADD COLUMN reminded_at TIMESTAMP;
-- The API token that confirmed or declined (tokens act for a recipient, not a user).
ALTER TABLE propagation_tasks ADD COLUMN resolved_by_token_id INTEGER;

CREATE TABLE recipient_webhooks (
    recipient_id INTEGER PRIMARY KEY REFERENCES recipients (id),
    url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    secret_enc BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

-- One row per delivery attempt of a task to a webhook (outbox rows are removed after a week).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES propagation_tasks (id),
    message_id TEXT NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    status_code INTEGER,
    error TEXT,
    delivered BOOLEAN NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id);

-- Idempotency-Key per recipient: same key and body replays the stored answer.
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES recipients (id),
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash TEXT NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (recipient_id, key)
);
