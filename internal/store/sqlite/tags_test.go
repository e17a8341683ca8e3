package sqlite

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

func TestDecodeTags(t *testing.T) {
	for _, tags := range [][]ipam.Tag{
		{{Key: "a", Value: "b"}},
		{{Key: "", Value: ""}, {Key: "Name", Value: "web server"}},
		{{Key: `q"uote`, Value: `back\slash`}, {Key: "<html>", Value: "&"}},
		{{Key: "ünï", Value: "日本"}, {Key: "k", Value: `{"k":"x"}`}},
	} {
		b, _ := json.Marshal(tags)
		got, err := decodeTags(string(b))
		if err != nil || !reflect.DeepEqual(got, tags) {
			t.Errorf("decodeTags(%s) = %v, %v; want %v", b, got, err, tags)
		}
	}
	for _, s := range []string{`[]`, `null`} {
		if got, err := decodeTags(s); err != nil || got != nil {
			t.Errorf("decodeTags(%s) = %v, %v; want nil", s, got, err)
		}
	}
	for _, s := range []string{`[`, `[{"k":"a","v":"b"}`, `x`} {
		if _, err := decodeTags(s); err == nil {
			t.Errorf("decodeTags(%s) accepted", s)
		}
	}
}
