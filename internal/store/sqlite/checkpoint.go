package sqlite

import (
	"database/sql"
	"time"
)

// checkpointEvery is how often the background checkpointer copies the WAL
// into the database file.
const checkpointEvery = 200 * time.Millisecond

// The write connection keeps SQLite's automatic checkpoint only as a
// backstop (walBackstopPages, 40 MB of WAL): checkpointing in the commit path
// cost a sixth of each allocation's time. A PASSIVE checkpoint on its own
// connection runs beside the writer and the readers, never waits for them,
// and lets the WAL restart from its beginning once it caught up.
const walBackstopPages = 10000

func (s *Store) checkpointLoop(db *sql.DB) {
	defer close(s.ckptDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.ckptStop:
			return
		case <-t.C:
			// An error (a busy database) is retried at the next tick; the
			// backstop bounds the WAL meanwhile.
			_, _ = db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}
