package sigv4

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func setAuth(r *http.Request, f func(string) string) {
	r.Header.Set("Authorization", f(r.Header.Get("Authorization")))
}

func TestVerifyHeaderForm(t *testing.T) {
	tests := []struct {
		name   string
		opts   signOpts
		body   string
		mutate func(r *http.Request, body []byte) []byte
		code   string
	}{
		{name: "boto3 headers", opts: signOpts{style: "boto3"}},
		{name: "go sdk headers", opts: signOpts{style: "gosdk"}},
		{name: "empty body", body: "-", opts: signOpts{style: "gosdk"}},
		{name: "upper-case region", opts: signOpts{region: "US-WEST-2"}},
		{name: "session token signed", opts: signOpts{token: "FQoGZXIvYXdzE"}},
		{name: "clock skew within 15m", opts: signOpts{at: testNow.Add(-14 * time.Minute)}},
		{name: "future within 15m", opts: signOpts{at: testNow.Add(14 * time.Minute)}},
		{name: "content sha256 header matches", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Amz-Content-Sha256", sha(string(b)))
			return b
		}},
		{name: "wrong secret", opts: signOpts{secret: "nope"}, code: CodeSignatureDoesNotMatch},
		{name: "unknown key", opts: signOpts{akid: "AKIDUNKNOWN"}, code: CodeAuthFailure},
		{name: "expired", opts: signOpts{at: testNow.Add(-16 * time.Minute)}, code: CodeRequestExpired},
		{name: "future", opts: signOpts{at: testNow.Add(16 * time.Minute)}, code: CodeRequestExpired},
		{name: "wrong service", opts: signOpts{service: "s3"}, code: CodeSignatureDoesNotMatch},
		{name: "wrong terminal", mutate: func(r *http.Request, b []byte) []byte {
			setAuth(r, func(s string) string { return strings.Replace(s, "/aws4_request", "/aws5_request", 1) })
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "scope date differs from x-amz-date", mutate: func(r *http.Request, b []byte) []byte {
			setAuth(r, func(s string) string { return strings.Replace(s, "/20261125/", "/20261124/", 1) })
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "x-amz-date changed, same day", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Amz-Date", "20261125T203917Z")
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "body altered", mutate: func(r *http.Request, b []byte) []byte {
			return []byte(strings.Replace(string(b), "DescribeIpams", "DeleteIpam", 1))
		}, code: CodeSignatureDoesNotMatch},
		{name: "signed header altered", opts: signOpts{style: "gosdk"}, mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Amz-Sdk-Request", "attempt=2; max=3")
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "signed header value whitespace is canonicalised", opts: signOpts{style: "gosdk"}, mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("Amz-Sdk-Request", "  attempt=1; max=3 ")
			return b
		}},
		{name: "host altered", mutate: func(r *http.Request, b []byte) []byte { r.Host = "evil:8765"; return b },
			code: CodeSignatureDoesNotMatch},
		{name: "unsigned header added is fine", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Extra", "1")
			return b
		}},
		{name: "signed header missing", opts: signOpts{style: "gosdk"}, mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Del("Amz-Sdk-Invocation-Id")
			return b
		}, code: CodeIncompleteSignature},
		{name: "duplicate signed headers", mutate: func(r *http.Request, b []byte) []byte {
			setAuth(r, func(s string) string { return strings.Replace(s, "host;", "host;host;", 1) })
			return b
		}, code: CodeIncompleteSignature},
		{name: "unsorted signed headers", mutate: func(r *http.Request, b []byte) []byte {
			setAuth(r, func(s string) string { return strings.Replace(s, "content-type;host", "host;content-type", 1) })
			return b
		}, code: CodeIncompleteSignature},
		{name: "upper-case signed header", mutate: func(r *http.Request, b []byte) []byte {
			setAuth(r, func(s string) string { return strings.Replace(s, "content-type;", "Content-Type;", 1) })
			return b
		}, code: CodeIncompleteSignature},
		{name: "host not signed", mutate: func(r *http.Request, b []byte) []byte {
			setAuth(r, func(s string) string { return strings.Replace(s, "host;", "", 1) })
			return b
		}, code: CodeIncompleteSignature},
		{name: "x-amz-date not signed", mutate: func(r *http.Request, b []byte) []byte {
			setAuth(r, func(s string) string { return strings.Replace(s, ";x-amz-date", "", 1) })
			return b
		}, code: CodeIncompleteSignature},
		{name: "no date header", mutate: func(r *http.Request, b []byte) []byte { r.Header.Del("X-Amz-Date"); return b },
			code: CodeIncompleteSignature},
		{name: "bad date format", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Amz-Date", "Wed, 25 Nov 2026 20:39:16 GMT")
			return b
		}, code: CodeIncompleteSignature},
		{name: "content sha256 header lies", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Amz-Content-Sha256", sha("other"))
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "unsigned payload with body", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "unsigned security token", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Set("X-Amz-Security-Token", "x")
			return b
		}, code: CodeIncompleteSignature},
		{name: "no auth at all", mutate: func(r *http.Request, b []byte) []byte { r.Header.Del("Authorization"); return b },
			code: CodeMissingAuthToken},
		{name: "two authorization headers", mutate: func(r *http.Request, b []byte) []byte {
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
			return b
		}, code: CodeIncompleteSignature},
		{name: "header and query auth", mutate: func(r *http.Request, b []byte) []byte {
			r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
			return b
		}, code: CodeIncompleteSignature},
		{name: "query added after signing", mutate: func(r *http.Request, b []byte) []byte {
			r.URL.RawQuery = "Action=DeleteIpam"
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "path changed after signing", mutate: func(r *http.Request, b []byte) []byte {
			r.URL.Path = "/x"
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "upper-case signature hex", mutate: func(r *http.Request, b []byte) []byte {
			setAuth(r, func(s string) string {
				i := strings.Index(s, "Signature=") + len("Signature=")
				return s[:i] + strings.ToUpper(s[i:])
			})
			return b
		}, code: CodeSignatureDoesNotMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == "" {
				body = testBody
			} else if body == "-" {
				body = ""
			}
			r, b := signPOST(t, body, tt.opts)
			if tt.mutate != nil {
				b = tt.mutate(r, b)
			}
			id, err := testVerifier().Verify(r, b)
			wantCode(t, err, tt.code)
			if tt.code == "" {
				region := defaults(tt.opts).region
				if id != (Identity{AccessKey: testAKID, AccountID: "123456789012", Region: region}) {
					t.Fatalf("identity %+v", id)
				}
			}
		})
	}
}

func TestMalformedAuthorization(t *testing.T) {
	r, b := signPOST(t, testBody, signOpts{})
	good := r.Header.Get("Authorization")
	sig := good[strings.Index(good, "Signature=")+len("Signature="):]
	tests := []struct{ name, auth, code string }{
		{"comma without space", strings.ReplaceAll(good, ", ", ","), ""},
		{"extra spaces", strings.Replace(strings.ReplaceAll(good, ", ", " ,  "), " ", "   ", 1), ""},
		{"empty", "", CodeMissingAuthToken},
		{"algorithm only", "AWS4-HMAC-SHA256", CodeIncompleteSignature},
		{"other algorithm", strings.Replace(good, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1), CodeIncompleteSignature},
		{"sigv2 style", "AWS AKIDEXAMPLE:abc", CodeIncompleteSignature},
		{"missing signature", good[:strings.Index(good, ", Signature=")], CodeIncompleteSignature},
		{"missing credential", "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=" + sig, CodeIncompleteSignature},
		{"duplicate component", good + ", Signature=" + sig, CodeIncompleteSignature},
		{"unknown component", good + ", Foo=bar", CodeIncompleteSignature},
		{"component without =", good + ", Foo", CodeIncompleteSignature},
		{"short credential", strings.Replace(good, "/us-east-1/ec2/aws4_request", "/us-east-1/ec2", 1), CodeIncompleteSignature},
		{"long credential", strings.Replace(good, "/aws4_request", "/aws4_request/x", 1), CodeIncompleteSignature},
		{"empty region", strings.Replace(good, "/us-east-1/", "//", 1), CodeIncompleteSignature},
		{"empty signed headers", strings.Replace(good, "content-type;host;x-amz-date", "", 1), CodeIncompleteSignature},
		{"empty signed header name", strings.Replace(good, "content-type;host", "content-type;;host", 1), CodeIncompleteSignature},
		{"short signature", good[:len(good)-2], CodeSignatureDoesNotMatch},
		{"non-hex signature", good[:len(good)-1] + "z", CodeSignatureDoesNotMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.Header.Set("Authorization", tt.auth)
			if tt.auth == "" {
				r.Header.Del("Authorization")
			}
			_, err := testVerifier().Verify(r, b)
			wantCode(t, err, tt.code)
		})
	}
}

func TestVerifyPresigned(t *testing.T) {
	const q = "Action=DescribeIpams&Version=2016-11-15&Filter.1.Name=tag%3Ateam&Filter.1.Value.1=a%20b~c"
	tests := []struct {
		name    string
		expires int
		opts    signOpts
		mutate  func(r *http.Request, body []byte) []byte
		code    string
	}{
		{name: "valid", expires: 300},
		{name: "valid near the end", expires: 300, opts: signOpts{at: testNow.Add(-299 * time.Second)}},
		{name: "upper-case region", expires: 300, opts: signOpts{region: "US-WEST-2"}},
		{name: "session token in query", expires: 300, opts: signOpts{token: "tok"}},
		{name: "expired", expires: 300, opts: signOpts{at: testNow.Add(-301 * time.Second)}, code: CodeRequestExpired},
		{name: "not yet valid", expires: 300, opts: signOpts{at: testNow.Add(16 * time.Minute)}, code: CodeRequestExpired},
		{name: "expires too long", expires: 604801, code: CodeIncompleteSignature},
		{name: "no expires", expires: 0, code: CodeIncompleteSignature},
		{name: "wrong secret", expires: 300, opts: signOpts{secret: "x"}, code: CodeSignatureDoesNotMatch},
		{name: "unknown key", expires: 300, opts: signOpts{akid: "AKIDOTHER"}, code: CodeAuthFailure},
		{name: "wrong service", expires: 300, opts: signOpts{service: "sts"}, code: CodeSignatureDoesNotMatch},
		{name: "query altered", expires: 300, mutate: func(r *http.Request, b []byte) []byte {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "DescribeIpams", "DeleteIpam", 1)
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "param added", expires: 300, mutate: func(r *http.Request, b []byte) []byte {
			r.URL.RawQuery += "&Cascade=true"
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "expires altered", expires: 300, mutate: func(r *http.Request, b []byte) []byte {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=300", "X-Amz-Expires=600", 1)
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "signature duplicated", expires: 300, mutate: func(r *http.Request, b []byte) []byte {
			r.URL.RawQuery += "&X-Amz-Signature=00"
			return b
		}, code: CodeIncompleteSignature},
		{name: "body smuggled", expires: 300, mutate: func(r *http.Request, b []byte) []byte {
			return []byte("Action=DeleteIpam")
		}, code: CodeSignatureDoesNotMatch},
		{name: "method changed", expires: 300, mutate: func(r *http.Request, b []byte) []byte {
			r.Method = http.MethodPost
			return b
		}, code: CodeSignatureDoesNotMatch},
		{name: "bad algorithm", expires: 300, mutate: func(r *http.Request, b []byte) []byte {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1", 1)
			return b
		}, code: CodeIncompleteSignature},
		{name: "malformed query", expires: 300, mutate: func(r *http.Request, b []byte) []byte {
			r.URL.RawQuery += "&x=%zz"
			return b
		}, code: CodeIncompleteSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, b := signGET(t, q, tt.expires, tt.opts)
			if tt.mutate != nil {
				b = tt.mutate(r, b)
			}
			id, err := testVerifier().Verify(r, b)
			wantCode(t, err, tt.code)
			if tt.code == "" && id.Region != defaults(tt.opts).region {
				t.Fatalf("identity %+v", id)
			}
		})
	}
}

// TestFixedVectors freezes signatures so a change in canonicalisation is
// caught even if the SDK signer changed the same way.
func TestFixedVectors(t *testing.T) {
	t.Run("aws get-vanilla", func(t *testing.T) {
		// The public SigV4 test-suite vector "get-vanilla".
		r, _ := http.NewRequest(http.MethodGet, "http://example.amazonaws.com/", nil)
		r.Header.Set("X-Amz-Date", "20150830T123600Z")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "+
			"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
		v := testVerifier()
		v.Service = "service"
		v.Now = func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) }
		_, err := v.Verify(r, nil)
		wantCode(t, err, "")
	})
	t.Run("ec2 POST computed once with aws-sdk-go-v2", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodPost, "http://"+testHost+"/", strings.NewReader(testBody))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		r.Header.Set("X-Amz-Date", "20261125T203916Z")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/ec2/aws4_request, "+
			"SignedHeaders=content-type;host;x-amz-date, Signature="+fixedEC2Signature)
		_, err := testVerifier().Verify(r, []byte(testBody))
		wantCode(t, err, "")
	})
}

const fixedEC2Signature = "9d09befeb769545c7e5ed613f5780649b0ff9fc229c44d3093bfdd5e97051ea3"

func TestKeyCacheBounded(t *testing.T) {
	var c keyCache
	first := c.signingKey("s", "20261125", "r0", "ec2")
	for i := 0; i < 3*maxCachedKeys; i++ {
		c.signingKey("s", "20261125", "r"+strings.Repeat("x", i), "ec2")
	}
	if len(c.keys) > maxCachedKeys {
		t.Fatalf("cache grew to %d", len(c.keys))
	}
	if string(c.signingKey("s", "20261125", "r0", "ec2")) != string(first) {
		t.Fatal("re-derived key differs")
	}
}

func BenchmarkVerify(b *testing.B) {
	r, body := signPOST(b, testBody, signOpts{style: "gosdk"})
	v := testVerifier()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSigningKey shows what the cache saves: four HMACs per request.
func BenchmarkSigningKey(b *testing.B) {
	b.Run("cached", func(b *testing.B) {
		var c keyCache
		for b.Loop() {
			c.signingKey(testSecret, "20261125", "us-east-1", "ec2")
		}
	})
	b.Run("derived", func(b *testing.B) {
		for b.Loop() {
			var c keyCache
			c.signingKey(testSecret, "20261125", "us-east-1", "ec2")
		}
	})
}
