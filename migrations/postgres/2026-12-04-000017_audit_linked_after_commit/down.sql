DROP INDEX audit_events_action;
CREATE INDEX audit_events_action ON audit_events (action, id);
-- Back to linking inside the appender's transaction. Events still unlinked cannot be
-- linked here (the portal computes the hash): start the portal once, or run
-- `privacy-portal audit verify`, before going down.
DROP TRIGGER audit_events_append_only ON audit_events;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION refuse_change();
DROP FUNCTION audit_events_link_once();
DROP INDEX audit_events_unlinked;
DROP INDEX audit_events_chain_seq;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_linked_whole;
ALTER TABLE audit_events ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
ALTER TABLE audit_events DROP COLUMN chain_seq;

CREATE FUNCTION audit_append(
    lock_key bigint,
    canonical text,
    p_occurred_at timestamp,
    p_actor_kind text,
    p_actor_id text,
    p_action text,
    p_subject_id bigint,
    p_target_kind text,
    p_target_id text,
    p_details text
) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    prev text;
    new_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    prev := coalesce(
        (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1),
        '0000000000000000000000000000000000000000000000000000000000000000'
    );
    INSERT INTO audit_events (occurred_at, actor_kind, actor_id, action, subject_id, target_kind, target_id, details,
                              prev_hash, hash)
    VALUES (p_occurred_at, p_actor_kind, p_actor_id, p_action, p_subject_id, p_target_kind, p_target_id, p_details,
            prev, encode(sha256(convert_to(prev || E'\n' || canonical, 'UTF8')), 'hex'))
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
