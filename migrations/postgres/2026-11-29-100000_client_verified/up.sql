-- Whether an administrator vouches for a client. Clients an operator
-- registered (no owner) are verified; self-registered ones wait for review.
ALTER TABLE clients ADD COLUMN verified BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE clients SET verified = TRUE WHERE owner_id IS NULL AND registration_token_hash IS NULL;
