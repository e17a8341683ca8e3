package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// client sends SigV4-signed EC2 Query POSTs and keeps the raw XML answer:
// the big listing pages are counted and cut with byte searches so that the
// client's own XML decoding does not end up in the measured latency.
type client struct {
	endpoint string
	region   string
	creds    aws.Credentials
	signer   *v4.Signer
	http     *http.Client
}

func newClient(endpoint, region, access, secret string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute,
		DisableCompression: true}
	return &client{
		endpoint: strings.TrimRight(endpoint, "/") + "/",
		region:   region,
		creds:    aws.Credentials{AccessKeyID: access, SecretAccessKey: secret},
		signer:   v4.NewSigner(),
		http:     &http.Client{Transport: tr, Timeout: 10 * time.Minute},
	}
}

// response is one answer: body, the request id the server logged it under,
// and the client-side latency (signing excluded, body fully read included).
type response struct {
	status    int
	body      []byte
	requestID string
	latency   time.Duration
}

func (r *response) err() error {
	if r.status == http.StatusOK {
		return nil
	}
	code, _ := between(r.body, "<Code>", "</Code>")
	msg, _ := between(r.body, "<Message>", "</Message>")
	return fmt.Errorf("HTTP %d %s: %s", r.status, code, msg)
}

// call sends Action with params (Version added) and returns the answer; a
// non-200 answer is an error.
func (c *client) call(ctx context.Context, action string, params url.Values) (*response, error) {
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
	r := &response{status: resp.StatusCode, body: buf.Bytes(), requestID: resp.Header.Get("x-amzn-RequestId"),
		latency: time.Since(start)}
	if err := r.err(); err != nil {
		return r, fmt.Errorf("%s: %w", action, err)
	}
	return r, nil
}

// between returns the text between the first open and the following close.
func between(b []byte, open, close string) (string, bool) {
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

// page is what a listing answer holds for the benchmark: how many
// allocations, and the token of the next page.
func page(b []byte) (items int, next string) {
	items = bytes.Count(b, []byte("</cidr>"))
	next, _ = between(b, "<nextToken>", "</nextToken>")
	return items, next
}

func filter(v url.Values, n int, name string, values ...string) {
	p := "Filter." + strconv.Itoa(n)
	v.Set(p+".Name", name)
	for i, x := range values {
		v.Set(p+".Value."+strconv.Itoa(i+1), x)
	}
}
