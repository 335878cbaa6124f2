-- Trust (issue 21): the fingerprint of the server's key file, so that a server holding
-- another key refuses to start instead of refusing every device's changes as forged.
CREATE TABLE server_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL
);
