-- The event feed: event ids are handed out by this one-row counter inside the writing transaction,
-- whose row lock is held until commit. So ids appear in commit order, and a reader that has seen id N
-- will never later find a new event with a smaller id: `?after=N` resumes with nothing missed.
CREATE TABLE event_feed_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL
);
INSERT INTO event_feed_counter (id, last_id) SELECT 1, COALESCE(MAX(id), 0) FROM ticket_events;
CREATE INDEX ticket_events_kind ON ticket_events (kind, id);
