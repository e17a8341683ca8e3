package postgres

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// urlEnv names the variable holding an admin URL of the test server, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const urlEnv = "IPAMD_TEST_DATABASE_URL"

// testDB is a database made for one test run, dropped when the test ends.
// Each location gets its own schema in it (through search_path), so the
// many subtests of a run cost one CREATE DATABASE.
type testDB struct {
	url     *url.URL
	schemas atomic.Int64
}

func newTestDB(tb testing.TB) *testDB {
	tb.Helper()
	admin := os.Getenv(urlEnv)
	if admin == "" {
		tb.Skipf("%s not set: no PostgreSQL to test against", urlEnv)
	}
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("%s: %v", urlEnv, err)
	}
	var b [6]byte
	_, _ = crand.Read(b[:])
	name := "ipamd_test_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("connect %s: %v", urlEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		// FORCE ends connections a failed test may have left open.
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return &testDB{url: u}
}

// URL of the database itself (public schema).
func (d *testDB) URL() string { return d.url.String() }

// newSchema creates an empty schema and returns a URL whose connections use
// it, so each Open of the URL sees a fresh, unmigrated store.
func (d *testDB) newSchema(tb testing.TB) string {
	tb.Helper()
	name := "loc" + strconv.FormatInt(d.schemas.Add(1), 10)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.URL())
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		tb.Fatal(err)
	}
	u := *d.url
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// openStore opens a Store on url and closes it when the test ends.
func openStore(tb testing.TB, url string) *Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, url)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
