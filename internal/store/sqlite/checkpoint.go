package sqlite

import (
	"database/sql"
	"time"
)

// The checkpoint policy, which bounds the -wal file beside the database:
//
//   - Every checkpointEvery after a write, a PASSIVE checkpoint on its own
//     connection copies the WAL into the database file. It runs beside the
//     writer and the readers and never waits for them; once it has caught
//     up, the next commit starts the WAL again from its beginning.
//   - When the writer starts the WAL again, it truncates the file to
//     walLimitBytes (journal_size_limit): a burst that grew the WAL does not
//     leave it at its peak size under steady load.
//   - After idleAfter without a write, one TRUNCATE checkpoint empties the
//     file (0 bytes). It does not wait for locks: if a reader or writer is
//     busy it is retried at the next tick.
//   - SQLite's own automatic checkpoint in the commit path stays only as a
//     backstop (walBackstopPages, 40 MB of WAL): checkpointing there cost a
//     sixth of each allocation's time.
var (
	checkpointEvery = 200 * time.Millisecond
	idleAfter       = 2 * time.Second
)

const (
	walBackstopPages = 10000
	walLimitBytes    = 4 << 20
)

func (s *Store) checkpointLoop(db *sql.DB) {
	defer close(s.ckptDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var seen uint64
	lastWrite := time.Now()
	truncated := false
	for {
		select {
		case <-s.ckptStop:
			return
		case now := <-t.C:
			if w := s.writes.Load(); w != seen {
				seen, lastWrite, truncated = w, now, false
				// An error (a busy database) is retried at the next tick;
				// the backstop bounds the WAL meanwhile.
				_, _ = db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
				continue
			}
			if !truncated && now.Sub(lastWrite) >= idleAfter {
				var busy, logPages, done int
				err := db.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done)
				truncated = err == nil && busy == 0
			}
		}
	}
}
