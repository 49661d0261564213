-- Full-text search with one document per ticket and audience, so that a query of several words is one
-- index lookup (the words may stand in different messages of a ticket). The rowid says whose: ticket id * 2
-- holds the subject and the public messages (what customers search), ticket id * 2 + 1 also the internal
-- notes; FTS5 walks its matches in rowid order, so "the most recent matches" stop early. Search matches
-- words, never phrases: the index keeps which documents hold a word, not where (`detail=none`), nor
-- document lengths (`columnsize=0`), which makes each write a fraction of the default's.
CREATE VIRTUAL TABLE ticket_text USING fts5(
    text,
    tokenize = 'unicode61 remove_diacritics 2',
    detail = none,
    columnsize = 0
);
INSERT INTO ticket_text (rowid, text)
    SELECT t.id * 2 + audience.staff,
           t.subject || ' ' || coalesce((SELECT group_concat(m.body, ' ') FROM messages m
                                         WHERE m.ticket_id = t.id AND (audience.staff = 1 OR m.internal = 0)), '')
    FROM tickets t CROSS JOIN (SELECT 0 AS staff UNION ALL SELECT 1) AS audience;
DROP TABLE ticket_search;
