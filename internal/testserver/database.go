package testserver

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DatabaseURLEnv names the variable with an admin URL of the test
// PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const DatabaseURLEnv = "IPAMD_TEST_DATABASE_URL"

// NewDatabase creates a randomly named database (prefix_<hex>) on the test
// server, drops it (WITH (FORCE)) when the test ends, and returns its URL.
// It skips the test when IPAMD_TEST_DATABASE_URL is unset.
func NewDatabase(t testing.TB, prefix string) *url.URL {
	t.Helper()
	admin := os.Getenv(DatabaseURLEnv)
	if admin == "" {
		t.Skipf("%s not set: no PostgreSQL to test against", DatabaseURLEnv)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", DatabaseURLEnv, err)
	}
	var b [6]byte
	_, _ = crand.Read(b[:])
	name := prefix + "_" + hex.EncodeToString(b[:])
	adminExec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { adminExec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	v := *u
	v.Path = "/" + name
	return &v
}

func adminExec(t testing.TB, admin, sql string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Errorf("connect %s: %v", DatabaseURLEnv, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Errorf("%s: %v", sql, err)
	}
}
