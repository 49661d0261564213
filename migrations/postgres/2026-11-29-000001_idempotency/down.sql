DROP INDEX tickets_external;
ALTER TABLE tickets DROP COLUMN external_key_id;
ALTER TABLE tickets DROP COLUMN external_id;
DROP TABLE idempotency_keys;
