DROP INDEX audit_events_action;
CREATE INDEX audit_events_action ON audit_events (action, id);
DROP INDEX audit_events_chain_seq;
ALTER TABLE audit_events DROP COLUMN chain_seq;
