package sqlite

import (
	"encoding/json"
	"strings"

	"github.com/ipamd/ipamd/internal/ipam"
)

// decodeTags reads the tags column. encoding/json costs a third of a
// 1000-row ListAllocations page, so the exact form json.Marshal writes for
// []ipam.Tag without escapes is parsed by hand; anything else (an escaped
// character, another spelling) goes through encoding/json.
func decodeTags(s string) ([]ipam.Tag, error) {
	if tags, ok := parseTags(s); ok {
		return tags, nil
	}
	var tags []ipam.Tag
	if err := json.Unmarshal([]byte(s), &tags); err != nil {
		return nil, err
	}
	return ipam.NilIfEmpty(tags), nil
}

// parseTags parses `[{"k":"…","v":"…"},…]` whose strings hold no backslash.
func parseTags(s string) ([]ipam.Tag, bool) {
	if strings.IndexByte(s, '\\') >= 0 || len(s) < 2 || s[0] != '[' {
		return nil, false
	}
	s = s[1:]
	var tags []ipam.Tag
	for {
		if s == "]" {
			return tags, true
		}
		if len(tags) > 0 {
			if s[0] != ',' {
				return nil, false
			}
			s = s[1:]
		}
		var k, v string
		var ok bool
		if s, ok = strings.CutPrefix(s, `{"k":"`); !ok {
			return nil, false
		}
		if k, s, ok = strings.Cut(s, `"`); !ok {
			return nil, false
		}
		if s, ok = strings.CutPrefix(s, `,"v":"`); !ok {
			return nil, false
		}
		if v, s, ok = strings.Cut(s, `"`); !ok {
			return nil, false
		}
		if s, ok = strings.CutPrefix(s, `}`); !ok || s == "" {
			return nil, false
		}
		tags = append(tags, ipam.Tag{Key: k, Value: v})
	}
}
