-- Trust (issue 21): the server believes nothing a device merely claims.

-- The fingerprint of the server's key file, so that a server holding another key
-- refuses to start instead of refusing every device's changes as forged.
CREATE TABLE server_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL
);

-- A device is its own credential: the SHA-256 of the secret it was given at
-- registration (NULL for a device registered before this migration, until its next
-- sign-in binds one), and when it was given. unsigned_through is the highest sequence number the device had
-- queued before it could sign: unsigned operations up to it are held for a
-- supervisor, never applied on the device's word and never lost.
ALTER TABLE devices ADD COLUMN secret_hash TEXT;
ALTER TABLE devices ADD COLUMN secret_bound_at_ms BIGINT;
ALTER TABLE devices ADD COLUMN unsigned_through BIGINT;

-- One member of staff on one device: the key their changes there are signed with is
-- derived from the server's key file and the credential's id, so it is never stored.
CREATE TABLE credentials (
    id            TEXT PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff (id),
    device_id     TEXT NOT NULL REFERENCES devices (id),
    issued_at_ms  BIGINT NOT NULL,
    revoked_at_ms BIGINT,
    revoked_why   TEXT
);
CREATE INDEX credentials_by_holder ON credentials (staff_id, device_id);

-- Operations the server keeps without applying (their outcome in ops is "held") until
-- a supervisor of their site accepts or rejects them.
CREATE TABLE held_ops (
    device_id     TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    site_id       TEXT,
    code          TEXT NOT NULL,
    held_at_ms    BIGINT NOT NULL,
    decided_at_ms BIGINT,
    decided_by    TEXT REFERENCES staff (id),
    decision      TEXT CHECK (decision IN ('accepted', 'rejected')),
    PRIMARY KEY (device_id, seq),
    FOREIGN KEY (device_id, seq) REFERENCES ops (device_id, seq)
);
CREATE INDEX held_ops_waiting ON held_ops (site_id, decided_at_ms);

-- Operation ids are unique across devices: a second device reusing one is refused.
CREATE INDEX ops_by_op_id ON ops (op_id);

-- Failed sign-ins, counted per key (an account on one registered device, an account
-- from one address, or one address) rather than one row per failure, so an attacker
-- cannot grow the table faster than the server checks passwords.
DROP TABLE sign_in_failures;
CREATE TABLE sign_in_throttle (
    key             TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    locked_until_ms BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL
);
CREATE INDEX sign_in_throttle_by_age ON sign_in_throttle (updated_at_ms);
