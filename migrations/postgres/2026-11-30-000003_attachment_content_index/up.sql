-- The orphan-file sweep asks whether any attachment still refers to a stored file.
CREATE INDEX attachments_sha256 ON attachments (sha256);
