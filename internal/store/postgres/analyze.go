package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// The planner's statistics of ipamd's tables stay current even where the
// server's autovacuum is off or behind a burst of writes.
//
// Why: ipamd's statements are prepared, and a plan made while a table was
// small or never analyzed stays as the table grows. DescribeSubnets' page,
// planned for "124 rows", read all 20,000 of the owner's subnets and sorted
// them (107 ms) until an ANALYZE, after which it walks the (owner, id)
// index (3.5 ms). With autovacuum on this is what it does anyway; each node
// does it too, for its own schema only: every analyzeEvery, a table with
// more than 50 rows + 10 % changed since its last analysis (autovacuum's
// default thresholds) is analyzed, by one node at a time. ANALYZE blocks no
// reader or writer, and the new statistics make every session plan its
// prepared statements again.
var analyzeEvery = 30 * time.Second

// analyzeLock is the advisory lock that lets one node analyze at a time.
const analyzeLock = 0x69_70_61_6d_64_61_6e // "ipamdan"

// analyzeLoop runs analyzeStale at start and every analyzeEvery until ctx
// ends.
func (s *Store) analyzeLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		tables, err := s.analyzeStale(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			slog.Warn("postgres: analyzing ipamd's tables failed; retrying later", "err", err)
		case len(tables) > 0:
			slog.Debug("postgres: analyzed", "tables", tables)
		}
		t.Reset(analyzeEvery)
	}
}

// analyzeStale analyzes the tables of the current schema that changed
// enough since their last analysis, unless another node is doing it, and
// returns their names.
func (s *Store) analyzeStale(ctx context.Context) ([]string, error) {
	var analyzed []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var mine bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(analyzeLock)).Scan(&mine); err != nil || !mine {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
			WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
			ORDER BY s.relname`)
		if err != nil {
			return err
		}
		stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, name := range stale {
			if _, err := tx.Exec(ctx, `ANALYZE `+pgx.Identifier{name}.Sanitize()); err != nil {
				return err
			}
			analyzed = append(analyzed, name)
		}
		return nil
	})
	return analyzed, mapErr(err)
}
