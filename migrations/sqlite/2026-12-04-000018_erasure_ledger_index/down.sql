DROP INDEX audit_events_ledger;
