-- The agent queue: one department's tickets in one status by due date, read in index order.
CREATE INDEX tickets_queue_due ON tickets (department_id, status, due_at, id) WHERE due_at IS NOT NULL;
