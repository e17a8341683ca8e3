-- Nothing to do on PostgreSQL: SQLite's 0004 moved client_tokens off a
-- WITHOUT ROWID table, a layout PostgreSQL never had (its heap tables
-- append, and the primary key index is the only random insert). The file
-- keeps the two stores' numbering alike (internal/store/migration).
SELECT 1;
