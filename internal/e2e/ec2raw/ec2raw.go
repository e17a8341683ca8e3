// Package ec2raw sends hand-built EC2 Query requests, signed with the
// aws-sdk-go-v2 SigV4 signer (or deliberately not), and checks that every
// answer is a well-formed EC2 XML envelope. Tests use it where an SDK client
// would refuse to send what they need to send.
package ec2raw

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Namespace is the XML namespace of every successful EC2 response.
const Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// Client signs requests for one access key.
type Client struct {
	URL       string
	AccessKey string
	Secret    string
	Region    string           // default us-east-1
	Service   string           // default ec2
	Now       func() time.Time // signing time; default time.Now
	HTTP      *http.Client     // default http.DefaultClient
}

// Response is one answer, parsed.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Envelope Envelope
}

// Envelope is what an EC2 XML body says: a success (Root = Action+"Response")
// or an error (Root = "Response", Code and Message set).
type Envelope struct {
	Root      string
	RequestID string
	Code      string
	Message   string
}

// IsError reports whether the body was an error envelope.
func (e Envelope) IsError() bool { return e.Root == "Response" }

// Form renders params in the canonical form body (sorted keys).
func Form(params map[string]string) string {
	v := url.Values{}
	for k, val := range params {
		v.Set(k, val)
	}
	return v.Encode()
}

// Request builds a POST / with body and the usual headers, unsigned.
func (c *Client) Request(body []byte) *http.Request {
	r, err := http.NewRequest(http.MethodPost, strings.TrimRight(c.URL, "/")+"/", bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return r
}

// Sign signs r (whose body is body) as the SDKs do.
func (c *Client) Sign(r *http.Request, body []byte) error {
	sum := sha256.Sum256(body)
	region, service := c.Region, c.Service
	if region == "" {
		region = "us-east-1"
	}
	if service == "" {
		service = "ec2"
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	creds := aws.Credentials{AccessKeyID: c.AccessKey, SecretAccessKey: c.Secret}
	return v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, region, now.UTC())
}

// Post signs and sends a form body.
func (c *Client) Post(body string) (*Response, error) {
	r := c.Request([]byte(body))
	if err := c.Sign(r, []byte(body)); err != nil {
		return nil, err
	}
	return c.Do(r)
}

// Call sends Action=action&Version=2016-11-15 plus params.
func (c *Client) Call(action string, params map[string]string) (*Response, error) {
	all := map[string]string{"Action": action, "Version": "2016-11-15"}
	for k, v := range params {
		all[k] = v
	}
	return c.Post(Form(all))
}

// Do sends r as it is and parses the answer; a body that is not a
// well-formed EC2 envelope is an error.
func (c *Client) Do(r *http.Request) (*Response, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	out.Envelope, err = ParseEnvelope(resp.StatusCode, body)
	if err != nil {
		return out, fmt.Errorf("status %d: %w; body %.300q", resp.StatusCode, err, body)
	}
	return out, nil
}

// ParseEnvelope checks that body is what an EC2 client can read for status:
// 200 → <{Action}Response xmlns="…2016-11-15/"> with a requestId first;
// otherwise <Response><Errors><Error><Code/><Message/></Error></Errors>
// <RequestID/></Response> with exactly one error and non-empty fields.
func ParseEnvelope(status int, body []byte) (Envelope, error) {
	var env Envelope
	if !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		return env, errors.New("no XML declaration")
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var root xml.StartElement
	for {
		tok, err := dec.Token()
		if err != nil {
			return env, fmt.Errorf("no root element: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	env.Root = root.Name.Local
	if status == http.StatusOK {
		if !strings.HasSuffix(env.Root, "Response") || env.Root == "Response" {
			return env, fmt.Errorf("success root element %q", env.Root)
		}
		if root.Name.Space != Namespace {
			return env, fmt.Errorf("success namespace %q", root.Name.Space)
		}
		// The first child is <requestId>; the rest must be well-formed.
		var first struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		}
		for {
			tok, err := dec.Token()
			if err != nil {
				return env, fmt.Errorf("success body: %w", err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				if err := dec.DecodeElement(&first, &se); err != nil {
					return env, err
				}
				break
			}
		}
		if first.XMLName.Local != "requestId" || first.Text == "" {
			return env, fmt.Errorf("first child is %q %q, want requestId", first.XMLName.Local, first.Text)
		}
		env.RequestID = first.Text
		if err := drain(dec, 1); err != nil {
			return env, err
		}
		return env, nil
	}
	if env.Root != "Response" || root.Name.Space != "" {
		return env, fmt.Errorf("error root element %q (namespace %q)", env.Root, root.Name.Space)
	}
	var e struct {
		Errors struct {
			Error []struct {
				Code    string `xml:"Code"`
				Message string `xml:"Message"`
			} `xml:"Error"`
		} `xml:"Errors"`
		RequestID string `xml:"RequestID"`
	}
	if err := dec.DecodeElement(&e, &root); err != nil {
		return env, err
	}
	if err := drain(dec, 0); err != nil {
		return env, err
	}
	if len(e.Errors.Error) != 1 {
		return env, fmt.Errorf("%d errors in envelope", len(e.Errors.Error))
	}
	env.Code, env.Message, env.RequestID = e.Errors.Error[0].Code, e.Errors.Error[0].Message, e.RequestID
	if env.Code == "" || env.Message == "" || env.RequestID == "" {
		return env, fmt.Errorf("error envelope with empty field: %+v", env)
	}
	return env, nil
}

// drain reads to the end from nesting depth (1: inside the root, 0: the
// root is closed), failing on malformed XML and on any element after the
// root element.
func drain(dec *xml.Decoder, depth int) error {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if depth != 0 {
				return errors.New("unterminated XML")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				return errors.New("content after the root element")
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
}
