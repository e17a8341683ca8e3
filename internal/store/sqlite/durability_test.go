package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// The default store fsyncs at commit: every connection that writes the
// database (the writer and the checkpointer) runs synchronous=FULL (2), and
// NORMAL (1) only when asked for.
func TestSynchronousDefaultIsFull(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want int
	}{{Options{}, 2}, {Options{Synchronous: SyncFull}, 2}, {Options{Synchronous: SyncNormal}, 1}} {
		s, err := OpenWith(t.TempDir(), c.opts)
		if err != nil {
			t.Fatal(err)
		}
		for name, db := range map[string]*sql.DB{"writer": s.wdb, "checkpointer": s.cdb} {
			var got int
			if err := db.QueryRow(`PRAGMA synchronous`).Scan(&got); err != nil || got != c.want {
				t.Errorf("%+v: %s synchronous = %d, %v; want %d", c.opts, name, got, err, c.want)
			}
		}
		s.Close()
	}
	if _, err := OpenWith(t.TempDir(), Options{Synchronous: "off"}); err == nil {
		t.Error(`OpenWith accepted synchronous "off"`)
	}
}

// fsyncDirEnv makes the test binary, re-executed under strace by
// TestCommitFsyncsWAL, act as the helper that commits and acknowledges.
const fsyncDirEnv = "IPAMD_SQLITE_FSYNC_DIR"

const fsyncAcks = 20

// TestCommitFsyncsWAL proves the default from outside the process: under
// strace, every acknowledgement a helper writes after a commit must be
// preceded, since the commit's last write to the -wal file, by an fsync or
// fdatasync of that file. The same check run on a synchronous=NORMAL store
// must find unsynced acknowledgements, so the check itself can fail.
func TestCommitFsyncsWAL(t *testing.T) {
	if dir := os.Getenv(fsyncDirEnv); dir != "" {
		fsyncHelper(dir, os.Getenv(fsyncDirEnv+"_SYNC"))
		return
	}
	if testing.Short() {
		t.Skip("spawns a process under strace")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed: the PRAGMA test covers the default")
	}
	for _, c := range []struct {
		sync     string
		unsynced bool
	}{{SyncFull, false}, {SyncNormal, true}} {
		dir := t.TempDir()
		log := filepath.Join(dir, "strace.log")
		cmd := exec.Command(strace, "-f", "-qq", "-o", log, "-e", "trace=open,openat,close,write,pwrite64,fsync,fdatasync",
			os.Args[0], "-test.run=^TestCommitFsyncsWAL$", "-test.count=1")
		cmd.Env = append(os.Environ(), fsyncDirEnv+"="+dir, fsyncDirEnv+"_SYNC="+c.sync)
		if out, err := cmd.CombinedOutput(); err != nil {
			if strings.Contains(string(out), "ptrace") {
				t.Skipf("strace cannot trace here: %s", out)
			}
			t.Fatalf("helper under strace: %v\n%s", err, out)
		}
		acks, bad := unsyncedAcks(t, log)
		if acks != fsyncAcks {
			t.Fatalf("%s: strace saw %d acknowledgements, want %d", c.sync, acks, fsyncAcks)
		}
		if c.unsynced && bad == 0 {
			t.Errorf("synchronous=%s: every acknowledgement followed an fsync; the check cannot tell the modes apart", c.sync)
		}
		if !c.unsynced && bad > 0 {
			t.Errorf("synchronous=%s: %d of %d acknowledgements were written with the WAL not fsynced since the commit", c.sync, bad, acks)
		}
	}
}

var (
	straceOpen = regexp.MustCompile(`open(?:at)?\(.*"([^"]*)".*\) = (\d+)$`)
	straceCall = regexp.MustCompile(`^\d+ +(close|pwrite64|write|fsync|fdatasync)\((\d+)(, "([^"]*)")?`)
)

// unsyncedAcks reads an strace log and counts the helper's acknowledgements
// and those written while a write to the -wal file was not yet fsynced.
func unsyncedAcks(t *testing.T, log string) (acks, bad int) {
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wal := map[string]bool{} // fds open on the -wal file
	dirty := false           // the WAL was written since its last fsync
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		if m := straceOpen.FindStringSubmatch(line); m != nil {
			wal[m[2]] = strings.HasSuffix(m[1], "-wal")
			continue
		}
		m := straceCall.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		switch fd := m[2]; m[1] {
		case "close":
			delete(wal, fd)
		case "pwrite64":
			dirty = dirty || wal[fd]
		case "fsync", "fdatasync":
			if wal[fd] {
				dirty = false
			}
		case "write":
			if fd == "1" && m[4] == `ack\n` {
				acks++
				if dirty {
					bad++
				}
			}
		}
	}
	return acks, bad
}

func fsyncHelper(dir, sync string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "fsync helper:", err)
		os.Exit(2)
	}
	s, err := OpenWith(dir, Options{Synchronous: sync})
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	const owner = "111111111111"
	if err := s.Update(ctx, func(tx ipam.Tx) error { return seedPool(tx, owner, "ipam-pool-sync", "ipv4") }); err != nil {
		fail(err)
	}
	for i := range fsyncAcks {
		if err := allocateOne(ctx, s, owner, "ipam-pool-sync", i); err != nil {
			fail(err)
		}
		os.Stdout.WriteString("ack\n") // one write(2): what an answer to a client is
	}
	s.Close()
	os.Exit(0)
}
