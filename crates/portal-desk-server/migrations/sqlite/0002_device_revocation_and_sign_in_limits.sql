-- A lost or stolen tablet can be revoked: its sessions stop working, it cannot sign in
-- again, and its next request tells it to wipe its local data.
ALTER TABLE devices ADD COLUMN revoked_at_ms INTEGER;
ALTER TABLE devices ADD COLUMN revoked_by TEXT REFERENCES staff (id);

-- Recent failed sign-ins per email, for rate limiting. Kept in the database, not in
-- memory, so that every server behind a load balancer sees the same count. The audit
-- log keeps the lasting record; rows here older than the window are swept.
CREATE TABLE sign_in_failures (
    email TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email, at_ms);
