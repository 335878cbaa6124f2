-- Portal Desk's first schema on PostgreSQL, the same tables as on SQLite: sites,
-- staff, devices, sessions, the records the devices sync, the operations that changed
-- them, and the append-only audit log. Times are milliseconds since the Unix epoch.

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
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE staff_sites (
    staff_id TEXT NOT NULL REFERENCES staff (id),
    site_id  TEXT NOT NULL REFERENCES sites (id),
    PRIMARY KEY (staff_id, site_id)
);

CREATE TABLE devices (
    id               TEXT PRIMARY KEY,
    last_seq         BIGINT NOT NULL DEFAULT 0,
    registered_at_ms BIGINT NOT NULL
);

CREATE TABLE device_staff (
    device_id        TEXT NOT NULL REFERENCES devices (id),
    staff_id         TEXT NOT NULL REFERENCES staff (id),
    first_seen_at_ms BIGINT NOT NULL,
    last_seen_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (device_id, staff_id)
);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff (id),
    device_id     TEXT NOT NULL REFERENCES devices (id),
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at_ms);

CREATE TABLE records (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    version    BIGINT NOT NULL UNIQUE,
    restricted BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    owner      TEXT,
    body       TEXT NOT NULL
);
CREATE INDEX records_by_site_and_version ON records (site_id, version);

CREATE TABLE ops (
    device_id      TEXT NOT NULL REFERENCES devices (id),
    seq            BIGINT NOT NULL,
    op_id          TEXT,
    actor          TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    op             TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    received_at_ms BIGINT NOT NULL,
    PRIMARY KEY (device_id, seq),
    UNIQUE (device_id, op_id)
);

-- The change-log counter. Every push locks this row first, so pushes (from any number
-- of servers) apply one at a time and versions become visible strictly in order: a
-- sequence would hand out numbers that can commit out of order and be skipped by a pull.
CREATE TABLE change_log (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO change_log (id, version) VALUES (1, 0);

CREATE TABLE audit (
    seq       BIGINT PRIMARY KEY,
    at_ms     BIGINT NOT NULL,
    staff_id  TEXT,
    device_id TEXT,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

-- The chain's head. Appending locks this row, so concurrent appends from several
-- servers queue up and each chains from the one before it.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
