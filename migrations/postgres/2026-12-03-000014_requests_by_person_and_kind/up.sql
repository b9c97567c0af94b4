-- The check for an open request of the same kind, made on every filing, looks a
-- person's requests up by kind. Prepared once per connection, its generic plan on
-- PostgreSQL combined the person index with the status index and read every open
-- request's entry in the latter (7.5 ms a filing at 100,000 people, growing with the
-- backlog); with this index it reads the person's few requests of that kind.
CREATE INDEX rights_requests_subject_kind ON rights_requests (subject_id, kind);
