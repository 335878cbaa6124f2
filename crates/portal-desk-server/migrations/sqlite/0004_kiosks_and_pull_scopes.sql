-- A kiosk is a device patients use to register themselves at one site: it may only
-- create self-registration cases there, and may read nothing.
ALTER TABLE devices ADD COLUMN kiosk_site TEXT REFERENCES sites (id);

-- The sites a member of staff worked at when they last pulled on a device, so that the
-- next pull after their sites change tells the device to drop and re-sync.
CREATE TABLE pull_scopes (
    device_id TEXT NOT NULL REFERENCES devices (id),
    staff_id  TEXT NOT NULL REFERENCES staff (id),
    sites     TEXT NOT NULL,
    PRIMARY KEY (device_id, staff_id)
);
