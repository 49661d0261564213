DROP TABLE inbound_emails;
