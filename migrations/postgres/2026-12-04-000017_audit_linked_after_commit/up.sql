-- Audit events are linked into the hash chain after they commit, not while they commit.
--
-- Until now every appender took one advisory lock, read the chain's head and inserted
-- its linked event; the lock was held to the appender's commit, so writes that audit
-- (every filing, decision and answer) committed one at a time and never shared a WAL
-- flush: at 20,000 people, 162 of ~220 sampled active backends were waiting for that
-- lock while its holder's COMMIT waited for the disk. Now an event is inserted unlinked
-- (chain_seq, prev_hash and hash NULL) in its own transaction, with no lock, and one
-- linker at a time (`audit::link_pending`, behind the same lock, run by every instance's
-- background job and before every verification) links the committed events in batches:
-- chain_seq gives the chain's order, which is the order the linker saw them committed.
--
-- The table stays append-only: the only change allowed is linking an unlinked event
-- once, with every content column unchanged.
ALTER TABLE audit_events ADD COLUMN chain_seq BIGINT;

ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
UPDATE audit_events SET chain_seq = id;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;

ALTER TABLE audit_events ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_linked_whole
    CHECK ((chain_seq IS NULL) = (hash IS NULL) AND (hash IS NULL) = (prev_hash IS NULL));
CREATE UNIQUE INDEX audit_events_chain_seq ON audit_events (chain_seq);
-- What the linker looks for: small, since events are linked within a second.
CREATE INDEX audit_events_unlinked ON audit_events (id) WHERE chain_seq IS NULL;

CREATE FUNCTION audit_events_link_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
       AND NEW.id = OLD.id
       AND NEW.occurred_at = OLD.occurred_at
       AND NEW.actor_kind = OLD.actor_kind
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.action = OLD.action
       AND NEW.subject_id IS NOT DISTINCT FROM OLD.subject_id
       AND NEW.target_kind IS NOT DISTINCT FROM OLD.target_kind
       AND NEW.target_id IS NOT DISTINCT FROM OLD.target_id
       AND NEW.details = OLD.details THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only (an event can only be linked, once)', TG_TABLE_NAME;
END;
$$;
DROP TRIGGER audit_events_append_only ON audit_events;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_link_once();

-- The one-call locked append of migration 13 is no longer used.
DROP FUNCTION audit_append(bigint, text, timestamp, text, text, text, bigint, text, text, text);

-- The erasure ledger reads its few actions in chain order (was id order, migration 9).
DROP INDEX audit_events_action;
CREATE INDEX audit_events_action ON audit_events (action, chain_seq);
