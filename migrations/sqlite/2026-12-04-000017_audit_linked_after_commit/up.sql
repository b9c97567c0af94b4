-- The chain's order becomes its own column, chain_seq (see the PostgreSQL version: there
-- events are linked after they commit, in the order the linker sees them). SQLite's
-- single writer already serialises appends, so here an event is still linked as it is
-- inserted, and chain_seq follows the ids.
ALTER TABLE audit_events ADD COLUMN chain_seq INTEGER;
DROP TRIGGER audit_events_no_update;
UPDATE audit_events SET chain_seq = id;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE UNIQUE INDEX audit_events_chain_seq ON audit_events (chain_seq);

-- The erasure ledger reads its few actions in chain order (was id order, migration 9).
DROP INDEX audit_events_action;
CREATE INDEX audit_events_action ON audit_events (action, chain_seq);
