-- SLA clocks: business-hours calendars, richer plans, the stored due dates the breach sweep needs,
-- and one row per breached clock so each breach is handled exactly once.

CREATE TABLE business_hours (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    time_zone TEXT NOT NULL,
    -- [{"weekday": "mon", "start": "09:00", "end": "17:00"}, ...]
    intervals TEXT NOT NULL,
    -- ["2026-12-25", ...]
    holidays TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

ALTER TABLE sla_plans ADD COLUMN next_response_minutes INTEGER;
-- {"urgent": {"first_response_minutes": 30, "next_response_minutes": 15, "resolution_minutes": 120}}
ALTER TABLE sla_plans ADD COLUMN priority_targets TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sla_plans ADD COLUMN escalate_raise_priority BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE sla_plans ADD COLUMN escalate_department_id BIGINT REFERENCES departments (id);
ALTER TABLE sla_plans ADD COLUMN escalate_team_id BIGINT REFERENCES teams (id);

ALTER TABLE tickets ADD COLUMN next_response_due_at TIMESTAMP;
-- When the next running clock breaches: the sweep's indexed work list.
ALTER TABLE tickets ADD COLUMN sla_next_check_at TIMESTAMP;
-- A clock breached and still unmet.
ALTER TABLE tickets ADD COLUMN sla_overdue BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX tickets_sla_next_check ON tickets (sla_next_check_at) WHERE sla_next_check_at IS NOT NULL;
CREATE INDEX tickets_sla_overdue ON tickets (created_at, id) WHERE sla_overdue = 1;
CREATE INDEX tickets_due ON tickets (due_at, id) WHERE due_at IS NOT NULL;

CREATE TABLE sla_breaches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    clock TEXT NOT NULL,
    clock_started_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    breached_at TIMESTAMP NOT NULL,
    UNIQUE (ticket_id, clock, clock_started_at)
);
