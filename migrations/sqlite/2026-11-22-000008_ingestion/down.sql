DROP INDEX disclosures_purpose;
DROP INDEX relationships_reference;
DROP TABLE ingest_idempotency_keys;
