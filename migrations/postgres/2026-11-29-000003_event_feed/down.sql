DROP INDEX ticket_events_kind;
DROP TABLE event_feed_counter;
