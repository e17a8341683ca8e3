-- Nothing to do on SQLite: PostgreSQL's 0005 replaced its overlap trigger
-- with exclusion constraints because several nodes write one database. The
-- SQLite store has one writer, and its overlap probe (alloc.go) runs inside
-- that writer's transaction. The file keeps the two stores' numbering alike
-- (internal/store/migration).
SELECT 1;
