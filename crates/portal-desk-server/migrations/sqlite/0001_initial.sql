-- Portal Desk's first schema: sites, staff, devices, sessions, the records the
-- devices sync, the operations that changed them, and the append-only audit log.
-- Times are milliseconds since the Unix epoch (INTEGER); JSON is stored as TEXT.

CREATE TABLE sites (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE staff (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('analyst', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE staff_sites (
    staff_id TEXT NOT NULL REFERENCES staff (id),
    site_id  TEXT NOT NULL REFERENCES sites (id),
    PRIMARY KEY (staff_id, site_id)
);

-- A device's last_seq is the highest of its sequence numbers the server has dealt with.
CREATE TABLE devices (
    id               TEXT PRIMARY KEY,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    registered_at_ms INTEGER NOT NULL
);

-- Who has signed in on which device: only they may be the actor of its operations.
CREATE TABLE device_staff (
    device_id        TEXT NOT NULL REFERENCES devices (id),
    staff_id         TEXT NOT NULL REFERENCES staff (id),
    first_seen_at_ms INTEGER NOT NULL,
    last_seen_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (device_id, staff_id)
);

-- Only the SHA-256 of a token is kept, so a copy of the database signs nobody in.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff (id),
    device_id     TEXT NOT NULL REFERENCES devices (id),
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at_ms);

-- version is the record's position in the change log; pulls page through it.
CREATE TABLE records (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    version    INTEGER NOT NULL UNIQUE,
    restricted INTEGER NOT NULL CHECK (restricted IN (0, 1)),
    created_by TEXT NOT NULL,
    owner      TEXT,
    body       TEXT NOT NULL
);
CREATE INDEX records_by_site_and_version ON records (site_id, version);

-- Every operation a device pushed, with what became of it, so a replay reports the
-- first outcome again. op_id is NULL only for an operation refused because its id was
-- already used by an earlier operation of the same device.
CREATE TABLE ops (
    device_id      TEXT NOT NULL REFERENCES devices (id),
    seq            INTEGER NOT NULL,
    op_id          TEXT,
    actor          TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    op             TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq),
    UNIQUE (device_id, op_id)
);

-- The single change-log counter. Versions are handed out inside the writing
-- transaction, so a version becomes visible only together with every lower one.
CREATE TABLE change_log (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO change_log (id, version) VALUES (1, 0);

-- Append-only and hash-chained: each row's hash covers the previous row's hash.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms     INTEGER NOT NULL,
    staff_id  TEXT,
    device_id TEXT,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
