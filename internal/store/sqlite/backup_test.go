package sqlite

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// TestBackupWhileWriting: a backup taken while a writer commits is a
// consistent snapshot (every allocation commit also bumps the pool's
// version, so the two agree), and the writer keeps committing during it.
func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	const owner, pool = "111111111111", "ipam-pool-bk"
	if err := s.Update(ctx, func(tx ipam.Tx) error { return seedPool(tx, owner, pool, "ipv4") }); err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		if err := allocateOne(ctx, s, owner, pool, i); err != nil {
			t.Fatal(err)
		}
	}
	var during atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 3000; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := allocateOne(ctx, s, owner, pool, i); err != nil {
				t.Error(err)
				return
			}
			during.Add(1)
		}
	}()
	for during.Load() < 5 { // the writer is running
	}
	dest := filepath.Join(t.TempDir(), "backup.db")
	before := during.Load()
	if err := Backup(ctx, dir, dest); err != nil {
		t.Fatal(err)
	}
	committed := during.Load() - before
	close(stop)
	<-done
	if err := Backup(ctx, dir, dest); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a second backup to the same file: %v, want a refusal", err)
	}

	rdir := filepath.Join(t.TempDir(), "restored")
	if err := Restore(ctx, dest, rdir); err != nil {
		t.Fatal(err)
	}
	r, err := Open(rdir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.View(ctx, func(tx ipam.Tx) error {
		p, err := tx.GetPool(owner, pool)
		if err != nil {
			return err
		}
		ps, err := tx.PoolPrefixes(pool)
		if int64(len(ps)) != p.Version || len(ps) < 3005 {
			t.Errorf("backup holds %d allocations at pool version %d: not one snapshot", len(ps), p.Version)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d commits during the backup", committed)
}

// TestRestoreRefusesNonEmpty: a directory holding anything is refused with a
// clear error and left untouched; a file that is not an ipamd store is
// refused before anything is written.
func TestRestoreRefusesNonEmpty(t *testing.T) {
	ctx := t.Context()
	src := t.TempDir()
	s, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	dest := filepath.Join(t.TempDir(), "b.db")
	if err := Backup(ctx, src, dest); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	keep := filepath.Join(target, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = Restore(ctx, dest, target)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a non-empty directory: %v", err)
	}
	entries, _ := os.ReadDir(target)
	if b, _ := os.ReadFile(keep); len(entries) != 1 || string(b) != "mine" {
		t.Errorf("the refused target changed: %d entries", len(entries))
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not sqlite ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "new")
	if err := Restore(ctx, junk, empty); err == nil {
		t.Error("restored a file that is not a database")
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("a refused restore created %s", empty)
	}
}
