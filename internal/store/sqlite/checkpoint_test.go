package sqlite

import (
	"os"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

func walSize(t *testing.T, s *Store) int64 {
	t.Helper()
	fi, err := os.Stat(s.path + "-wal")
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestWALBoundedAfterBurst: a burst of commits while a reader pins an old
// snapshot (so no checkpoint can restart the WAL) grows the -wal file far
// past walLimitBytes; once the store is idle the checkpointer empties it.
func TestWALBoundedAfterBurst(t *testing.T) {
	defer func(e, i time.Duration) { checkpointEvery, idleAfter = e, i }(checkpointEvery, idleAfter)
	checkpointEvery, idleAfter = 20*time.Millisecond, 300*time.Millisecond
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	const owner = "111111111111"
	if err := s.Update(ctx, func(tx ipam.Tx) error { return seedPool(tx, owner, "ipam-pool-wal", "ipv4") }); err != nil {
		t.Fatal(err)
	}
	pinned, release := make(chan struct{}), make(chan struct{})
	go s.View(ctx, func(tx ipam.Tx) error {
		if _, err := tx.GetPool(owner, "ipam-pool-wal"); err != nil {
			t.Error(err)
		}
		close(pinned)
		<-release
		return nil
	})
	<-pinned
	const burst = 1500
	for i := range burst {
		if err := allocateOne(ctx, s, owner, "ipam-pool-wal", i); err != nil {
			t.Fatal(err)
		}
	}
	peak := walSize(t, s)
	close(release)
	if peak <= walLimitBytes {
		t.Fatalf("the burst left a %d-byte WAL; the test needs one past %d", peak, walLimitBytes)
	}
	deadline := time.Now().Add(10 * time.Second)
	for walSize(t, s) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := walSize(t, s); n > 0 {
		t.Fatalf("WAL still %d bytes %v after the burst (peak %d)", n, 10*time.Second, peak)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d allocations: WAL peak %d bytes, after idle 0; database %d bytes", burst, peak, fi.Size())
	// Everything is still there.
	if err := s.View(ctx, func(tx ipam.Tx) error {
		ps, err := tx.PoolPrefixes("ipam-pool-wal")
		if len(ps) != burst {
			t.Errorf("%d allocations after the checkpoint, want %d", len(ps), burst)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
