package dump

import (
	"encoding/json"
	"testing"
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
