package harness

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// RawClient sends SigV4-signed EC2 Query POSTs (the SDK's signer, the same
// bytes on the wire as any SDK) and keeps the raw XML answer, which callers
// cut with byte searches (Between). A load generator on the server's own
// cores should cost little: an SDK client's middleware and XML decoding
// cost about a third of a millisecond per call, a fifth of what a
// PostgreSQL-backed CreateSubnet costs the server (docs/benchmarks.md).
type RawClient struct {
	endpoint string
	region   string
	creds    aws.Credentials
	signer   *v4.Signer
	http     *http.Client
}

// NewRawClient signs for access/secret in region and keeps up to conns
// connections to endpoint (a URL).
func NewRawClient(endpoint, region, access, secret string, conns int) *RawClient {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute,
		DisableCompression: true}
	return &RawClient{
		endpoint: strings.TrimRight(endpoint, "/") + "/",
		region:   region,
		creds:    aws.Credentials{AccessKeyID: access, SecretAccessKey: secret},
		signer:   v4.NewSigner(),
		http:     &http.Client{Transport: tr, Timeout: 10 * time.Minute},
	}
}

// RawResponse is one answer: body, the request id the server logged it
// under, and the client-side latency (signing excluded, body fully read
// included).
type RawResponse struct {
	Status    int
	Body      []byte
	RequestID string
	Latency   time.Duration
}

func (r *RawResponse) err() error {
	if r.Status == http.StatusOK {
		return nil
	}
	code, _ := Between(r.Body, "<Code>", "</Code>")
	msg, _ := Between(r.Body, "<Message>", "</Message>")
	return fmt.Errorf("HTTP %d %s: %s", r.Status, code, msg)
}

// Call sends Action with params (Version added) and returns the answer; a
// non-200 answer is an error.
func (c *RawClient) Call(ctx context.Context, action string, params url.Values) (*RawResponse, error) {
	form := url.Values{"Action": {action}, "Version": {"2016-11-15"}}
	for k, v := range params {
		form[k] = v
	}
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), "ec2", c.region, time.Now()); err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := io.Copy(&buf, resp.Body); err != nil {
		return nil, err
	}
	r := &RawResponse{Status: resp.StatusCode, Body: buf.Bytes(), RequestID: resp.Header.Get("x-amzn-RequestId"),
		Latency: time.Since(start)}
	if err := r.err(); err != nil {
		return r, fmt.Errorf("%s: %w", action, err)
	}
	return r, nil
}

// Between returns the text between the first open and the following close.
func Between(b []byte, open, close string) (string, bool) {
	i := bytes.Index(b, []byte(open))
	if i < 0 {
		return "", false
	}
	rest := b[i+len(open):]
	j := bytes.Index(rest, []byte(close))
	if j < 0 {
		return "", false
	}
	return string(rest[:j]), true
}
