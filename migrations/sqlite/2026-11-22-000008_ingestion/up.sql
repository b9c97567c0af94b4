-- Ingestion API: Idempotency-Key per source token (the processor API's keys are per
-- recipient), and the lookup of a person by an entity's reference.
CREATE TABLE ingest_idempotency_keys (
    id INTEGER PRIMARY KEY,
    token_id INTEGER NOT NULL REFERENCES api_tokens (id),
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (token_id, key)
);

CREATE INDEX relationships_reference ON relationships (entity_id, reference);

-- Foreign-key checks on purposes (id, entity_id) look disclosures up by purpose: without
-- this index SQLite scans every disclosure for each purpose the catalog sync touches.
CREATE INDEX disclosures_purpose ON disclosures (purpose_id, entity_id);
