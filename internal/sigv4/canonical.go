package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	amzDateFormat   = "20060102T150405Z"
)

// uriEncode percent-encodes everything except RFC 3986 unreserved
// characters (and '/' when keepSlash), with upper-case hex, as SigV4 wants.
func uriEncode(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || c == '/' && keepSlash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// canonicalURI encodes the path as sent once more, without normalising it;
// that is what every SDK does for services other than S3.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return uriEncode(p, true)
}

type queryParam struct{ key, value string }

// parseQuery decodes a raw query string strictly, keeping repeated keys.
// Unlike url.ParseQuery it does not stop at the first bad pair silently.
func parseQuery(raw string) ([]queryParam, bool) {
	var out []queryParam
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		out = append(out, queryParam{k, v})
	}
	return out, true
}

// canonicalQuery RFC 3986-encodes keys and values and sorts by key, then
// value, skipping the key named skip (X-Amz-Signature for presigned URLs).
func canonicalQuery(params []queryParam, skip string) string {
	enc := make([]queryParam, 0, len(params))
	for _, p := range params {
		if skip != "" && p.key == skip {
			continue
		}
		enc = append(enc, queryParam{uriEncode(p.key, false), uriEncode(p.value, false)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].key != enc[j].key {
			return enc[i].key < enc[j].key
		}
		return enc[i].value < enc[j].value
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// parseSignedHeaders checks that the list is non-empty, lower-case, sorted
// and without duplicates, as every SDK produces it; anything else is a
// malformed request rather than a wrong signature.
func parseSignedHeaders(s string) ([]string, *Error) {
	if s == "" {
		return nil, incomplete("SignedHeaders must not be empty.")
	}
	names := strings.Split(s, ";")
	for i, n := range names {
		if !validHeaderName(n) {
			return nil, incomplete("SignedHeaders contains an invalid header name " + strconv.Quote(n) + "; names must be lower-case.")
		}
		if i > 0 && n == names[i-1] {
			return nil, incomplete("SignedHeaders contains the header " + strconv.Quote(n) + " twice.")
		}
		if i > 0 && n < names[i-1] {
			return nil, incomplete("SignedHeaders must be sorted.")
		}
	}
	return names, nil
}

func validHeaderName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// canonicalHeaders renders "name:value\n" for each signed header. Host comes
// from r.Host because net/http moves it out of r.Header; Content-Length may
// likewise only exist as r.ContentLength on synthesised requests.
func canonicalHeaders(r *http.Request, names []string) (string, *Error) {
	var b strings.Builder
	for _, n := range names {
		var values []string
		switch n {
		case "host":
			h := r.Host
			if h == "" {
				h = r.URL.Host
			}
			if h != "" {
				values = []string{h}
			}
		case "content-length":
			values = r.Header.Values(n)
			if len(values) == 0 && r.ContentLength > 0 {
				values = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
		default:
			values = r.Header.Values(n)
		}
		if len(values) == 0 {
			return "", incomplete("The signed header " + strconv.Quote(n) + " is not present in the request.")
		}
		b.WriteString(n)
		b.WriteByte(':')
		for i, v := range values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.TrimSpace(collapseSpaces(v)))
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

func collapseSpaces(s string) string {
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	prevSpace := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if prevSpace {
				continue
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func hexSHA256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func isLowerHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
