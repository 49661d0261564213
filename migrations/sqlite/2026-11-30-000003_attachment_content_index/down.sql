DROP INDEX attachments_sha256;
