-- Each pool's change log: what each transaction did to the pool's free
-- space, one row per pool version, so a node whose cached space is a few
-- versions old replays them instead of reloading every allocation. The
-- service prunes old versions and drops a deleted pool's rows. (Numbered
-- like SQLite's migration of the same change.)
CREATE TABLE pool_changes (
    pool_id text COLLATE "C" NOT NULL,
    version bigint           NOT NULL,
    changes text             NOT NULL, -- ipam.EncodePoolChanges
    PRIMARY KEY (pool_id, version)
);
