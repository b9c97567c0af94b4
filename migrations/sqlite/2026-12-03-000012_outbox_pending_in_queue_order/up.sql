-- The outbox worker claims the oldest due items by id, 20 at a time. An index on
-- available_at made every claim read and sort the whole backlog (87 ms per claim with
-- 12,000 mails queued on PostgreSQL, which then drained slower than it filled); by id,
-- a claim walks the queue in order and stops after its 20.
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL AND failed_at IS NULL;
