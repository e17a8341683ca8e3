-- client_tokens was a WITHOUT ROWID table keyed by (owner, action, token),
-- so each whole row, result included, lived in the key's B-tree. The SDKs
-- send a random UUID token with every AllocateIpamPoolCidr, so every insert
-- landed on a random leaf of a tree that outgrew the page cache as a pool
-- grew. Now the rows are appended in insert order (a rowid table), and only
-- an index of 8-byte keys takes the random inserts: at a million tokens it
-- stays in the page cache. The key is ipamd_token_key(owner, action,
-- token) (tokenKey in tokens.go); lookups compare the whole columns too,
-- and the store's single writer keeps (owner, action, token) unique.
CREATE TABLE client_tokens_v2 (
	key         INTEGER NOT NULL,
	owner       TEXT NOT NULL,
	action      TEXT NOT NULL,
	token       TEXT NOT NULL,
	params_hash TEXT NOT NULL,
	result      BLOB,
	created_at  INTEGER NOT NULL -- unix seconds, for a future expiry sweep
);
INSERT INTO client_tokens_v2 (key, owner, action, token, params_hash, result, created_at)
	SELECT ipamd_token_key(owner, action, token), owner, action, token, params_hash, result, created_at
	FROM client_tokens;
DROP TABLE client_tokens;
ALTER TABLE client_tokens_v2 RENAME TO client_tokens;
CREATE INDEX client_tokens_key ON client_tokens (key);
