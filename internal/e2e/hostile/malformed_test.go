package hostile

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/e2e/ec2raw"
	"github.com/ipamd/ipamd/internal/testserver"
)

// corpusDir holds the malformed-request corpus: JSON files, each a list of
// cases (see malformedCase).
const corpusDir = "../../../testdata/malformed"

// malformedCase is one hostile request and the refusal it must get.
type malformedCase struct {
	Name    string            `json:"name"`
	Method  string            `json:"method"`  // default POST
	Headers map[string]string `json:"headers"` // set before signing; default Content-Type is the form type
	// Exactly one of Body, BodyB64 (for bytes JSON cannot carry) and Gen.
	// Body and Gen may use {{PLACEHOLDER}}s (fixture ids, NOW, TODAY).
	Body    *string `json:"body"`
	BodyB64 string  `json:"body_b64"`
	Gen     *struct {
		Before string `json:"before"`
		Unit   string `json:"unit"` // repeated Count times; {i} is 1..Count
		Count  int    `json:"count"`
	} `json:"gen"`
	Auth   authSpec `json:"auth"`
	Status int      `json:"status"`
	Code   string   `json:"code"`
	Note   string   `json:"note"`
}

// authSpec says how to sign; the zero value signs properly as the fixture
// account with the aws-sdk-go-v2 signer.
type authSpec struct {
	Mode          string            `json:"mode"` // "" sign, "none" send as is
	AccessKey     string            `json:"access_key"`
	Secret        string            `json:"secret"`
	Service       string            `json:"service"`
	Region        string            `json:"region"`
	OffsetSeconds int               `json:"offset_seconds"`     // signing time relative to now
	HeadersBefore map[string]string `json:"headers_before"`     // set before signing (signed if the signer signs them)
	HeadersAfter  map[string]string `json:"headers_after"`      // set after signing
	BodyAfter     *string           `json:"body_after"`         // body swapped after signing
	ShiftDate     int               `json:"shift_date_seconds"` // X-Amz-Date moved after signing
}

func loadCorpus(t *testing.T) map[string][]malformedCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", corpusDir, err)
	}
	out := map[string][]malformedCase{}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var cases []malformedCase
		if err := dec.Decode(&cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		seen := map[string]bool{}
		for _, c := range cases {
			if seen[c.Name] {
				t.Fatalf("%s: case %q twice", f, c.Name)
			}
			seen[c.Name] = true
			bodies := 0
			for _, set := range []bool{c.Body != nil, c.BodyB64 != "", c.Gen != nil} {
				if set {
					bodies++
				}
			}
			if bodies != 1 || c.Status < 400 || c.Status > 499 || c.Code == "" {
				t.Fatalf("%s: case %q: needs one body, a 4xx status and a code", f, c.Name)
			}
		}
		out[filepath.Base(f)] = cases
		n += len(cases)
	}
	if n < 100 {
		t.Fatalf("corpus has %d cases; want at least 100", n)
	}
	return out
}

func expand(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

func (mc *malformedCase) body(t *testing.T, vars map[string]string) []byte {
	switch {
	case mc.Body != nil:
		return []byte(expand(*mc.Body, vars))
	case mc.BodyB64 != "":
		b, err := base64.StdEncoding.DecodeString(mc.BodyB64)
		if err != nil {
			t.Fatalf("%s: body_b64: %v", mc.Name, err)
		}
		return b
	}
	var b bytes.Buffer
	b.WriteString(expand(mc.Gen.Before, vars))
	unit := expand(mc.Gen.Unit, vars)
	per := strings.Contains(unit, "{i}")
	for i := 1; i <= mc.Gen.Count; i++ {
		if per {
			b.WriteString(strings.ReplaceAll(unit, "{i}", strconv.Itoa(i)))
		} else {
			b.WriteString(unit)
		}
	}
	return b.Bytes()
}

// request builds (and, unless the case says otherwise, signs) the request.
func (mc *malformedCase) request(t *testing.T, base *ec2raw.Client, vars map[string]string) *http.Request {
	body := mc.body(t, vars)
	c := *base
	a := mc.Auth
	if a.AccessKey != "" {
		c.AccessKey = a.AccessKey
	}
	if a.Secret != "" {
		c.Secret = a.Secret
	}
	if a.Service != "" {
		c.Service = a.Service
	}
	if a.Region != "" {
		c.Region = a.Region
	}
	if a.OffsetSeconds != 0 {
		at := time.Now().Add(time.Duration(a.OffsetSeconds) * time.Second)
		c.Now = func() time.Time { return at }
	}
	r := c.Request(body)
	if mc.Method != "" {
		r.Method = mc.Method
	}
	for k, v := range mc.Headers {
		r.Header.Set(k, expand(v, vars))
	}
	for k, v := range a.HeadersBefore {
		r.Header.Set(k, v)
	}
	if a.Mode != "none" {
		if err := c.Sign(r, body); err != nil {
			t.Fatalf("%s: sign: %v", mc.Name, err)
		}
	}
	for k, v := range a.HeadersAfter {
		r.Header.Set(k, v)
	}
	if a.ShiftDate != 0 {
		d, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		if err != nil {
			t.Fatalf("%s: %v", mc.Name, err)
		}
		r.Header.Set("X-Amz-Date", d.Add(time.Duration(a.ShiftDate)*time.Second).Format("20060102T150405Z"))
	}
	if a.BodyAfter != nil {
		nb := []byte(expand(*a.BodyAfter, vars))
		r.Body = http.NoBody
		r.GetBody = nil
		r.Body = readCloser{bytes.NewReader(nb)}
		r.ContentLength = int64(len(nb))
	}
	return r
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// TestMalformedCorpus sends every case of testdata/malformed to a real
// server and checks the exact 4xx status and EC2 code, that every body is a
// well-formed EC2 error envelope, and that no case changed any state.
func TestMalformedCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	srv := testserver.Start(t, testserver.Options{})
	raw := &ec2raw.Client{URL: srv.URL, AccessKey: "test", Secret: "test"}
	f := buildWorld(t, raw)
	vars := f.Placeholders()
	now := time.Now().UTC()
	vars["NOW"], vars["TODAY"] = now.Format("20060102T150405Z"), now.Format("20060102")

	before := snapshot(t, raw, f.Pools)
	total := 0
	for file, cases := range corpus {
		for _, mc := range cases {
			t.Run(strings.TrimSuffix(file, ".json")+"/"+mc.Name, func(t *testing.T) {
				total++
				resp, err := raw.Do(mc.request(t, raw, vars))
				if resp == nil {
					t.Fatalf("no answer: %v", err)
				}
				if resp.Status >= 500 {
					t.Fatalf("server error %d: %s", resp.Status, resp.Body)
				}
				if err != nil {
					t.Fatalf("malformed answer: %v", err)
				}
				if !resp.Envelope.IsError() {
					t.Fatalf("accepted (%d): %.300s", resp.Status, resp.Body)
				}
				if resp.Status != mc.Status || resp.Envelope.Code != mc.Code {
					t.Errorf("got %d %s (%q), want %d %s", resp.Status, resp.Envelope.Code, resp.Envelope.Message, mc.Status, mc.Code)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
					t.Errorf("Content-Type %q", ct)
				}
				if len(resp.Body) > 1024 {
					t.Errorf("error body of %d bytes: input is echoed unbounded", len(resp.Body))
				}
				if after := snapshot(t, raw, f.Pools); after != before {
					t.Fatalf("state changed:\n%s", ec2raw.FirstDiff(before, after))
				}
			})
		}
	}
	t.Logf("%d malformed requests refused", total)
}
