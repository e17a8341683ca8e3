-- The database's own guarantee that no two allocations of a pool overlap,
-- whichever node (or person) writes them: exclusion constraints on the
-- cidr column, in place of 0001's trigger, so it holds under any isolation
-- level and cannot be switched off with the session's replication role.
--
-- Not the cidr column with inet_ops: GiST's inet support organizes the
-- ascending allocations an allocator makes badly (at 600,000 /28s of one
-- pool a point lookup read 81 pages and each insert cost 240 µs, growing).
-- A range of the cidr's first and last address keeps the tree shallow (4
-- pages at 1,000,000 rows) and inserts flat.
--
-- IPv4: an int8range computed from the cidr itself (inet - inet is the
-- address as a number). IPv6 needs 128 bits, which inet arithmetic cannot
-- produce, so a numrange from addr and last (the first and last address as
-- 16 big-endian bytes, which the store writes), and a CHECK that those are
-- the cidr's (for IPv4 too: other readers rely on them). Only built-in functions: an SQL function of our own in a
-- constraint is planned afresh in every INSERT.
CREATE EXTENSION IF NOT EXISTS btree_gist; -- pool_id WITH = inside a GiST index

DROP TRIGGER allocations_no_overlap ON allocations;
DROP FUNCTION allocations_no_overlap();

ALTER TABLE allocations
    -- addr, last and bits are the cidr's: the listing, the store's own
    -- overlap probe and the IPv6 constraint read them.
    ADD CONSTRAINT allocations_bounds CHECK (bits = masklen(cidr) AND CASE family(cidr)
        WHEN 4 THEN
            addr = substring(int8send(cidr - '0.0.0.0'::inet) from 5)
            AND last = substring(int8send(broadcast(cidr) - '0.0.0.0'::inet) from 5)
        ELSE
            length(addr) = 16 AND length(last) = 16
            AND set_masklen(regexp_replace(encode(addr, 'hex'), '(....)(?!$)', '\1:', 'g')::inet, bits)::cidr = cidr
            AND regexp_replace(encode(last, 'hex'), '(....)(?!$)', '\1:', 'g')::inet = host(broadcast(cidr))::inet
        END),
    ADD CONSTRAINT allocations_no_overlap EXCLUDE USING gist (
        pool_id WITH =,
        int8range(cidr - '0.0.0.0'::inet, broadcast(cidr) - '0.0.0.0'::inet, '[]') WITH &&
    ) WHERE (family(cidr) = 4),
    -- ('x' || hex)::bit(32)::bigint & 4294967295: 4 big-endian bytes as
    -- an unsigned number.
    ADD CONSTRAINT allocations_no_overlap6 EXCLUDE USING gist (
        pool_id WITH =,
        numrange(
            (('x' || encode(substring(addr from 1 for 4), 'hex'))::bit(32)::bigint & 4294967295) * 79228162514264337593543950336::numeric
            + (('x' || encode(substring(addr from 5 for 4), 'hex'))::bit(32)::bigint & 4294967295) * 18446744073709551616::numeric
            + (('x' || encode(substring(addr from 9 for 4), 'hex'))::bit(32)::bigint & 4294967295) * 4294967296::numeric
            + (('x' || encode(substring(addr from 13 for 4), 'hex'))::bit(32)::bigint & 4294967295),
            (('x' || encode(substring(last from 1 for 4), 'hex'))::bit(32)::bigint & 4294967295) * 79228162514264337593543950336::numeric
            + (('x' || encode(substring(last from 5 for 4), 'hex'))::bit(32)::bigint & 4294967295) * 18446744073709551616::numeric
            + (('x' || encode(substring(last from 9 for 4), 'hex'))::bit(32)::bigint & 4294967295) * 4294967296::numeric
            + (('x' || encode(substring(last from 13 for 4), 'hex'))::bit(32)::bigint & 4294967295),
            '[]') WITH &&
    ) WHERE (family(cidr) = 6);
