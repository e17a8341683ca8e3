-- A description filter value that matches a few allocations of a pool with
-- millions is an index lookup, and one value's rows come out in listing order
-- (addr, bits), so keyset pages need no sort.
CREATE INDEX allocations_description ON allocations (pool_id, description, addr, bits);
