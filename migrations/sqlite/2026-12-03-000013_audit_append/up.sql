-- PostgreSQL only (a function that appends to the audit chain in one round trip).
-- SQLite's single writer already serialises appends, with no waiting between round
-- trips; the version exists here too so both backends carry the same list.
SELECT 1;
