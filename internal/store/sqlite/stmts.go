package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache holds the statements prepared on one *sql.DB, keyed by their SQL
// (the store's statements are constant strings, and ListAllocations caches
// only its few unconstrained shapes).
// Statements prepared on the DB (not on a Conn or Tx) are remembered per
// connection by database/sql, so Tx.StmtContext reuses the compiled statement
// instead of compiling the SQL again for every transaction.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// get returns the statement prepared for query, if any. It never prepares:
// the write DB has a single connection, which the calling transaction holds,
// so preparing on the DB here would wait for it forever.
func (c *stmtCache) get(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[query]
	return s, ok
}

// learn prepares queries that transactions had to prepare for themselves.
// It runs after a transaction released its connection, so the preparation
// cannot wait on the caller's own connection.
func (c *stmtCache) learn(ctx context.Context, queries []string) {
	for _, q := range queries {
		if _, ok := c.get(q); ok {
			continue
		}
		s, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue // the next transaction prepares it for itself again
		}
		c.mu.Lock()
		if _, ok := c.m[q]; ok {
			s.Close()
		} else {
			c.m[q] = s
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.m {
		s.Close()
		delete(c.m, q)
	}
}
