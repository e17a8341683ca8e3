package vpcs

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/testserver"
)

// eachStore runs body on SQLite and, unless IPAMD_TEST_DATABASE_URL is set
// to the empty string, on a fresh PostgreSQL database.
func eachStore(t *testing.T, body func(t *testing.T, opts testserver.Options)) {
	t.Run("sqlite", func(t *testing.T) { body(t, testserver.Options{}) })
	t.Run("postgres", func(t *testing.T) {
		admin := os.Getenv("IPAMD_TEST_DATABASE_URL")
		if admin == "" {
			t.Skip("IPAMD_TEST_DATABASE_URL is empty: no PostgreSQL to test against")
		}
		st, err := postgres.Open(context.Background(), freshDatabase(t, admin))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		body(t, testserver.Options{Store: st})
	})
}

// freshDatabase creates a database dropped when the test ends.
func freshDatabase(t *testing.T, admin string) string {
	t.Helper()
	var b [6]byte
	_, _ = crand.Read(b[:])
	name := "ipamd_vpcs_" + hex.EncodeToString(b[:])
	exec := func(sql string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("CREATE DATABASE " + name)
	t.Cleanup(func() { exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
