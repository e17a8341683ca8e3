-- IPAMs, scopes and pools are few and read whole: each is the JSON of its
-- domain struct (doc) beside the columns that lookups and listings need.
-- Foreign keys are deferred to commit so that a transaction may write rows in
-- any order; they are the backstop against orphans, not the service's checks.
CREATE TABLE ipams (
	id    TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	doc   TEXT NOT NULL
);
CREATE INDEX ipams_owner ON ipams (owner, id);

CREATE TABLE scopes (
	id      TEXT PRIMARY KEY,
	owner   TEXT NOT NULL,
	ipam_id TEXT NOT NULL REFERENCES ipams (id) DEFERRABLE INITIALLY DEFERRED,
	doc     TEXT NOT NULL
);
CREATE INDEX scopes_owner ON scopes (owner, id);
CREATE INDEX scopes_ipam ON scopes (ipam_id);

CREATE TABLE pools (
	id       TEXT PRIMARY KEY,
	owner    TEXT NOT NULL,
	ipam_id  TEXT NOT NULL REFERENCES ipams (id) DEFERRABLE INITIALLY DEFERRED,
	scope_id TEXT NOT NULL REFERENCES scopes (id) DEFERRABLE INITIALLY DEFERRED,
	doc      TEXT NOT NULL
);
CREATE INDEX pools_owner ON pools (owner, id);
CREATE INDEX pools_ipam ON pools (ipam_id);
CREATE INDEX pools_scope ON pools (scope_id);

CREATE TABLE pool_cidrs (
	id      TEXT PRIMARY KEY,
	pool_id TEXT NOT NULL REFERENCES pools (id) DEFERRABLE INITIALLY DEFERRED,
	seq     INTEGER NOT NULL,
	doc     TEXT NOT NULL
);
CREATE INDEX pool_cidrs_pool ON pool_cidrs (pool_id, seq);

-- Allocations can number millions per pool, so they are real columns. addr is
-- the network address as 4 (IPv4) or 16 (IPv6) bytes: bytewise BLOB order is
-- address order, which makes (pool_id, addr, bits) the listing order, the
-- keyset cursor and the neighbour lookups of the overlap check.
CREATE TABLE allocations (
	id              TEXT PRIMARY KEY,
	pool_id         TEXT NOT NULL REFERENCES pools (id) DEFERRABLE INITIALLY DEFERRED,
	owner           TEXT NOT NULL,
	addr            BLOB NOT NULL,
	bits            INTEGER NOT NULL,
	resource_id     TEXT NOT NULL,
	resource_type   TEXT NOT NULL,
	resource_region TEXT NOT NULL,
	resource_owner  TEXT NOT NULL,
	description     TEXT NOT NULL,
	tags            TEXT -- JSON array, NULL when empty
);
CREATE UNIQUE INDEX allocations_pool_addr ON allocations (pool_id, addr, bits);
CREATE INDEX allocations_owner ON allocations (owner, pool_id, addr, bits);
-- resource_id first serves a ResourceIDs constraint in both listing modes.
CREATE INDEX allocations_resource ON allocations (resource_id, pool_id);

CREATE TABLE client_tokens (
	owner       TEXT NOT NULL,
	action      TEXT NOT NULL,
	token       TEXT NOT NULL,
	params_hash TEXT NOT NULL,
	result      BLOB,
	created_at  INTEGER NOT NULL, -- unix seconds, for a future expiry sweep
	PRIMARY KEY (owner, action, token)
) WITHOUT ROWID;

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;
