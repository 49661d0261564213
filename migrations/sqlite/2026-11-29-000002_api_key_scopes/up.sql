-- API keys with scopes (space-separated: tickets:create tickets:read tickets:write admin) and an
-- optional expiry. Existing keys keep what they could do: work tickets.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'tickets:create tickets:read tickets:write';
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMP;
