package sigv4

import (
	"net/http"
	"strconv"
	"time"
)

// MaxPresignExpires is the longest X-Amz-Expires accepted (7 days), as AWS.
const MaxPresignExpires = 604800

var presignKeys = []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"}

// verifyPresigned checks the query-string form. The URL is valid from
// X-Amz-Date (minus MaxSkew, for client clocks running ahead) until
// X-Amz-Date + X-Amz-Expires; outside that it is RequestExpired.
func (v *Verifier) verifyPresigned(r *http.Request, body []byte, query []queryParam) (Identity, *Error) {
	vals := map[string]string{}
	for _, k := range presignKeys {
		n := 0
		for _, p := range query {
			if p.key == k {
				n++
				vals[k] = p.value
			}
		}
		if n != 1 || vals[k] == "" {
			return Identity{}, incomplete("AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', " +
				"'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders' and 'X-Amz-Signature', each exactly once.")
		}
	}
	if vals["X-Amz-Algorithm"] != algorithm {
		return Identity{}, incomplete("X-Amz-Algorithm only supports 'AWS4-HMAC-SHA256'.")
	}
	expires, err := strconv.Atoi(vals["X-Amz-Expires"])
	if err != nil || expires < 1 || expires > MaxPresignExpires {
		return Identity{}, incomplete("X-Amz-Expires must be an integer number of seconds between 1 and 604800.")
	}
	names, e := parseSignedHeaders(vals["X-Amz-SignedHeaders"])
	if e != nil {
		return Identity{}, e
	}
	if !contains(names, "host") {
		return Identity{}, incomplete("X-Amz-SignedHeaders must include 'host'.")
	}
	t, e := parseAmzDate(vals["X-Amz-Date"])
	if e != nil {
		return Identity{}, e
	}
	now := v.now()
	if now.Before(t.Add(-v.maxSkew())) || now.After(t.Add(time.Duration(expires)*time.Second)) {
		return Identity{}, expired()
	}
	declared := r.Header.Get("X-Amz-Content-Sha256")
	for _, p := range query {
		if p.key == "X-Amz-Content-Sha256" {
			declared = p.value
		}
	}
	payload, e := payloadHash(declared, body, true)
	if e != nil {
		return Identity{}, e
	}
	req := request{vals["X-Amz-Credential"], names, vals["X-Amz-Signature"],
		vals["X-Amz-Date"], payload, canonicalQuery(query, "X-Amz-Signature")}
	id, e := v.check(r, req)
	if e != nil && e.Code == CodeSignatureDoesNotMatch && declared == "" && len(body) == 0 {
		// Outside S3, presigners commonly sign the hash of the empty body
		// instead of UNSIGNED-PAYLOAD; with no body both mean the same.
		req.payloadHash = hexSHA256(nil)
		if id2, e2 := v.check(r, req); e2 == nil {
			return id2, nil
		}
	}
	return id, e
}
