-- A person has at most one open request of a kind for a scope (one entity, or all of
-- them: entity 0 stands for NULL, which a unique index would count as distinct). The
-- filing used to check this with a query before inserting; on PostgreSQL two filings
-- running that check at once could both pass it. The index holds on both backends and
-- the filing no longer needs the query (one statement fewer). The statuses are those of
-- `RequestStatus::is_open`; a test files a second request in each status.
-- On a database that already holds two open requests for one scope this fails with the
-- duplicated key named: decide one of them with the previous build (README, PostgreSQL).
CREATE UNIQUE INDEX rights_requests_one_open ON rights_requests (subject_id, kind, COALESCE(entity_id, 0))
    WHERE status IN ('received', 'awaiting_decision', 'approved', 'partially_approved');
