-- A recipient's task lists: open ones by due date, done ones newest first, all of them
-- oldest first. The one index over (recipient, status, due) served none of these orders
-- for two statuses at once, so every list page sorted all of the recipient's matching
-- tasks first and cost grew with its backlog. Open means resolved_at IS NULL (a CHECK
-- on the table ties it to the status).
DROP INDEX propagation_tasks_recipient;
CREATE INDEX propagation_tasks_open ON propagation_tasks (recipient_id, due_at, id) WHERE resolved_at IS NULL;
CREATE INDEX propagation_tasks_done ON propagation_tasks (recipient_id, id) WHERE resolved_at IS NOT NULL;
CREATE INDEX propagation_tasks_by_recipient ON propagation_tasks (recipient_id, id);
-- Overdue tasks of every recipient (reminders, monitoring).
CREATE INDEX propagation_tasks_overdue ON propagation_tasks (due_at) WHERE resolved_at IS NULL;
