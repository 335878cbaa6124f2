-- Tamper shows, including truncation (issue 21): audit entries are hashed with
-- HMAC-SHA256 under the audit key, which is derived from the server's key file and is
-- not in the database. Each row says how its hash was made; every row before this
-- migration was hashed with plain SHA-256 and keeps verifying as before, and the first
-- keyed entry chains from the last of them.
ALTER TABLE audit ADD COLUMN hash_scheme TEXT NOT NULL DEFAULT 'sha256'
    CHECK (hash_scheme IN ('sha256', 'hmac-sha256'));

-- From now on every entry is keyed: a server from before this migration that is still
-- running (another replica, say) and would write an unkeyed entry the chain cannot
-- vouch for has its audited write refused, whole, instead.
ALTER TABLE audit ALTER COLUMN hash_scheme DROP DEFAULT;
CREATE FUNCTION audit_entries_are_keyed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.hash_scheme IS DISTINCT FROM 'hmac-sha256' THEN
        RAISE EXCEPTION 'audit entries must be keyed: stop every server from before migration 0008';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_entries_are_keyed BEFORE INSERT ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_entries_are_keyed();
