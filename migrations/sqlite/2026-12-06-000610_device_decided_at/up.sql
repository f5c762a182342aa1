-- RFC 8628: when the user approved or denied a device authorization, so
-- that a consent withdrawn after the approval stops its redemption (as a
-- code's issue time does for the code grant).
ALTER TABLE device_authorizations ADD COLUMN decided_at BIGINT;
