package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/ipam"
)

// crashDirEnv makes the test binary, re-executed by TestKill9Durability, act
// as the helper process that commits and then waits to be killed.
const crashDirEnv = "IPAMD_SQLITE_CRASH_DIR"

const crashCommits = 300

// TestKill9Durability is the proof that a committed transaction survives
// kill -9 of the process (it would under synchronous=NORMAL too): a helper process commits
// crashCommits allocations one transaction each, says "done", and is killed
// with SIGKILL without closing the store; the reopened store has them all.
func TestKill9Durability(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashHelper(dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Durability$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := false
	for sc := bufio.NewScanner(out); sc.Scan(); {
		if sc.Text() == "done" {
			done = true
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if !done {
		t.Fatal(`helper process ended without saying "done"`)
	}
	if cmd.ProcessState.Exited() {
		t.Fatalf("helper process exited (%v) instead of being killed", cmd.ProcessState)
	}

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(t.Context(), func(tx ipam.Tx) error {
		p, err := tx.GetPool("111111111111", "ipam-pool-crash")
		if err != nil {
			return err
		}
		prefixes, err := tx.PoolPrefixes(p.ID)
		if err != nil {
			return err
		}
		if len(prefixes) != crashCommits || p.Version != crashCommits {
			t.Errorf("after kill -9: %d allocations, pool version %d; want %d of each", len(prefixes), p.Version, crashCommits)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func crashHelper(dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash helper:", err)
		os.Exit(2)
	}
	s, err := Open(dir)
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	const owner = "111111111111"
	err = s.Update(ctx, func(tx ipam.Tx) error {
		return seedPool(tx, owner, "ipam-pool-crash", "ipv4")
	})
	if err != nil {
		fail(err)
	}
	for i := range crashCommits {
		if err := allocateOne(ctx, s, owner, "ipam-pool-crash", i); err != nil {
			fail(err)
		}
	}
	fmt.Println("done")
	time.Sleep(time.Hour) // until the SIGKILL; the store is never closed
	os.Exit(3)
}
