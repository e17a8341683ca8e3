// Package migration holds what the two stores share about schema
// migrations: one numbering. Each store embeds migrations/NNNN_name.sql;
// both stores carry the same versions with the same names, in the same order
// (a change one store does not need is a file holding only a comment), so
// "version 5" means the same step on SQLite and PostgreSQL.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one numbered schema step.
type Migration struct {
	Version int
	Name    string // the file name without ".sql", e.g. "0003_pool_changes"
	SQL     string
}

// Load reads every dir/*.sql of fsys. Versions must run 1, 2, 3, ... without
// gaps or repeats, so a missing or doubled file fails at Open, not in the
// field.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".sql")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || len(num) != 4 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", n)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: base, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d (versions run 1, 2, 3, ... without gaps)", m.Name, i+1)
		}
	}
	return ms, nil
}

// Pending returns the migrations of ms whose version applied does not hold,
// in order.
func Pending(ms []Migration, applied func(Migration) bool) []Migration {
	var out []Migration
	for _, m := range ms {
		if !applied(m) {
			out = append(out, m)
		}
	}
	return out
}

// WithFailure returns ms followed by two injected migrations: one that
// creates the table injected_good, then one that creates injected_bad and
// runs failSQL, which must fail. Tests of "a failed migration changes
// nothing" check that neither table nor record survives.
func WithFailure(ms []Migration, failSQL string) []Migration {
	n := len(ms)
	return append(ms[:n:n],
		Migration{Version: n + 1, Name: "9001_good", SQL: "CREATE TABLE injected_good (x int)"},
		Migration{Version: n + 2, Name: "9002_bad", SQL: "CREATE TABLE injected_bad (x int); " + failSQL})
}
