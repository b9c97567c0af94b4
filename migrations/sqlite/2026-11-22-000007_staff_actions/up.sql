-- What staff did for a person, and why: the reason a support agent gave for each action
-- taken on a caller's behalf. The audit chain records the action by id only; the
-- reason (free text, possibly personal) lives here, and is shown to the person.

CREATE TABLE staff_actions (
    id INTEGER PRIMARY KEY,
    staff_user_id INTEGER NOT NULL REFERENCES staff_users (id),
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    action TEXT NOT NULL CHECK (action IN ('verified', 'viewed', 'preference', 'request', 'download', 'ended')),
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'post', 'in_person')),
    detail TEXT NOT NULL CHECK (length(detail) <= 200),
    reason TEXT NOT NULL CHECK (length(reason) <= 500),
    at TIMESTAMP NOT NULL
);
CREATE INDEX staff_actions_subject ON staff_actions (subject_id, at);
