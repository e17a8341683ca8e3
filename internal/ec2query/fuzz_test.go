package ec2query

import (
	"errors"
	"net/http/httptest"
	"testing"
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
