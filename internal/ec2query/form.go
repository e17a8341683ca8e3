package ec2query

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Request size caps. They bound the work a single request can cause before
// any handler runs; real EC2 requests carry a few dozen keys.
const (
	MaxKeys         = 20000 // key=value pairs in one request body
	MaxListElements = 1000  // elements in one list (Filter.N, Value.M, …)
)

// ParseForm parses an application/x-www-form-urlencoded body with
// url.ParseQuery semantics ('&'-separated, '+' is a space, a raw ';' is an
// error), but strictly: invalid percent-escapes, invalid UTF-8 and
// characters that cannot appear in XML 1.0 are rejected instead of being
// passed on, because whatever we accept may later be echoed in a response.
// Parameter names are restricted to [A-Za-z0-9._-]; no EC2 name uses more.
func ParseForm(body []byte) (url.Values, error) {
	v := url.Values{}
	s := string(body)
	n := 0
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		n++
		if n > MaxKeys {
			return nil, errorf(CodeInvalidParameterValue, "The request has more than %d parameters.", MaxKeys)
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil || strings.Contains(rawKey, ";") || !validKey(key) {
			return nil, errorf(CodeInvalidParameter, "The parameter name %q is malformed.", echo(rawKey))
		}
		val, err := url.QueryUnescape(rawVal)
		if err != nil || strings.Contains(rawVal, ";") {
			return nil, errorf(CodeInvalidParameterValue, "The value for parameter %s is not validly URL-encoded.", echo(key))
		}
		if !validText(val) {
			return nil, errorf(CodeInvalidParameterValue, "The value for parameter %s contains invalid UTF-8 or characters not allowed in XML.", echo(key))
		}
		v[key] = append(v[key], val)
	}
	return v, nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// validText reports whether s is valid UTF-8 made only of XML 1.0 Chars.
func validText(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		if !xmlChar(r) {
			return false
		}
		i += size
	}
	return true
}

func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
