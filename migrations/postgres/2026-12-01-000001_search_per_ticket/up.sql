-- Full-text search with one document per ticket and audience, so that a query of several words is one
-- index lookup (the words may stand in different messages of a ticket): `staff = FALSE` holds the subject
-- and the public messages (what customers search), `staff = TRUE` also the internal notes. Positions are
-- stripped (matching needs none, and a long conversation stays far below tsvector's size limit).
CREATE TABLE ticket_text (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    staff BOOLEAN NOT NULL,
    document TSVECTOR NOT NULL,
    PRIMARY KEY (ticket_id, staff)
);
INSERT INTO ticket_text (ticket_id, staff, document)
    SELECT t.id, audience.staff, strip(to_tsvector('simple', regexp_replace(
        t.subject || ' ' || coalesce((SELECT string_agg(m.body, ' ' ORDER BY m.id) FROM messages m
                                      WHERE m.ticket_id = t.id AND (audience.staff OR NOT m.internal)), ''),
        '[^[:alnum:]]+', ' ', 'g')))
    FROM tickets t CROSS JOIN (VALUES (FALSE), (TRUE)) AS audience (staff);
CREATE INDEX ticket_text_public ON ticket_text USING GIN (document) WHERE NOT staff;
CREATE INDEX ticket_text_staff ON ticket_text USING GIN (document) WHERE staff;
DROP TABLE ticket_search;
