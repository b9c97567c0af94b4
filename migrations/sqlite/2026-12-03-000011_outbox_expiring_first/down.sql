DROP INDEX outbox_expiring;
