package ec2query

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	"",
	"Action=DescribeIpams&Version=2016-11-15",
	"Action=GetIpamPoolAllocations&Version=2016-11-15&IpamPoolId=ipam-pool-1&Filter.1.Name=cidr&Filter.1.Value.1=10.%2A&MaxResults=1000",
	"Filter.1.Name=a&Filter.3.Name=c&Filter.3.Value.2=x&Filter.01.Name=z",
	"Tag.1.Key=a&Tag.1.Value=b&Tag.2.Value=c&DryRun=TRUE&MaxResults=abc",
	"TagSpecification.1.ResourceType=ipam&TagSpecification.1.Tag.1.Key=k&OperatingRegion.1.RegionName=us-east-1",
	"A=1&A=2&%ff=1&B=%zz&C=%00&D=a;b",
	"ExternalAuthorityConfiguration.Type=infoblox&Unknown.1=x&IpamId.x=1",
}

func FuzzParseForm(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := ParseForm(body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || v != nil {
				t.Fatalf("error must be *Error with nil values: %T %v", err, err)
			}
			if werr := wellFormed(MarshalError(e.Code, e.Message, "r")); werr != nil {
				t.Fatalf("error body not well-formed: %v", werr)
			}
			return
		}
		for k, vs := range v {
			if !validKey(k) {
				t.Fatalf("accepted bad key %q", k)
			}
			for _, s := range vs {
				if !validText(s) {
					t.Fatalf("accepted bad value %q", s)
				}
			}
		}
	})
}

type fuzzResp struct {
	Desc   *string          `xml:"description,omitempty"`
	Values List[string]     `xml:"valueSet"`
	Tags   List[testTag]    `xml:"tagSet"`
	Nested List[fuzzFilter] `xml:"filterSet"`
}

type fuzzFilter struct {
	Name   string       `xml:"name"`
	Values List[string] `xml:"valueSet"`
}

func FuzzParams(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "message")
	}
	f.Fuzz(func(t *testing.T, body []byte, msg string) {
		// Error bodies must be well-formed whatever the message bytes are.
		rec := httptest.NewRecorder()
		WriteError(rec, 400, "C", msg, msg)
		if err := wellFormed(rec.Body.Bytes()); err != nil {
			t.Fatalf("WriteError not well-formed: %v", err)
		}
		if err := wellFormed(MarshalError(msg, msg, msg)); err != nil {
			t.Fatalf("MarshalError not well-formed: %v", err)
		}

		v, err := ParseForm(body)
		if err != nil {
			return
		}
		p := NewParams(v)
		p.Action()
		p.Version()
		desc, hasDesc := p.String("Description")
		p.RequiredString("IpamPoolId")
		if _, ok := p.Int("MaxResults", 5, 1000); !ok && v.Has("MaxResults") && p.Err() == nil {
			t.Fatal("invalid int without error")
		}
		if _, ok := p.Bool("DryRun"); !ok && v.Has("DryRun") && p.Err() == nil {
			t.Fatal("invalid bool without error")
		}
		values := p.StringList("IpamId")
		filters := p.Filters()
		tags := p.Tags("Tag")
		p.TagSpecifications()
		p.RegionList("OperatingRegion")
		p.Struct("ExternalAuthorityConfiguration", "Type", "ExternalResourceIdentifier")

		err = p.Finish()
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Finish returned %T", err)
			}
		} else {
			for k := range v {
				if !p.used[k] {
					t.Fatalf("key %q unconsumed but Finish succeeded", k)
				}
			}
		}

		resp := fuzzResp{Values: values}
		if hasDesc {
			resp.Desc = &desc
		}
		for _, tg := range tags {
			resp.Tags = append(resp.Tags, testTag(tg))
		}
		for _, fl := range filters {
			resp.Nested = append(resp.Nested, fuzzFilter{fl.Name, fl.Values})
		}
		out, merr := MarshalResponse("Fuzz", msg, &resp)
		if merr != nil {
			t.Fatalf("MarshalResponse: %v", merr)
		}
		if err := wellFormed(out); err != nil {
			t.Fatalf("response not well-formed: %v\n%q", err, out)
		}
	})
}

// timeSeeds are timestamps as clients send them, and near misses.
var timeSeeds = []string{
	"2026-01-02T03:04:05Z", "2026-01-02T03:04:05.123Z", "2026-01-02T03:04:05.123456789+05:30",
	"2026-01-02T03:04:05,5Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999-23:59",
	"1700000000", "1700000000.25", "0", "99999999999.999", "99999999999999", "100000000000",
	"", "notatime", "-1", "-0", "+5", "1e9", "0x1p30", "0x_1p0", "NaN", "Inf", "1_700_000_000",
	"1700000000.", ".5", "2026-01-02", "2026-01-02T03:04:05", "2026-13-01T00:00:00Z", "2026-01-02T24:00:00Z",
}

// FuzzTime: (*Params).Time never panics; it accepts exactly ISO 8601
// (RFC 3339) timestamps of the years 0000–9999 UTC and plain decimal epoch
// seconds below 1e11, and what
// it accepts round-trips: the ISO 8601 form of the instant (as EC2 writes
// timestamps back) parses to the same instant. A refusal is one
// InvalidParameterValue with a bounded message.
func FuzzTime(f *testing.F) {
	for _, s := range timeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := NewParams(url.Values{"StartTime": {s}})
		v, ok := p.Time("StartTime")
		err := p.Finish()
		iso := isoTimestamp(s)
		if !ok {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalidParameterValue || !v.IsZero() {
				t.Fatalf("%q refused with %v (time %v)", s, err, v)
			}
			if iso || epochSeconds(s) {
				t.Fatalf("%q is a timestamp but was refused: %v", s, err)
			}
			if len(e.Message) > 400 {
				t.Fatalf("%q: a message of %d bytes", s, len(e.Message))
			}
			if werr := wellFormed(MarshalError(e.Code, e.Message, "r")); werr != nil {
				t.Fatalf("%q: error body not well-formed: %v", s, werr)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q accepted but Finish: %v", s, err)
		}
		switch {
		case iso:
		case epochSeconds(s):
			if v.Location() != time.UTC || v.Unix() < 0 || v.Unix() >= 1e11 {
				t.Fatalf("epoch %q is %v", s, v)
			}
			whole, _, _ := strings.Cut(s, ".")
			if n, err := strconv.ParseInt(whole, 10, 64); err != nil || v.Unix() != n {
				t.Fatalf("epoch %q is %d seconds", s, v.Unix())
			}
		default:
			t.Fatalf("%q accepted as %v: neither ISO 8601 nor epoch seconds", s, v)
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z"} {
			back := v.UTC().Format(layout)
			q := NewParams(url.Values{"EndTime": {back}})
			w, ok := q.Time("EndTime")
			if !ok || q.Finish() != nil {
				t.Fatalf("%q -> %v -> %q refused", s, v, back)
			}
			if d := w.Sub(v); (layout == time.RFC3339Nano && d != 0) || d > 0 || d <= -time.Millisecond {
				t.Fatalf("%q -> %v -> %q -> %v", s, v, back, w)
			}
		}
	})
}

// isoTimestamp reports whether s is RFC 3339 naming an instant in the
// years 0000–9999 UTC.
func isoTimestamp(s string) bool {
	t, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && t.UTC().Year() >= 0 && t.UTC().Year() <= 9999
}

// epochSeconds reports whether s is plain decimal seconds below 1e11
// (digits, then optionally a point and more digits).
func epochSeconds(s string) bool {
	whole, frac, dotted := strings.Cut(s, ".")
	if whole == "" || len(whole) > 11 || (dotted && frac == "") {
		return false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return false
		}
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	return n < 1e11
}
