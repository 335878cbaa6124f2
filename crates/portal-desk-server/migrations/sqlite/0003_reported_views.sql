-- Record views that devices report (including views made offline), so that a report
-- sent twice after a lost response is audited once. The audit log holds the entries.
CREATE TABLE reported_views (
    device_id      TEXT NOT NULL REFERENCES devices (id),
    view_id        TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (device_id, view_id)
);
