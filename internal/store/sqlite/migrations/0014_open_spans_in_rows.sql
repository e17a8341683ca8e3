-- A span that lasts is no longer a history record: its block's row is the
-- record (history_id, since and its status) until the span ends, and only
-- then is the record inserted, ended. Every new VPC and subnet block saves
-- a history insert and its index entry. The open records this drops are
-- those rows' spans (every row named its open record), so nothing is lost;
-- a record's name is now the block's name when the span ended (or now).
DELETE FROM address_history WHERE end_ns IS NULL;
