DROP FUNCTION audit_append(bigint, text, timestamp, text, text, text, bigint, text, text, text);
