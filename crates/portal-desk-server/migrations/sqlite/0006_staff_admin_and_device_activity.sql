-- Admins deactivate staff accounts rather than delete them: a deactivated person can
-- no longer sign in, while their name stays on the cases and audit entries they made.
ALTER TABLE staff ADD COLUMN deactivated_at_ms INTEGER;

-- The device list says when each device last synced and who used it last, read from
-- the audit log (every push and pull is audited), so syncing writes nothing extra.
CREATE INDEX audit_by_device ON audit (device_id, seq);
