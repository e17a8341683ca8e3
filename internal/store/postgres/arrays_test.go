package postgres

import (
	"hash/fnv"
	"net/netip"
	"os"
	"slices"
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

// TestArrayLit: the literals PostgreSQL's array input reads back as the
// values (TestArrayLitRoundTrip asks the server).
func TestArrayLit(t *testing.T) {
	var a arrayLit
	if a.String() != "{}" {
		t.Errorf("empty: %s", a.String())
	}
	a = a.int(-3).bool(true).text(`a "b" \c`).text("").addr(netip.MustParsePrefix("10.0.0.0/31"), true)
	if got, want := a.String(), `{-3,t,"a \"b\" \\c","",281470849515521}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestArrayLitRoundTrip: the server reads the literals back as the values
// they were made of.
func TestArrayLitRoundTrip(t *testing.T) {
	admin := os.Getenv(urlEnv)
	if admin == "" {
		t.Skipf("%s not set: no PostgreSQL to test against", urlEnv)
	}
	conn, err := pgx.Connect(t.Context(), admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	texts := []string{"", `a "b"`, `c\d`, "{x,y}", "NULL", " e ", "é"}
	var tl arrayLit
	for _, s := range texts {
		tl = tl.text(s)
	}
	var ints, bools arrayLit
	ints, bools = ints.int(-1<<63).int(0).int(42), bools.bool(true).bool(false)
	v6 := netip.MustParsePrefix("fd00::/56")
	nums := arrayLit(nil).addr(v6, false).addr(v6, true)
	var gotTexts []string
	var gotInts []int64
	var gotBools []bool
	var gotNums []string
	if err := conn.QueryRow(t.Context(), `SELECT $1::text::text[], $2::text::bigint[], $3::text::boolean[], $4::text::numeric[]::text[]`,
		tl.String(), ints.String(), bools.String(), nums.String()).Scan(&gotTexts, &gotInts, &gotBools, &gotNums); err != nil {
		t.Fatal(err)
	}
	lo, hi := blockRange(v6)
	if !slices.Equal(gotTexts, texts) || !slices.Equal(gotInts, []int64{-1 << 63, 0, 42}) ||
		!slices.Equal(gotBools, []bool{true, false}) || !slices.Equal(gotNums, []string{lo, hi}) {
		t.Errorf("read back %q %v %v %v", gotTexts, gotInts, gotBools, gotNums)
	}
}
