-- The erasure ledger reads the few audit events it carries by action, after an id.
CREATE INDEX audit_events_action ON audit_events (action, id);
