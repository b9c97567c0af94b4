-- The erasure ledger (erasure_ledger.rs, erasures::ledger_after) reads its five actions
-- in chain order after a cursor, a batch at a time. Through the (action, chain_seq)
-- index that is five range scans whose rows are all sorted before the batch is cut, so
-- every batch cost as much as everything still to read: catching up 60,000 events after
-- a benchmark took 230 ms a batch, a core for minutes. This index holds only those
-- actions, in chain order, so a batch reads its own rows and stops. The list is the
-- query's, in the same order (ACTIONS): both backends use a partial index only when the
-- query's condition implies its own.
CREATE INDEX audit_events_ledger ON audit_events (chain_seq)
  WHERE action IN ('erasure.applied', 'subject.erased', 'request.completed', 'task.applied', 'task.declined');
