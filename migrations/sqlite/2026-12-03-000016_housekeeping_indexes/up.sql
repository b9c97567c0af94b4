-- What the ten-minute housekeeping (jobs/cleanup.rs) deletes or reads, by the column it
-- filters on: without these every sweep read the whole outbox, the idempotency keys and
-- the rate-limit windows, and the reminders read every propagation task (300 ms per
-- sweep at a million people after a benchmark; on SQLite with the one writer held).
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
CREATE INDEX ingest_idempotency_keys_created ON ingest_idempotency_keys (created_at);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
CREATE INDEX propagation_tasks_reminded ON propagation_tasks (reminded_at) WHERE reminded_at IS NOT NULL;
