package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAKID   = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testHost   = "127.0.0.1:8765"
	testBody   = "Action=DescribeIpams&Version=2016-11-15&Filter.1.Name=tag%3Ateam&Filter.1.Value.1=net"
)

var testNow = time.Date(2026, 11, 25, 20, 39, 16, 0, time.UTC)

func testVerifier() *Verifier {
	return &Verifier{
		Creds: StaticCredentials{testAKID: {AccessKey: testAKID, SecretKey: testSecret, AccountID: "123456789012", Name: "t"}},
		Now:   func() time.Time { return testNow },
	}
}

// signOpts describes how the real SDK signer is invoked.
type signOpts struct {
	akid, secret, region, service string
	at                            time.Time
	style                         string // "boto3" or "gosdk"
	token                         string
	payload                       string // presigned payload hash; default UNSIGNED-PAYLOAD
}

func defaults(o signOpts) signOpts {
	if o.akid == "" {
		o.akid = testAKID
	}
	if o.secret == "" {
		o.secret = testSecret
	}
	if o.region == "" {
		o.region = "us-east-1"
	}
	if o.service == "" {
		o.service = "ec2"
	}
	if o.at.IsZero() {
		o.at = testNow
	}
	if o.style == "" {
		o.style = "boto3"
	}
	return o
}

func sha(b string) string {
	h := sha256.Sum256([]byte(b))
	return hex.EncodeToString(h[:])
}

// signPOST signs a form POST with aws-sdk-go-v2's signer and returns the
// request as a net/http server would see it.
func signPOST(t testing.TB, body string, o signOpts) (*http.Request, []byte) {
	t.Helper()
	o = defaults(o)
	req, err := http.NewRequest(http.MethodPost, "http://"+testHost+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	switch o.style {
	case "boto3": // content-type;host;x-amz-date
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		req.ContentLength = 0 // keep content-length out of the signed set, as botocore does
	case "gosdk": // amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Amz-Sdk-Invocation-Id", "8a2b1c4e-6f0d-4e7a-9b3c-2d1e0f9a8b7c")
		req.Header.Set("Amz-Sdk-Request", "attempt=1;  max=3")
	}
	creds := aws.Credentials{AccessKeyID: o.akid, SecretAccessKey: o.secret, SessionToken: o.token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sha(body), o.service, o.region, o.at); err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	return toServer(t, req)
}

// signGET presigns a GET with the SDK and returns the server-side request.
func signGET(t testing.TB, query string, expires int, o signOpts) (*http.Request, []byte) {
	t.Helper()
	o = defaults(o)
	u := "http://" + testHost + "/?" + query
	if expires > 0 {
		u += "&X-Amz-Expires=" + strconv.Itoa(expires)
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: o.akid, SecretAccessKey: o.secret, SessionToken: o.token}
	payload := "UNSIGNED-PAYLOAD"
	if o.payload != "" {
		payload = o.payload
	}
	signed, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, payload, o.service, o.region, o.at)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(http.MethodGet, signed, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		if !strings.EqualFold(k, "host") {
			out.Header[k] = vs
		}
	}
	return toServer(t, out)
}

// toServer serialises a client request and parses it back the way net/http
// server does (Host moved to r.Host, Content-Length kept as a header).
func toServer(t testing.TB, req *http.Request) (*http.Request, []byte) {
	t.Helper()
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, body
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error %s, got %T %v", code, err, err)
	}
	if e.Code != code {
		t.Fatalf("want %s, got %s: %s", code, e.Code, e.Message)
	}
	want := map[string]int{CodeAuthFailure: 401, CodeSignatureDoesNotMatch: 403, CodeIncompleteSignature: 400,
		CodeRequestExpired: 400, CodeMissingAuthToken: 401}[code]
	if e.Status != want {
		t.Fatalf("%s: status %d, want %d", code, e.Status, want)
	}
}
