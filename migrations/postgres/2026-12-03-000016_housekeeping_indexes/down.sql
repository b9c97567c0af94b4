DROP INDEX propagation_tasks_reminded;
DROP INDEX rate_limits_window;
DROP INDEX ingest_idempotency_keys_created;
DROP INDEX idempotency_keys_created;
DROP INDEX outbox_failed;
DROP INDEX outbox_sent;
