-- Mail taken in: its Message-ID and the ticket it went to, so that a redelivered mail creates nothing
-- and replies (In-Reply-To / References) find their ticket.
CREATE TABLE inbound_emails (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
