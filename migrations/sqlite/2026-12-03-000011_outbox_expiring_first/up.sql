-- The outbox worker claims items that expire (sign-in and verification codes) before
-- the rest; this keeps finding them cheap behind a long queue of other mail.
CREATE INDEX outbox_expiring ON outbox (id) WHERE sent_at IS NULL AND failed_at IS NULL AND expires_at IS NOT NULL;
