-- A random secret per device, made at its first sign-in and returned only to a valid
-- sign-in on a device that is not revoked. The device wraps its data key under it (the
-- "server slot"), so an online sign-in can unlock the device's encrypted data without
-- anyone's PIN.
ALTER TABLE devices ADD COLUMN device_key TEXT;
