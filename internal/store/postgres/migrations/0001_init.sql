-- Identifiers use the "C" collation whatever the database's default: byte
-- order is what the service sorts and pages by (and the cheapest to compare).

-- IPAMs, scopes and pools are small documents the service reads and writes
-- whole; only the columns it looks them up by are real columns.
CREATE TABLE ipams (
    id    text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL,
    doc   jsonb            NOT NULL
);
CREATE INDEX ipams_owner ON ipams (owner, id);

CREATE TABLE scopes (
    id      text COLLATE "C" PRIMARY KEY,
    owner   text COLLATE "C" NOT NULL,
    ipam_id text COLLATE "C" NOT NULL,
    doc     jsonb            NOT NULL
);
CREATE INDEX scopes_owner ON scopes (owner, id);

CREATE TABLE pools (
    id       text COLLATE "C" PRIMARY KEY,
    owner    text COLLATE "C" NOT NULL,
    ipam_id  text COLLATE "C" NOT NULL,
    scope_id text COLLATE "C" NOT NULL,
    doc      jsonb            NOT NULL
);
CREATE INDEX pools_owner ON pools (owner, id);

CREATE TABLE pool_cidrs (
    id      text COLLATE "C" PRIMARY KEY,
    pool_id text COLLATE "C" NOT NULL,
    seq     bigint           NOT NULL,
    doc     jsonb            NOT NULL
);
CREATE INDEX pool_cidrs_pool ON pool_cidrs (pool_id, seq);

-- Allocations are the big table (a pool may hold millions), so every field a
-- query filters or sorts on is a real column. addr and last are the first
-- and last address of the CIDR as 4 or 16 big-endian bytes: bytea compares
-- bytewise, which is address order, so keyset pagination on (addr, bits)
-- and the overlap check below stay on the btree.
CREATE TABLE allocations (
    id              text COLLATE "C" PRIMARY KEY,
    pool_id         text COLLATE "C" NOT NULL,
    owner           text COLLATE "C" NOT NULL,
    cidr            cidr             NOT NULL,
    addr            bytea            NOT NULL,
    last            bytea            NOT NULL,
    bits            integer          NOT NULL,
    resource_id     text             NOT NULL DEFAULT '',
    resource_type   text             NOT NULL DEFAULT '',
    resource_region text             NOT NULL DEFAULT '',
    resource_owner  text             NOT NULL DEFAULT '',
    description     text             NOT NULL DEFAULT '',
    tags            jsonb,
    CONSTRAINT allocations_pool_addr UNIQUE (pool_id, addr, bits),
    CONSTRAINT allocations_span CHECK (length(addr) = length(last) AND addr <= last)
);

-- The database's own guarantee that no two allocations of a pool overlap,
-- whichever node (or person) writes them.
--
-- Not an EXCLUDE USING gist (pool_id WITH =, cidr inet_ops WITH &&)
-- constraint: its index degenerates under the ascending inserts an
-- allocator makes (a point lookup read 50 of 89 pages at 15,000 rows of one
-- pool), so every insert got slower as the pool grew. Instead: allocations
-- of a pool are disjoint, so ordered by addr only the one with the greatest
-- addr <= the new last address can overlap the new one; one btree probe.
CREATE FUNCTION allocations_no_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    other text;
BEGIN
    -- Under REPEATABLE READ the probe would miss rows committed after the
    -- snapshot; the store writes in READ COMMITTED only.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'allocations are written in READ COMMITTED transactions only'
            USING ERRCODE = 'serialization_failure';
    END IF;
    -- Writers of one pool queue here, holding the pool's row lock or not,
    -- until the holder's transaction ends; the probe after it, in READ
    -- COMMITTED, sees what the holder committed.
    PERFORM pg_advisory_xact_lock(hashtextextended(NEW.pool_id, 0));
    SELECT a.id INTO other FROM (
        SELECT id, last FROM allocations
        WHERE pool_id = NEW.pool_id AND addr <= NEW.last AND id <> NEW.id
        ORDER BY addr DESC, bits DESC LIMIT 1
    ) a WHERE a.last >= NEW.addr;
    IF FOUND THEN
        RAISE EXCEPTION 'allocation % (%) overlaps allocation % of pool %', NEW.id, NEW.cidr, other, NEW.pool_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'allocations_no_overlap';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER allocations_no_overlap BEFORE INSERT OR UPDATE OF pool_id, addr, last ON allocations
    FOR EACH ROW EXECUTE FUNCTION allocations_no_overlap();

CREATE INDEX allocations_owner ON allocations (owner, pool_id, addr, bits);
CREATE INDEX allocations_resource ON allocations (pool_id, resource_id);

-- Answers to idempotent requests (ClientToken).
CREATE TABLE client_tokens (
    owner       text COLLATE "C" NOT NULL,
    action      text             NOT NULL,
    token       text             NOT NULL,
    params_hash text             NOT NULL,
    result      bytea,
    created_at  timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, action, token)
);

-- Store-wide settings every node must agree on (the pagination token key).
CREATE TABLE meta (
    key   text  PRIMARY KEY,
    value bytea NOT NULL
);

-- Seq of a pool CIDR inserted without one: creation order across nodes.
CREATE SEQUENCE pool_cidrs_seq;
