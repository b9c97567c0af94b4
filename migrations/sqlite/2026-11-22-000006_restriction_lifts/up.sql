-- Lifting a restriction (GDPR Art. 18(3)): the person is told first, with the reason
-- and the date; the restriction is lifted, and the recipients told, only on that date.

CREATE TABLE restriction_lifts (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL UNIQUE REFERENCES rights_requests (id),
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    announced_at TIMESTAMP NOT NULL,
    lift_at TIMESTAMP NOT NULL,
    lifted_at TIMESTAMP,
    CHECK (lift_at > announced_at)
);
CREATE INDEX restriction_lifts_due ON restriction_lifts (lift_at);
