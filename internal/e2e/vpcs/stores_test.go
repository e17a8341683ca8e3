package vpcs

import (
	"context"
	"testing"

	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/testserver"
)

// eachStore runs body on SQLite and, unless IPAMD_TEST_DATABASE_URL is
// empty, on a fresh PostgreSQL database.
func eachStore(t *testing.T, body func(t *testing.T, opts testserver.Options)) {
	t.Run("sqlite", func(t *testing.T) { body(t, testserver.Options{}) })
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), testserver.NewDatabase(t, "ipamd_vpcs").String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		body(t, testserver.Options{Store: st})
	})
}
