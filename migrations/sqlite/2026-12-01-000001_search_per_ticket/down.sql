CREATE VIRTUAL TABLE ticket_search USING fts5(
    text,
    ticket_id UNINDEXED,
    message_id UNINDEXED,
    internal UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO ticket_search (text, ticket_id, message_id, internal) SELECT subject, id, NULL, 0 FROM tickets;
INSERT INTO ticket_search (text, ticket_id, message_id, internal) SELECT body, ticket_id, id, internal FROM messages;
DROP TABLE ticket_text;
