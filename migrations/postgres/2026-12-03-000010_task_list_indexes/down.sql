DROP INDEX propagation_tasks_overdue;
DROP INDEX propagation_tasks_by_recipient;
DROP INDEX propagation_tasks_done;
DROP INDEX propagation_tasks_open;
CREATE INDEX propagation_tasks_recipient ON propagation_tasks (recipient_id, status, due_at);
