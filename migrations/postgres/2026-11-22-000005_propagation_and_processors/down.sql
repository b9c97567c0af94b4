DROP TABLE idempotency_keys;
DROP TABLE webhook_deliveries;
DROP TABLE recipient_webhooks;
ALTER TABLE propagation_tasks DROP COLUMN resolved_by_token_id;
ALTER TABLE propagation_tasks DROP COLUMN reminded_at;
