-- ipamd_overlap_found() ends the transaction that calls it with SQLSTATE
-- IP001. A group of new VPCs takes "nothing stored overlaps our blocks" on
-- trust and sends its check with COMMIT (Tx.ExpectNoOverlaps): a row found
-- there calls this, the whole transaction rolls back, and ipamd runs it
-- again asking first. SQL alone cannot fail a statement on a condition it
-- computes, hence a function; IP001 is no PostgreSQL condition, so the
-- store cannot mistake another failure for it.
CREATE FUNCTION ipamd_overlap_found() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'ipamd: a stored block overlaps a new one' USING ERRCODE = 'IP001';
END
$$;
