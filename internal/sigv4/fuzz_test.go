package sigv4

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const fuzzHost = "ipamd.local"

// fuzzRequest builds the server-side request the fuzzer controls: the
// Authorization header, X-Amz-Date, the raw query, the body and the method.
func fuzzRequest(authz, amzDate, rawQuery string, body []byte, post bool) *http.Request {
	method := http.MethodGet
	if post {
		method = http.MethodPost
	}
	r := httptest.NewRequest(method, "http://"+fuzzHost+"/", nil)
	r.URL.RawQuery = rawQuery
	r.ContentLength = int64(len(body))
	if len(body) > 0 {
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	if post {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if authz != "" {
		r.Header.Set("Authorization", authz)
		r.Header.Set("X-Amz-Date", amzDate)
	}
	return r
}

// sdkClientRequest is the same request before signing, on the client side.
func sdkClientRequest(t testing.TB, rawQuery string, body []byte, post bool) *http.Request {
	method := http.MethodGet
	if post {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, "http://"+fuzzHost+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = rawQuery
	req.ContentLength = int64(len(body))
	if post {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

func FuzzVerify(f *testing.F) {
	sdkCreds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	date := testNow.Format(amzDateFormat)

	// Seed: a valid header-form POST.
	body := []byte(testBody)
	req := sdkClientRequest(f, "", body, true)
	if err := v4.NewSigner().SignHTTP(context.Background(), sdkCreds, req, sha(testBody), "ec2", "us-east-1", testNow); err != nil {
		f.Fatal(err)
	}
	f.Add(req.Header.Get("Authorization"), date, "", body, true)
	// Seed: a valid presigned GET.
	req = sdkClientRequest(f, "Action=DescribeIpams&X-Amz-Expires=60", nil, false)
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), sdkCreds, req, unsignedPayload, "ec2", "US-EAST-1", testNow)
	if err != nil {
		f.Fatal(err)
	}
	u, _ := url.Parse(signed)
	f.Add("", "", u.RawQuery, []byte(nil), false)
	// Seeds: garbage.
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00", "x", "", []byte("x"), true)
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%zz", []byte(nil), false)
	f.Add("AWS4-HMAC-SHA256 ,,,==", date, "a=1&a=0&;=;", []byte{0xff}, false)

	v := testVerifier()
	f.Fuzz(func(t *testing.T, authz, amzDate, rawQuery string, body []byte, post bool) {
		r := fuzzRequest(authz, amzDate, rawQuery, body, post)
		id, err := v.Verify(r, body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Status < 400 {
				t.Fatalf("bad error %T %v", err, err)
			}
			return
		}
		if _, perr := url.ParseQuery(rawQuery); perr != nil {
			return // the SDK would drop malformed pairs; no reference to compare with
		}
		// Success must mean the SDK signer produces the same signature.
		if authz != "" {
			at, _ := time.Parse(amzDateFormat, amzDate)
			req := sdkClientRequest(t, rawQuery, body, post)
			if err := v4.NewSigner().SignHTTP(context.Background(), sdkCreds, req, sha(string(body)), "ec2", id.Region, at); err != nil {
				t.Fatal(err)
			}
			if sigOf(req.Header.Get("Authorization")) != sigOf(authz) {
				t.Fatalf("accepted a signature the SDK does not produce: %q", authz)
			}
			return
		}
		q, _ := url.ParseQuery(rawQuery)
		at, _ := time.Parse(amzDateFormat, q.Get("X-Amz-Date"))
		for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
			q.Del(k)
		}
		req := sdkClientRequest(t, q.Encode(), body, post)
		signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), sdkCreds, req, unsignedPayload, "ec2", id.Region, at)
		if err != nil {
			t.Fatal(err)
		}
		su, _ := url.Parse(signed)
		orig, _ := url.ParseQuery(rawQuery)
		if su.Query().Get("X-Amz-Signature") != orig.Get("X-Amz-Signature") {
			t.Fatalf("accepted a presigned URL the SDK does not produce: %q", rawQuery)
		}
	})
}

func sigOf(authz string) string {
	_, s, _ := strings.Cut(authz, "Signature=")
	return strings.TrimSpace(s)
}
