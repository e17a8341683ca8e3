package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Defaults for zero-valued Verifier fields.
const (
	DefaultService = "ec2"
	DefaultMaxSkew = 15 * time.Minute
)

// Verifier checks SigV4 signatures. Zero fields take defaults: Service
// "ec2", MaxSkew 15 minutes, Now time.Now. A nil Creds rejects every key.
// A Verifier caches derived signing keys and must not be copied after use.
type Verifier struct {
	Creds   Credentials
	Service string
	MaxSkew time.Duration
	Now     func() time.Time

	keys keyCache
}

func (v *Verifier) service() string {
	if v.Service == "" {
		return DefaultService
	}
	return v.Service
}

func (v *Verifier) now() time.Time {
	if v.Now == nil {
		return time.Now()
	}
	return v.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew <= 0 {
		return DefaultMaxSkew
	}
	return v.MaxSkew
}

// Verify checks r, whose body has already been read into body (r.Body is
// not touched), and returns who signed it. Errors are always *Error.
func (v *Verifier) Verify(r *http.Request, body []byte) (Identity, error) {
	id, err := v.verify(r, body)
	if err != nil {
		return Identity{}, err
	}
	return id, nil
}

func (v *Verifier) verify(r *http.Request, body []byte) (Identity, *Error) {
	auth := r.Header.Values("Authorization")
	query, queryOK := parseQuery(r.URL.RawQuery)
	presigned := queryOK && hasParam(query, "X-Amz-Algorithm")
	switch {
	case len(auth) > 0 && presigned:
		return Identity{}, incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case len(auth) > 1:
		return Identity{}, incomplete("Only one Authorization header is allowed.")
	case !queryOK:
		return Identity{}, incomplete("The query string is malformed.")
	case len(auth) == 1:
		return v.verifyHeader(r, body, auth[0], query)
	case presigned:
		return v.verifyPresigned(r, body, query)
	}
	return Identity{}, missingToken()
}

// request is what both auth forms reduce to before the signature check.
type request struct {
	credential    string
	signedHeaders []string
	signature     string
	amzDate       string // as sent; goes into the string to sign verbatim
	payloadHash   string
	query         string // canonical query string
}

func (v *Verifier) verifyHeader(r *http.Request, body []byte, auth string, query []queryParam) (Identity, *Error) {
	cred, signed, sig, e := parseAuthorization(auth)
	if e != nil {
		return Identity{}, e
	}
	names, e := parseSignedHeaders(signed)
	if e != nil {
		return Identity{}, e
	}
	dateName, amzDate, e := headerDate(r)
	if e != nil {
		return Identity{}, e
	}
	if !contains(names, "host") || !contains(names, dateName) {
		return Identity{}, incomplete("SignedHeaders must include 'host' and '" + dateName + "'.")
	}
	t, e := parseAmzDate(amzDate)
	if e != nil {
		return Identity{}, e
	}
	if d := v.now().Sub(t); d > v.maxSkew() || d < -v.maxSkew() {
		return Identity{}, expired()
	}
	payload, e := payloadHash(r.Header.Get("X-Amz-Content-Sha256"), body, false)
	if e != nil {
		return Identity{}, e
	}
	return v.check(r, request{cred, names, sig, amzDate, payload, canonicalQuery(query, "")})
}

// parseAuthorization splits
// "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…".
func parseAuthorization(h string) (cred, signed, sig string, e *Error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != algorithm {
		return "", "", "", incomplete("Unsupported Authorization type; only AWS4-HMAC-SHA256 is accepted.")
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || seen[k] {
			return "", "", "", incomplete("Authorization header is malformed near " + quote(part) + ".")
		}
		seen[k] = true
		switch k {
		case "Credential":
			cred = val
		case "SignedHeaders":
			signed = val
		case "Signature":
			sig = val
		default:
			return "", "", "", incomplete("Authorization header has an unknown component " + quote(k) + ".")
		}
	}
	if cred == "" || signed == "" || sig == "" {
		return "", "", "", incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
	}
	return cred, signed, sig, nil
}

// headerDate returns the signing time header: X-Amz-Date, or Date when
// X-Amz-Date is absent. Either must be in ISO-8601 basic format; RFC 1123
// Date values are not accepted (no SDK signs with them).
func headerDate(r *http.Request) (name, value string, e *Error) {
	for _, name := range []string{"x-amz-date", "date"} {
		switch vs := r.Header.Values(name); len(vs) {
		case 0:
			continue
		case 1:
			return name, vs[0], nil
		default:
			return "", "", incomplete("Only one " + name + " header is allowed.")
		}
	}
	return "", "", incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
}

func parseAmzDate(s string) (time.Time, *Error) {
	t, err := time.Parse(amzDateFormat, s)
	if err != nil || len(s) != len(amzDateFormat) {
		return time.Time{}, incomplete("Date must be in ISO-8601 'basic format' (yyyyMMddTHHmmssZ). Got " + quote(s) + ".")
	}
	return t, nil
}

// payloadHash picks the hash that goes into the canonical request. Unsigned
// payloads are only accepted for requests without a body: for EC2 the body
// is the whole operation, and an unsigned one could be rewritten in flight.
func payloadHash(declared string, body []byte, presigned bool) (string, *Error) {
	switch {
	case declared == "" && !presigned:
		return hexSHA256(body), nil
	case declared == "" || declared == unsignedPayload:
		if len(body) > 0 {
			return "", mismatch("Requests with a body must sign it; UNSIGNED-PAYLOAD is only accepted without a body.")
		}
		return unsignedPayload, nil
	case !strings.EqualFold(declared, hexSHA256(body)):
		return "", mismatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return declared, nil
}

// check validates the scope, looks up the secret and compares signatures.
func (v *Verifier) check(r *http.Request, q request) (Identity, *Error) {
	akid, date, region, e := v.parseCredential(q.credential, q.amzDate)
	if e != nil {
		return Identity{}, e
	}
	if v.Creds == nil {
		return Identity{}, authFailure()
	}
	acct, ok := v.Creds.Lookup(akid)
	if !ok {
		return Identity{}, authFailure()
	}
	if r.Header.Get("X-Amz-Security-Token") != "" && !contains(q.signedHeaders, "x-amz-security-token") {
		return Identity{}, incomplete("The X-Amz-Security-Token header must be signed.")
	}
	headers, e := canonicalHeaders(r, q.signedHeaders)
	if e != nil {
		return Identity{}, e
	}
	canonical := strings.Join([]string{
		r.Method, canonicalURI(r.URL), q.query, headers,
		strings.Join(q.signedHeaders, ";"), q.payloadHash,
	}, "\n")
	scope := date + "/" + region + "/" + v.service() + "/" + terminator
	sum := sha256.Sum256([]byte(canonical))
	toSign := algorithm + "\n" + q.amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := v.keys.signingKey(acct.SecretKey, date, region, v.service())
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(q.signature)) {
		return Identity{}, mismatch(msgMismatch)
	}
	return Identity{AccessKey: akid, AccountID: acct.AccountID, Region: region}, nil
}

// parseCredential checks <AKID>/<yyyymmdd>/<region>/<service>/aws4_request.
// The region is taken as sent (any case): clients have been seen signing
// with "US-WEST-2", and the key must be derived from exactly that string.
func (v *Verifier) parseCredential(cred, amzDate string) (akid, date, region string, e *Error) {
	p := strings.Split(cred, "/")
	if len(p) != 5 || p[0] == "" || p[1] == "" || p[2] == "" || p[3] == "" {
		return "", "", "", incomplete("Credential must have the form <AccessKeyId>/<yyyymmdd>/<region>/<service>/aws4_request; got " + quote(cred) + ".")
	}
	switch {
	case p[4] != terminator:
		return "", "", "", mismatch("Credential should be scoped with a valid terminator: 'aws4_request', not " + quote(p[4]) + ".")
	case p[3] != v.service():
		return "", "", "", mismatch("Credential should be scoped to correct service: '" + v.service() + "'.")
	case p[1] != amzDate[:8]:
		return "", "", "", mismatch(fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: %s != %s, from %s.",
			quote(p[1]), quote(amzDate[:8]), quote(amzDate)))
	}
	return p[0], p[1], p[2], nil
}

func hasParam(q []queryParam, key string) bool {
	for _, p := range q {
		if p.key == key {
			return true
		}
	}
	return false
}

// quote renders client input for a message, bounded in length.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "..."
	}
	return "'" + strings.ToValidUTF8(s, "\uFFFD") + "'"
}
