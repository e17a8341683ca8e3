package postgres

import (
	"hash/fnv"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/jackc/pgx/v5"
)

// TestSpaceLockID: the hash is FNV-1a of "ipamd resource space " + key,
// the number every ipamd since monitoring began locks a network by (nodes
// of two versions in one cluster must meet on the same locks).
func TestSpaceLockID(t *testing.T) {
	for _, l := range []ipam.SpaceLock{
		{Owner: "111122223333", Net: netip.MustParsePrefix("10.0.0.0/16")},
		{Owner: "111122223333", Net: netip.MustParsePrefix("fd00:1234:5678::/44"), Exclusive: true},
		{Owner: strings.Repeat("9", 80), Net: netip.MustParsePrefix("10.1.2.0/28")}, // past the stack buffer
	} {
		h := fnv.New64a()
		h.Write([]byte("ipamd resource space " + l.Key()))
		if got, want := spaceLockID(l), int64(h.Sum64()); got != want {
			t.Errorf("spaceLockID(%s) = %d, want %d", l.Key(), got, want)
		}
	}
	l := ipam.SpaceLock{Owner: "111122223333", Net: netip.MustParsePrefix("10.0.0.0/16")}
	if n := testing.AllocsPerRun(100, func() { spaceLockID(l) }); n != 0 {
		t.Errorf("spaceLockID allocates %v times", n)
	}
}

// TestAddrNumRoundTrip: the server reads the parameters addrNum makes (an
// int64, a pgtype.Numeric), and blockDecimals' text, as the numbers they
// stand for (blockText).
func TestAddrNumRoundTrip(t *testing.T) {
	admin := os.Getenv(urlEnv)
	if admin == "" {
		t.Skipf("%s not set: no PostgreSQL to test against", urlEnv)
	}
	conn, err := pgx.Connect(t.Context(), admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	for _, s := range []string{"0.0.0.0/0", "10.1.2.0/23", "255.255.255.255/32", "::/0", "fd00::/56", "::ffff:10.0.0.0/104"} {
		p := netip.MustParsePrefix(s)
		var lo, hi string
		nlo, nhi := blockNums(p)
		if err := conn.QueryRow(t.Context(), `SELECT $1::numeric::text, $2::numeric::text`, nlo, nhi).Scan(&lo, &hi); err != nil {
			t.Fatal(err)
		}
		if wlo, whi := blockText(p); lo != wlo || hi != whi {
			t.Errorf("%s read back as %s, %s; want %s, %s", s, lo, hi, wlo, whi)
		}
		dlo, dhi := blockDecimals(p)
		if err := conn.QueryRow(t.Context(), `SELECT $1::text::numeric::text, $2::text::numeric::text`, dlo, dhi).Scan(&lo, &hi); err != nil {
			t.Fatal(err)
		}
		if wlo, whi := blockText(p); lo != wlo || hi != whi {
			t.Errorf("%s as text read back as %s, %s; want %s, %s", s, lo, hi, wlo, whi)
		}
	}
}
