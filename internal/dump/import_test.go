package dump

import (
	"encoding/json"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// TestSplitRecord: the fast split of a record line gives what decoding the
// whole line gives, and leaves any other shape to the full decode. (A split
// value that is not JSON fails the loader's decode of it.)
func TestSplitRecord(t *testing.T) {
	for _, raw := range []string{
		`{"k":"allocation","v":{"id":"a","cidr":"10.0.0.0/24"}}` + "\n",
		`{"k":"client_token","v":{"OwnerID":"1","Result":"e30="}}` + "\r\n",
		`{"k":"x","v":[]}`,
	} {
		got, ok := splitRecord([]byte(raw))
		var want line
		if err := json.Unmarshal([]byte(raw), &want); err != nil {
			t.Fatal(err)
		}
		if !ok || got.K != want.K || string(got.V) != string(want.V) {
			t.Errorf("splitRecord(%q) = %q %q %v, want %q %q", raw, got.K, got.V, ok, want.K, want.V)
		}
	}
	for _, raw := range []string{
		`{"k":"end","records":3,"sha256":"00"}` + "\n",
		`{"v":{},"k":"allocation"}` + "\n",
		`{"k":"a\"b","v":{}}` + "\n",
		`{ "k":"allocation","v":{}}` + "\n",
	} {
		if _, ok := splitRecord([]byte(raw)); ok {
			t.Errorf("splitRecord(%q) split a line of another shape", raw)
		}
	}
}

// historyTx records the history records a load inserts.
type historyTx struct {
	ipam.BulkTx
	got []string
}

func (h *historyTx) InsertHistory(r *ipam.HistoryRecord) error {
	h.got = append(h.got, r.ID)
	return nil
}

// TestLoadSkipsOpenRecords: a dump made before migration 14 holds a
// record of every span that lasts as well as its block's row, which is
// that span now; only ended records are loaded into the history.
func TestLoadSkipsOpenRecords(t *testing.T) {
	tx := &historyTx{}
	l := &loader{tx: tx}
	for _, v := range []string{
		`{"id":"h1","scope":"s","cidr":"10.0.0.0/16","start":"2026-01-01T00:00:00Z","end":"2026-02-01T00:00:00Z"}`,
		`{"id":"h2","scope":"s","cidr":"10.0.0.0/16","start":"2026-02-01T00:00:00Z","end":"0001-01-01T00:00:00Z"}`,
		`{"id":"h3","scope":"s","cidr":"10.0.0.0/16","start":"2026-02-01T00:00:00Z"}`,
	} {
		if err := loaders[KindHistory](l, []byte(v)); err != nil {
			t.Fatalf("load %s: %v", v, err)
		}
	}
	if len(tx.got) != 1 || tx.got[0] != "h1" {
		t.Fatalf("loaded %q, want only the ended h1", tx.got)
	}
}
