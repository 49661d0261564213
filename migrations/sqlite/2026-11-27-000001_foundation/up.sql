-- The foundation: people, organisation, tickets with their messages and audit events, API keys.
-- Times are TIMESTAMP (text) holding UTC; enums are TEXT except priority, an INTEGER rank (1 low .. 4 urgent)
-- so that queues sort by it on an index.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'admin')),
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX users_role_id ON users (role, id);

CREATE TABLE sla_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    first_response_minutes INTEGER NOT NULL CHECK (first_response_minutes > 0),
    resolution_minutes INTEGER NOT NULL CHECK (resolution_minutes > 0),
    business_hours_id BIGINT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE departments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    default_sla_plan_id BIGINT REFERENCES sla_plans (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE agent_departments (
    agent_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, department_id)
);
CREATE INDEX agent_departments_department ON agent_departments (department_id);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (department_id, name)
);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, agent_id)
);
CREATE INDEX team_members_agent ON team_members (agent_id);

CREATE TABLE help_topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    default_priority INTEGER NOT NULL CHECK (default_priority BETWEEN 1 AND 4),
    sla_plan_id BIGINT REFERENCES sla_plans (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'on_hold', 'resolved', 'closed')),
    priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    team_id BIGINT REFERENCES teams (id),
    assignee_id BIGINT REFERENCES users (id),
    requester_id BIGINT NOT NULL REFERENCES users (id),
    help_topic_id BIGINT REFERENCES help_topics (id),
    sla_plan_id BIGINT REFERENCES sla_plans (id),
    source TEXT NOT NULL,
    first_response_due_at TIMESTAMP,
    due_at TIMESTAMP,
    first_responded_at TIMESTAMP,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL
);
-- One index per queue shape: the key columns of its filter, then its sort and the id tie-breaker.
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_updated ON tickets (updated_at, id);
CREATE INDEX tickets_department_status ON tickets (department_id, status, created_at, id);
CREATE INDEX tickets_assignee_status ON tickets (assignee_id, status, created_at, id);
CREATE INDEX tickets_requester ON tickets (requester_id, created_at, id);
CREATE INDEX tickets_team ON tickets (team_id, created_at, id);
CREATE INDEX tickets_priority ON tickets (priority, id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    internal BOOLEAN NOT NULL,
    author_type TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id BIGINT,
    data TEXT NOT NULL,
    internal BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
