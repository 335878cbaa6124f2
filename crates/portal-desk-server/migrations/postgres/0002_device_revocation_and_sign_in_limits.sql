-- A lost or stolen tablet can be revoked: its sessions stop working, it cannot sign in
-- again, and its next request tells it to wipe its local data.
ALTER TABLE devices ADD COLUMN revoked_at_ms BIGINT;
ALTER TABLE devices ADD COLUMN revoked_by TEXT REFERENCES staff (id);

-- Recent failed sign-ins per email, for rate limiting, shared by every server.
CREATE TABLE sign_in_failures (
    email TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email, at_ms);
