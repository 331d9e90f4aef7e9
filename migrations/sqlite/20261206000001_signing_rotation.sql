-- After a signing secret rotation the previous secret (installation scope,
-- KIKET_PREVIOUS_SIGNING_SECRET) signs too, until this time (unix ms).
ALTER TABLE installations ADD COLUMN previous_secret_until BIGINT;
