package ops

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ipamd/ipamd/internal/dump"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/store/sqlite"
	"github.com/ipamd/ipamd/internal/testserver"
)

func openPostgres(t *testing.T) ipam.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), testserver.NewDatabase(t, "ipamd_ops").String())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openSQLite(t *testing.T) ipam.Store {
	t.Helper()
	s, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func export(t *testing.T, s ipam.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := dump.Export(context.Background(), s, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestExportImportAcrossStores: state built through the API on SQLite,
// exported, imported into PostgreSQL, answers every listing as the source
// did; allocation goes on without overlap and a ClientToken retry answers
// its first answer. Then back from PostgreSQL into a new SQLite store.
func TestExportImportAcrossStores(t *testing.T) {
	src := testserver.Start(t, testserver.Options{})
	w := build(t, src.Client())
	want := listings(t, src.Client(), w)
	lite := export(t, src.Store)

	pg := openPostgres(t)
	if _, err := dump.Import(context.Background(), pg, bytes.NewReader(lite)); err != nil {
		t.Fatal(err)
	}
	onPG := testserver.Start(t, testserver.Options{Store: pg})
	sameListings(t, "SQLite -> PostgreSQL", want, listings(t, onPG.Client(), w))

	back := openSQLite(t)
	if _, err := dump.Import(context.Background(), back, bytes.NewReader(export(t, pg))); err != nil {
		t.Fatal(err)
	}
	onBack := testserver.Start(t, testserver.Options{Store: back})
	sameListings(t, "PostgreSQL -> SQLite", want, listings(t, onBack.Client(), w))

	stillWorks(t, onPG.Client(), w)
	stillWorks(t, onBack.Client(), w)
}

// TestImportRefuses: a non-empty target, a truncated dump and an edited
// one are refused with the reason, and a refused dump loads nothing.
func TestImportRefuses(t *testing.T) {
	src := testserver.Start(t, testserver.Options{})
	build(t, src.Client())
	good := export(t, src.Store)
	ctx := context.Background()

	if _, err := dump.Import(ctx, src.Store, bytes.NewReader(good)); !errors.Is(err, dump.ErrNotEmpty) {
		t.Errorf("import into the source itself: %v, want ErrNotEmpty", err)
	}
	lines := bytes.SplitAfter(good, []byte("\n"))
	truncated := bytes.Join(lines[:len(lines)/2], nil)
	edited := bytes.Replace(good, []byte(`"10.0.`), []byte(`"10.1.`), 1)
	noEnd := bytes.Join(lines[:len(lines)-2], nil)
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"truncated":   {truncated, "truncated"},
		"no end line": {noEnd, "truncated"},
		"edited":      {edited, "checksum mismatch"},
		"not a dump":  {[]byte("hello\n"), "not an ipamd dump"},
		"empty":       {nil, "no header"},
		"trailing":    {append(bytes.Clone(good), "{}\n"...), "after the end line"},
	} {
		target := openSQLite(t)
		_, err := dump.Import(ctx, target, bytes.NewReader(c.data))
		if !errors.Is(err, dump.ErrInvalid) || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("%s: %v, want ErrInvalid saying %q", name, err, c.want)
		}
		if err := target.View(ctx, func(tx ipam.Tx) error {
			empty, err := tx.(ipam.BulkTx).Empty()
			if err == nil && !empty {
				t.Errorf("%s: the refused dump left rows in the target", name)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		target.Close()
	}
}
