package ops

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/testserver"
)

// TestPgDumpRestore: the PostgreSQL backup docs/deployment.md documents
// (pg_dump --format=custom, pg_restore --no-owner into a new database)
// gives a database that serves the same listings.
func TestPgDumpRestore(t *testing.T) {
	dumpBin, err1 := exec.LookPath("pg_dump")
	restoreBin, err2 := exec.LookPath("pg_restore")
	if err1 != nil || err2 != nil {
		t.Skip("pg_dump or pg_restore not installed: the documented PostgreSQL backup is not tested here")
	}
	srcURL := testserver.NewDatabase(t, "ipamd_ops").String()
	store, err := postgres.Open(context.Background(), srcURL)
	if err != nil {
		t.Fatal(err)
	}
	src := testserver.Start(t, testserver.Options{Store: store})
	w := build(t, src.Client())
	want := listings(t, src.Client(), w)

	file := filepath.Join(t.TempDir(), "ipamd.pgdump")
	if out, err := exec.Command(dumpBin, "--format=custom", "--file="+file, srcURL).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	dst := testserver.NewDatabase(t, "ipamd_ops_restored")
	if out, err := exec.Command(restoreBin, "--no-owner", "--exit-on-error", "--dbname="+dst.String(), file).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	restored, err := postgres.Open(context.Background(), dst.String())
	if err != nil {
		t.Fatal(err)
	}
	on := testserver.Start(t, testserver.Options{Store: restored})
	sameListings(t, "pg_dump -> pg_restore", want, listings(t, on.Client(), w))
	stillWorks(t, on.Client(), w)
}
