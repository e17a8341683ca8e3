-- client_tokens was a WITHOUT ROWID table keyed by (owner, action, token),
-- so each whole row, result included, lived in the key's B-tree. The SDKs
-- send a random UUID token with every AllocateIpamPoolCidr, so every insert
-- landed on a random leaf of a tree that outgrows the page cache as a pool
-- grows (about 300 bytes a row). As a rowid table the rows are appended in
-- insert order and only the narrow key index takes the random inserts.
CREATE TABLE client_tokens_v2 (
	owner       TEXT NOT NULL,
	action      TEXT NOT NULL,
	token       TEXT NOT NULL,
	params_hash TEXT NOT NULL,
	result      BLOB,
	created_at  INTEGER NOT NULL -- unix seconds, for a future expiry sweep
);
INSERT INTO client_tokens_v2 (owner, action, token, params_hash, result, created_at)
	SELECT owner, action, token, params_hash, result, created_at FROM client_tokens;
DROP TABLE client_tokens;
ALTER TABLE client_tokens_v2 RENAME TO client_tokens;
CREATE UNIQUE INDEX client_tokens_key ON client_tokens (owner, action, token);
