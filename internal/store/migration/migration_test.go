package migration

import (
	"os"
	"testing"
	"testing/fstest"
)

// TestStoresNumberAlike: SQLite and PostgreSQL carry the same migrations,
// version for version and name for name.
func TestStoresNumberAlike(t *testing.T) {
	lite, err := Load(os.DirFS("../sqlite"), "migrations")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := Load(os.DirFS("../postgres"), "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) {
		t.Fatalf("SQLite has %d migrations, PostgreSQL %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: SQLite %s, PostgreSQL %s", i+1, lite[i].Name, pg[i].Name)
		}
	}
}

func TestLoadRefusesGapsAndBadNames(t *testing.T) {
	for name, files := range map[string][]string{
		"gap":      {"m/0001_a.sql", "m/0003_c.sql"},
		"repeat":   {"m/0001_a.sql", "m/0001_b.sql"},
		"no digit": {"m/init.sql"},
		"short":    {"m/1_a.sql"},
	} {
		fsys := fstest.MapFS{}
		for _, f := range files {
			fsys[f] = &fstest.MapFile{Data: []byte("--")}
		}
		if _, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: Load accepted %v", name, files)
		}
	}
	ms, err := Load(fstest.MapFS{"m/0002_b.sql": {}, "m/0001_a.sql": {}}, "m")
	if err != nil || len(ms) != 2 || ms[0].Name != "0001_a" || ms[1].Version != 2 {
		t.Errorf("Load = %+v, %v", ms, err)
	}
}
