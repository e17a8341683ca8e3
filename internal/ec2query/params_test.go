package ec2query

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func params(t *testing.T, body string) *Params {
	t.Helper()
	v, err := ParseForm([]byte(body))
	if err != nil {
		t.Fatalf("ParseForm(%q): %v", body, err)
	}
	return NewParams(v)
}

func TestScalars(t *testing.T) {
	tests := []struct {
		name string
		body string
		run  func(p *Params) any
		want any
		code string // code from Finish; "" = success
		msg  string // exact message, if set
	}{
		{"action+version", "Action=DescribeIpams&Version=2016-11-15",
			func(p *Params) any { return p.Action() + "/" + p.Version() }, "DescribeIpams/2016-11-15", "", ""},
		{"missing action", "Version=2016-11-15",
			func(p *Params) any { p.Version(); return p.Action() }, "", CodeMissingAction, ""},
		{"empty action", "Action=",
			func(p *Params) any { return p.Action() }, "", CodeMissingAction, ""},
		{"string present empty", "Description=",
			func(p *Params) any { v, ok := p.String("Description"); return fmt.Sprintf("%q %v", v, ok) }, `"" true`, "", ""},
		{"string absent", "",
			func(p *Params) any { v, ok := p.String("Description"); return fmt.Sprintf("%q %v", v, ok) }, `"" false`, "", ""},
		{"string duplicate", "Description=a&Description=b",
			func(p *Params) any { v, _ := p.String("Description"); return v }, "a", CodeInvalidParameterValue, ""},
		{"keys are case-sensitive", "description=a",
			func(p *Params) any { _, ok := p.String("Description"); return ok }, false, CodeUnknownParameter,
			"The parameter description is not recognized"},
		{"required ok", "IpamPoolId=ipam-pool-1",
			func(p *Params) any { return p.RequiredString("IpamPoolId") }, "ipam-pool-1", "", ""},
		{"required missing", "",
			func(p *Params) any { return p.RequiredString("IpamPoolId") }, "", CodeMissingParameter,
			"The request must contain the parameter IpamPoolId"},
		{"required empty", "IpamPoolId=",
			func(p *Params) any { return p.RequiredString("IpamPoolId") }, "", CodeMissingParameter, ""},
		{"int ok", "MaxResults=1000",
			func(p *Params) any { v, ok := p.Int("MaxResults", 1000, 100000); return fmt.Sprint(v, ok) }, "1000 true", "", ""},
		{"int absent", "",
			func(p *Params) any { v, ok := p.Int("MaxResults", 5, 1000); return fmt.Sprint(v, ok) }, "0 false", "", ""},
		{"int non-numeric", "MaxResults=abc",
			func(p *Params) any { _, ok := p.Int("MaxResults", 1000, 100000); return ok }, false, CodeInvalidParameterValue,
			"Value (abc) for parameter MaxResults is invalid. Expecting an integer between 1000 and 100000."},
		{"int below", "MaxResults=5",
			func(p *Params) any { _, ok := p.Int("MaxResults", 1000, 100000); return ok }, false, CodeInvalidParameterValue,
			"Value (5) for parameter MaxResults is invalid. Expecting an integer between 1000 and 100000."},
		{"int above", "MaxResults=1001",
			func(p *Params) any { _, ok := p.Int("MaxResults", 5, 1000); return ok }, false, CodeInvalidParameterValue, ""},
		{"int overflow", "NetmaskLength=99999999999999999999",
			func(p *Params) any { _, ok := p.Int("NetmaskLength", 0, 128); return ok }, false, CodeInvalidParameterValue, ""},
		{"int float", "NetmaskLength=1.5",
			func(p *Params) any { _, ok := p.Int("NetmaskLength", 0, 128); return ok }, false, CodeInvalidParameterValue, ""},
		{"int empty", "NetmaskLength=",
			func(p *Params) any { _, ok := p.Int("NetmaskLength", 0, 128); return ok }, false, CodeInvalidParameterValue, ""},
		{"int space", "NetmaskLength=+24+",
			func(p *Params) any { _, ok := p.Int("NetmaskLength", 0, 128); return ok }, false, CodeInvalidParameterValue, ""},
		{"int long value echo truncated", "MaxResults=" + strings.Repeat("9", 300),
			func(p *Params) any { _, ok := p.Int("MaxResults", 5, 1000); return ok }, false, CodeInvalidParameterValue,
			"Value (" + strings.Repeat("9", maxEcho) + "...) for parameter MaxResults is invalid. Expecting an integer between 5 and 1000."},
		{"bool true", "DryRun=true",
			func(p *Params) any { v, ok := p.Bool("DryRun"); return fmt.Sprint(v, ok) }, "true true", "", ""},
		{"bool FALSE", "DryRun=FALSE",
			func(p *Params) any { v, ok := p.Bool("DryRun"); return fmt.Sprint(v, ok) }, "false true", "", ""},
		{"bool 1", "DryRun=1",
			func(p *Params) any { _, ok := p.Bool("DryRun"); return ok }, false, CodeInvalidParameterValue,
			"Value (1) for parameter DryRun is invalid. Expecting a boolean (true or false)."},
		{"bool empty", "DryRun=",
			func(p *Params) any { _, ok := p.Bool("DryRun"); return ok }, false, CodeInvalidParameterValue, ""},
		{"struct", "ExternalAuthorityConfiguration.Type=infoblox",
			func(p *Params) any {
				return p.Struct("ExternalAuthorityConfiguration", "Type", "ExternalResourceIdentifier")
			}, map[string]string{"Type": "infoblox"}, "", ""},
		{"struct absent", "",
			func(p *Params) any { return p.Struct("SourceResource", "ResourceId") }, map[string]string(nil), "", ""},
		{"struct unknown member", "SourceResource.ResourceId=vpc-1&SourceResource.Bogus=1",
			func(p *Params) any { return p.Struct("SourceResource", "ResourceId") }, map[string]string{"ResourceId": "vpc-1"},
			CodeUnknownParameter, "The parameter SourceResource.Bogus is not recognized"},
		{"unknown reported sorted", "Zeta=1&Alpha=2&Known=3",
			func(p *Params) any { v, _ := p.String("Known"); return v }, "3", CodeUnknownParameter,
			"The parameter Alpha is not recognized"},
		{"first error wins", "MaxResults=x&DryRun=x",
			func(p *Params) any { p.Int("MaxResults", 5, 1000); p.Bool("DryRun"); return nil }, nil, CodeInvalidParameterValue,
			"Value (x) for parameter MaxResults is invalid. Expecting an integer between 5 and 1000."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params(t, tt.body)
			got := tt.run(p)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			err := p.Finish()
			checkCode(t, err, tt.code)
			if tt.msg != "" && err.(*Error).Message != tt.msg {
				t.Errorf("message %q, want %q", err.(*Error).Message, tt.msg)
			}
		})
	}
}

func TestLists(t *testing.T) {
	tests := []struct {
		name string
		body string
		run  func(p *Params) any
		want any
		code string
	}{
		{"string list", "IpamId.1=a&IpamId.2=b",
			func(p *Params) any { return p.StringList("IpamId") }, []string{"a", "b"}, ""},
		{"numeric order", "IpamId.10=j&IpamId.2=b&IpamId.1=a",
			func(p *Params) any { return p.StringList("IpamId") }, []string{"a", "b", "j"}, ""},
		{"gaps tolerated", "IpamId.1=a&IpamId.7=g",
			func(p *Params) any { return p.StringList("IpamId") }, []string{"a", "g"}, ""},
		{"absent", "",
			func(p *Params) any { return p.StringList("IpamId") }, []string(nil), ""},
		{"leading zero", "IpamId.01=a",
			func(p *Params) any { return p.StringList("IpamId") }, []string(nil), CodeInvalidParameter},
		{"zero index", "IpamId.0=a",
			func(p *Params) any { return p.StringList("IpamId") }, []string(nil), CodeInvalidParameter},
		{"non-numeric index", "IpamId.x=a",
			func(p *Params) any { return p.StringList("IpamId") }, []string(nil), CodeInvalidParameter},
		{"empty index", "IpamId.=a",
			func(p *Params) any { return p.StringList("IpamId") }, []string(nil), CodeInvalidParameter},
		{"negative index", "IpamId.-1=a",
			func(p *Params) any { return p.StringList("IpamId") }, []string(nil), CodeInvalidParameter},
		{"huge index", "IpamId.1234567890=a",
			func(p *Params) any { return p.StringList("IpamId") }, []string(nil), CodeInvalidParameter},
		{"repeated index", "IpamId.1=a&IpamId.1=b",
			func(p *Params) any { return p.StringList("IpamId") }, []string{"a"}, CodeInvalidParameterValue},
		{"bare list name unknown", "IpamId=a",
			func(p *Params) any { return p.StringList("IpamId") }, []string(nil), CodeUnknownParameter},
		{"sub-key on scalar list unknown", "IpamId.1=a&IpamId.2.X=b",
			func(p *Params) any { return p.StringList("IpamId") }, []string{"a"}, CodeUnknownParameter},
		{"filters", "Filter.1.Name=resource-type&Filter.1.Value.1=custom&Filter.1.Value.2=ipam-pool&Filter.2.Name=cidr&Filter.2.Value.1=10.%2A",
			func(p *Params) any { return p.Filters() },
			[]Filter{{"resource-type", []string{"custom", "ipam-pool"}}, {"cidr", []string{"10.*"}}}, ""},
		{"filters gapped", "Filter.1.Name=a&Filter.3.Name=c&Filter.3.Value.5=v",
			func(p *Params) any { return p.Filters() },
			[]Filter{{"a", nil}, {"c", []string{"v"}}}, ""},
		{"filter without name", "Filter.1.Value.1=x",
			func(p *Params) any { return p.Filters() }, []Filter(nil), CodeMissingParameter},
		{"filter extra sub-key", "Filter.1.Name=a&Filter.1.Foo=b",
			func(p *Params) any { return p.Filters() }, []Filter{{"a", nil}}, CodeUnknownParameter},
		{"filter bad index", "Filter.01.Name=a",
			func(p *Params) any { return p.Filters() }, []Filter(nil), CodeInvalidParameter},
		{"filter bad value index", "Filter.1.Name=a&Filter.1.Value.x=b",
			func(p *Params) any { return p.Filters() }, []Filter{{"a", nil}}, CodeInvalidParameter},
		{"tags", "Tag.1.Key=team&Tag.1.Value=net&Tag.2.Key=empty",
			func(p *Params) any { return p.Tags("Tag") }, []Tag{{"team", "net"}, {"empty", ""}}, ""},
		{"tag without key", "Tag.1.Value=net",
			func(p *Params) any { return p.Tags("Tag") }, []Tag(nil), CodeMissingParameter},
		{"tag matches", "Tag.1.Key=a&Tag.2.Key=b&Tag.2.Value=",
			func(p *Params) any {
				m := p.TagMatches("Tag")
				return fmt.Sprintf("%d %s %v %s %v", len(m), m[0].Key, m[0].Value == nil, m[1].Key, *m[1].Value == "")
			}, "2 a true b true", ""},
		{"allocation resource tags", "AllocationResourceTag.1.Key=env&AllocationResourceTag.1.Value=prod",
			func(p *Params) any { return p.Tags("AllocationResourceTag") }, []Tag{{"env", "prod"}}, ""},
		{"tag specifications", "TagSpecification.1.ResourceType=ipam-pool&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=regional&TagSpecification.1.Tag.2.Key=x&TagSpecification.2.ResourceType=ipam",
			func(p *Params) any { return p.TagSpecifications() },
			[]TagSpecification{{"ipam-pool", []Tag{{"Name", "regional"}, {"x", ""}}}, {"ipam", nil}}, ""},
		{"tag specification unknown member", "TagSpecification.1.ResourceType=ipam&TagSpecification.1.Tags.1.Key=x",
			func(p *Params) any { return len(p.TagSpecifications()) }, 1, CodeUnknownParameter},
		{"regions", "OperatingRegion.1.RegionName=us-east-1&OperatingRegion.2.RegionName=eu-west-1",
			func(p *Params) any { return p.RegionList("OperatingRegion") }, []string{"us-east-1", "eu-west-1"}, ""},
		{"region missing name", "AddOperatingRegion.1.Region=us-east-1",
			func(p *Params) any { return p.RegionList("AddOperatingRegion") }, []string(nil), CodeMissingParameter},
		{"prefix is not confused", "Tag.1.Key=a&TagSpecification.1.ResourceType=ipam",
			func(p *Params) any { return fmt.Sprint(p.Tags("Tag"), len(p.TagSpecifications())) }, "[{a }] 1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params(t, tt.body)
			got := tt.run(p)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			checkCode(t, p.Finish(), tt.code)
		})
	}
}

func bigList(prefix, suffix string, n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s.%d%s=v%d&", prefix, i, suffix, i)
	}
	return b.String()
}

func TestListCaps(t *testing.T) {
	p := params(t, bigList("IpamId", "", MaxListElements))
	if got := len(p.StringList("IpamId")); got != MaxListElements {
		t.Fatalf("got %d elements", got)
	}
	checkCode(t, p.Finish(), "")

	p = params(t, bigList("IpamId", "", 10000))
	if got := p.StringList("IpamId"); got != nil {
		t.Fatalf("got %d elements, want none", len(got))
	}
	checkCode(t, p.Finish(), CodeInvalidParameterValue)

	p = params(t, "Filter.1.Name=cidr&"+bigList("Filter.1.Value", "", 10000))
	p.Filters()
	checkCode(t, p.Finish(), CodeInvalidParameterValue)

	p = params(t, bigList("Filter", ".Name", 10000))
	if got := p.Filters(); got != nil {
		t.Fatalf("got %d filters", len(got))
	}
	checkCode(t, p.Finish(), CodeInvalidParameterValue)
}

// A realistic request as boto3 sends it (reference §13.6).
func TestGetIpamPoolAllocationsRequest(t *testing.T) {
	body := "Action=GetIpamPoolAllocations&Version=2016-11-15&IpamPoolId=ipam-pool-0008f25d7187a08d9" +
		"&Filter.1.Name=resource-type&Filter.1.Value.1=custom&Filter.1.Value.2=ipam-pool" +
		"&Filter.2.Name=cidr&Filter.2.Value.1=10.%2A&MaxResults=1000"
	p := params(t, body)
	if p.Action() != "GetIpamPoolAllocations" || p.Version() != "2016-11-15" {
		t.Fatal("action/version")
	}
	p.RequiredString("IpamPoolId")
	p.String("IpamPoolAllocationId")
	p.Filters()
	p.Int("MaxResults", 1000, 100000)
	p.String("NextToken")
	p.Bool("DryRun")
	checkCode(t, p.Finish(), "")
}

func TestTime(t *testing.T) {
	at := func(sec, ns int64) time.Time { return time.Unix(sec, ns).UTC() }
	ok := []struct {
		in   string
		want time.Time
	}{
		{"2023-11-14T22:13:20Z", at(1700000000, 0)},
		{"2023-11-14T22:13:20.250Z", at(1700000000, 250e6)},
		{"2023-11-15T00:13:20.000000001+02:00", at(1700000000, 1)},
		{"1700000000", at(1700000000, 0)},
		{"1700000000.25", at(1700000000, 250e6)},
		{"1700000000.1234567899999", at(1700000000, 123456789)},
		{"0", at(0, 0)},
		{"99999999999.5", at(99999999999, 500e6)},
		{"0000-01-01T00:00:00Z", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"9999-12-31T23:59:59Z", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
	}
	for _, c := range ok {
		p := NewParams(url.Values{"T": {c.in}})
		got, good := p.Time("T")
		if !good || p.Finish() != nil || !got.Equal(c.want) {
			t.Errorf("Time(%q) = %v, %v, %v; want %v", c.in, got, good, p.Finish(), c.want)
		}
	}
	for _, in := range []string{"", "notatime", "99999999999999", "100000000000", "-1", "-0", "+5", "1e9", "0x1p30",
		"1_700_000_000", "1700000000.", ".5", "NaN", "Inf", "2026-01-02", "2026-01-02T03:04:05", "2026-13-01T00:00:00Z",
		"9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+01:00", " 1700000000", "1700000000 "} {
		p := NewParams(url.Values{"T": {in}})
		if got, good := p.Time("T"); good || !got.IsZero() || codeOf(p.Finish()) != CodeInvalidParameterValue {
			t.Errorf("Time(%q) = %v, %v, %v; want InvalidParameterValue", in, got, good, p.Finish())
		}
	}
	if _, good := NewParams(url.Values{}).Time("T"); good {
		t.Error("absent time is ok")
	}
}

func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
