-- Idempotent creation: each caller's Idempotency-Key with the fingerprint of its request and, once
-- done, the response to replay for 24 hours. And tickets an integration knows by its own id.

CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- `user:42` or `api_key:7`: keys are scoped per caller.
    caller TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    -- Who holds the claim: only that request may complete or release it.
    token TEXT NOT NULL,
    -- NULL while the first request is in progress.
    status INTEGER,
    location TEXT,
    body TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (caller, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

ALTER TABLE tickets ADD COLUMN external_id TEXT;
ALTER TABLE tickets ADD COLUMN external_key_id BIGINT REFERENCES api_keys (id);
CREATE UNIQUE INDEX tickets_external ON tickets (external_key_id, external_id) WHERE external_id IS NOT NULL;
