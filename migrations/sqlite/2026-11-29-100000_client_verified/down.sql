ALTER TABLE clients DROP COLUMN verified;
