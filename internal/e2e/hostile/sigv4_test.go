package hostile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/ipamd/ipamd/internal/e2e/ec2raw"
	"github.com/ipamd/ipamd/internal/testserver"
)

func expectCode(t *testing.T, what string, resp *ec2raw.Response, err error, status int, code string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != status || resp.Envelope.Code != code {
		t.Errorf("%s: %d %s %q, want %d %s", what, resp.Status, resp.Envelope.Code, resp.Envelope.Message, status, code)
	}
}

// SDK clients signing for any Region are served (reference §14.3): the
// scope's Region is used as sent, whatever its case, and objects are homed
// in the server's Region.
func TestSigV4AnyRegionAccepted(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Creds: twoAccounts()})
	for _, region := range []string{"us-east-1", "eu-west-3", "US-WEST-2", "ap-southeast-7", "local"} {
		c := ec2.New(ec2.Options{Region: region, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(alice.AccessKey, alice.SecretKey, "")})
		if _, err := c.DescribeIpams(ctx, nil); err != nil {
			t.Errorf("signed for %s: %v", region, err)
		}
	}
	raw := rawFor(srv.URL, alice)
	raw.Region = "eu-central-1"
	body, err := raw.Must("CreateIpam", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := ec2raw.Field(body, "ipamRegion"); r != "us-east-1" {
		t.Errorf("IPAM created by a client signing for eu-central-1 is homed in %q", r)
	}
}

func TestSigV4Refusals(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Creds: twoAccounts()})
	a := rawFor(srv.URL, alice)
	body := []byte("Action=DescribeIpams&Version=2016-11-15")

	for _, c := range []struct {
		name   string
		offset time.Duration
		status int
		code   string
	}{
		{"14 minutes late", -14 * time.Minute, 200, ""},
		{"14 minutes early", 14 * time.Minute, 200, ""},
		{"16 minutes late", -16 * time.Minute, 400, "RequestExpired"},
		{"16 minutes early", 16 * time.Minute, 400, "RequestExpired"},
		{"a week late", -7 * 24 * time.Hour, 400, "RequestExpired"},
	} {
		cl := *a
		at := time.Now().Add(c.offset)
		cl.Now = func() time.Time { return at }
		resp, err := cl.Post(string(body))
		expectCode(t, c.name, resp, err, c.status, c.code)
	}

	wrongService := *a
	wrongService.Service = "iam"
	resp, err := wrongService.Post(string(body))
	expectCode(t, "signed for iam", resp, err, 403, "SignatureDoesNotMatch")

	// Body altered after signing: same length and different length.
	r := a.Request(body)
	if err := a.Sign(r, body); err != nil {
		t.Fatal(err)
	}
	changed := []byte("Action=DescribeIpams&Version=2016-11-16")
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
	resp, err = a.Do(r)
	expectCode(t, "body altered", resp, err, 403, "SignatureDoesNotMatch")

	// A signed header altered after signing.
	r = a.Request(body)
	_ = a.Sign(r, body)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=latin1")
	resp, err = a.Do(r)
	expectCode(t, "content-type altered", resp, err, 403, "SignatureDoesNotMatch")

	// An unsigned header may be added; a signed one duplicated is refused.
	r = a.Request(body)
	_ = a.Sign(r, body)
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	resp, err = a.Do(r)
	expectCode(t, "unsigned header added", resp, err, 200, "")

	r = a.Request(body)
	_ = a.Sign(r, body)
	r.Header.Add("Authorization", r.Header.Get("Authorization"))
	resp, err = a.Do(r)
	expectCode(t, "two Authorization headers", resp, err, 400, "IncompleteSignature")

	r = a.Request(body)
	_ = a.Sign(r, body)
	r.Header.Add("X-Amz-Date", r.Header.Get("X-Amz-Date"))
	resp, err = a.Do(r)
	expectCode(t, "two X-Amz-Date headers", resp, err, 400, "IncompleteSignature")

	// SignedHeaders naming a header the request lacks; SignedHeaders without host.
	r = a.Request(body)
	_ = a.Sign(r, body)
	auth := r.Header.Get("Authorization")
	r.Header.Set("Authorization", strings.Replace(auth, "SignedHeaders=", "SignedHeaders=a-missing-header;", 1))
	resp, err = a.Do(r)
	expectCode(t, "signed header missing", resp, err, 400, "IncompleteSignature")
	r.Header.Set("Authorization", strings.Replace(auth, "host;", "", 1))
	resp, err = a.Do(r)
	expectCode(t, "host not signed", resp, err, 400, "IncompleteSignature")

	// Another account's key with this account's signature.
	r = a.Request(body)
	_ = a.Sign(r, body)
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), alice.AccessKey, bob.AccessKey, 1))
	resp, err = a.Do(r)
	expectCode(t, "key swapped", resp, err, 403, "SignatureDoesNotMatch")
	assertNoSecrets(t, srv.Logs(), alice, bob)
}

// presign returns a presigned GET URL for an EC2 query, valid for expires
// from signedAt.
func presign(t *testing.T, base string, query url.Values, signedAt time.Time, expires time.Duration) string {
	t.Helper()
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
	r, err := http.NewRequest(http.MethodGet, base+"/?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: alice.AccessKey, SecretAccessKey: alice.SecretKey}
	// The verifier takes a presigned URL's payload as UNSIGNED-PAYLOAD (the
	// S3 convention); see docs/security.md.
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, "UNSIGNED-PAYLOAD", "ec2", "us-east-1", signedAt.UTC())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSigV4Presigned(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Creds: twoAccounts()})
	a := rawFor(srv.URL, alice)
	q := url.Values{"Action": {"DescribeIpams"}, "Version": {"2016-11-15"}}
	get := func(u string) (*ec2raw.Response, error) {
		r, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return a.Do(r)
	}

	resp, err := get(presign(t, srv.URL, q, time.Now(), time.Minute))
	expectCode(t, "fresh presigned URL", resp, err, 200, "")
	resp, err = get(presign(t, srv.URL, q, time.Now().Add(-2*time.Minute), time.Minute))
	expectCode(t, "expired presigned URL", resp, err, 400, "RequestExpired")
	resp, err = get(presign(t, srv.URL, q, time.Now().Add(-10*time.Minute), time.Hour))
	expectCode(t, "older but within X-Amz-Expires", resp, err, 200, "")
	resp, err = get(presign(t, srv.URL, q, time.Now().Add(20*time.Minute), time.Hour))
	expectCode(t, "presigned in the future", resp, err, 400, "RequestExpired")

	u := presign(t, srv.URL, q, time.Now(), time.Minute)
	resp, err = get(strings.Replace(u, "Action=DescribeIpams", "Action=DescribeIpamPools", 1))
	expectCode(t, "action changed in a presigned URL", resp, err, 403, "SignatureDoesNotMatch")
	resp, err = get(strings.Replace(u, "X-Amz-Expires=60", "X-Amz-Expires=6000", 1))
	expectCode(t, "expiry extended in a presigned URL", resp, err, 403, "SignatureDoesNotMatch")
	resp, err = get(u + "&X-Amz-Signature=" + strings.Repeat("0", 64))
	expectCode(t, "second signature", resp, err, 400, "IncompleteSignature")
	resp, err = get(presign(t, srv.URL, q, time.Now(), 8*24*time.Hour))
	expectCode(t, "X-Amz-Expires beyond 7 days", resp, err, 400, "IncompleteSignature")

	// A presigned URL cannot carry a body: UNSIGNED-PAYLOAD is refused with one.
	pu := presign(t, srv.URL, url.Values{}, time.Now(), time.Minute)
	r, _ := http.NewRequest(http.MethodPost, pu, strings.NewReader("Action=CreateIpam&Version=2016-11-15"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = a.Do(r)
	expectCode(t, "presigned POST with a body", resp, err, 403, "SignatureDoesNotMatch")
	if body, err := a.Must("DescribeIpams", nil); err != nil || strings.Contains(body, "<ipamId>") {
		t.Errorf("the presigned POST created something: %v %s", err, body)
	}

	// Both auth forms at once.
	r, _ = http.NewRequest(http.MethodGet, presign(t, srv.URL, q, time.Now(), time.Minute), nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00")
	resp, err = a.Do(r)
	expectCode(t, "header and query auth", resp, err, 400, "IncompleteSignature")
}

// The SDK surfaces the server's auth codes as smithy.APIError.
func TestSigV4ErrorsThroughSDK(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Creds: twoAccounts()})
	for _, c := range []struct {
		key, secret, code string
		status            int
	}{
		{alice.AccessKey, "wrong", "SignatureDoesNotMatch", 403},
		{"AKIDNOBODY", "x", "AuthFailure", 401},
	} {
		_, err := srv.ClientFor(c.key, c.secret).DescribeIpams(ctx, nil)
		var ae smithy.APIError
		var re *awshttp.ResponseError
		if !errors.As(err, &ae) || ae.ErrorCode() != c.code || !errors.As(err, &re) || re.HTTPStatusCode() != c.status {
			t.Errorf("%s: %v, want %d %s", c.key, err, c.status, c.code)
		}
	}
}
