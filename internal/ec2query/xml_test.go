package ec2query

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

type testTag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type testAllocation struct {
	Cidr          string        `xml:"cidr"`
	ID            string        `xml:"ipamPoolAllocationId"`
	Description   *string       `xml:"description,omitempty"`
	ResourceType  string        `xml:"resourceType"`
	ResourceOwner string        `xml:"resourceOwner"`
	Tags          List[testTag] `xml:"tagSet"`
	Regions       *List[string] `xml:"regionSet,omitempty"`
}

type testGetAllocations struct {
	Allocations List[testAllocation] `xml:"ipamPoolAllocationSet"`
	NextToken   *string              `xml:"nextToken,omitempty"`
}

func ptr[T any](v T) *T { return &v }

func TestMarshalResponseGolden(t *testing.T) {
	tests := []struct {
		name   string
		action string
		v      any
		want   string
	}{
		{"nested lists", "GetIpamPoolAllocations", &testGetAllocations{
			Allocations: List[testAllocation]{
				{Cidr: "10.0.0.0/16", ID: "ipam-pool-alloc-1", ResourceType: "ipam-pool", ResourceOwner: "123456789012"},
				{Cidr: "10.1.0.0/24", ID: "ipam-pool-alloc-2", Description: ptr("reserved <on-prem> & co"),
					ResourceType: "custom", ResourceOwner: "123456789012",
					Tags: List[testTag]{{"team", "net"}}, Regions: &List[string]{"us-east-1"}},
			},
			NextToken: ptr("eyJvZmZzZXQiOjJ9"),
		}, `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<GetIpamPoolAllocationsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>` +
			`<ipamPoolAllocationSet>` +
			`<item><cidr>10.0.0.0/16</cidr><ipamPoolAllocationId>ipam-pool-alloc-1</ipamPoolAllocationId><resourceType>ipam-pool</resourceType><resourceOwner>123456789012</resourceOwner><tagSet></tagSet></item>` +
			`<item><cidr>10.1.0.0/24</cidr><ipamPoolAllocationId>ipam-pool-alloc-2</ipamPoolAllocationId><description>reserved &lt;on-prem&gt; &amp; co</description><resourceType>custom</resourceType><resourceOwner>123456789012</resourceOwner><tagSet><item><key>team</key><value>net</value></item></tagSet><regionSet><item>us-east-1</item></regionSet></item>` +
			`</ipamPoolAllocationSet><nextToken>eyJvZmZzZXQiOjJ9</nextToken></GetIpamPoolAllocationsResponse>`},
		{"empty list still emitted", "DescribeIpamPools", &struct {
			Pools     List[testTag] `xml:"ipamPoolSet"`
			NextToken *string       `xml:"nextToken,omitempty"`
		}{}, `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<DescribeIpamPoolsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><ipamPoolSet></ipamPoolSet></DescribeIpamPoolsResponse>`},
		{"nil value", "CreateTags", nil, `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId></CreateTagsResponse>`},
		{"struct value not pointer", "ReleaseIpamPoolAllocation", struct {
			Success bool `xml:"success"`
		}{true}, `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<ReleaseIpamPoolAllocationResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><success>true</success></ReleaseIpamPoolAllocationResponse>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MarshalResponse(tt.action, "req-1", tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			checkWellFormed(t, got)
		})
	}
}

func TestMarshalResponseRejects(t *testing.T) {
	for _, c := range []struct {
		action string
		v      any
	}{
		{"", nil},
		{"Bad Action", nil},
		{"1Action", nil},
		{"X", 42},
		{"X", &struct {
			A string `xml:"a,attr"`
		}{"x"}},
	} {
		if _, err := MarshalResponse(c.action, "r", c.v); err == nil {
			t.Errorf("MarshalResponse(%q, %#v): want error", c.action, c.v)
		}
	}
}

func TestListRoundTrip(t *testing.T) {
	in := testGetAllocations{Allocations: List[testAllocation]{{Cidr: "10.0.0.0/8", Tags: List[testTag]{{"a", "b"}}}}}
	b, err := xml.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out testGetAllocations
	if err := xml.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Allocations) != 1 || out.Allocations[0].Tags[0] != (testTag{"a", "b"}) {
		t.Fatalf("round trip: %+v", out)
	}
}

func TestWriteResponse(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := WriteResponse(rec, "DeleteIpam", "req-9", nil); err != nil {
		t.Fatal(err)
	}
	res := rec.Result()
	checkHeaders(t, res, http.StatusOK, "req-9")
	if err := WriteResponse(httptest.NewRecorder(), "Bad Name", "r", nil); err == nil {
		t.Fatal("want error")
	}
}

func TestWriteErrorGolden(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, http.StatusBadRequest, "InvalidIpamPoolId.NotFound",
		"The ipam-pool ID 'ipam-pool-0123456789abcdef0' does not exist", "b1e2f3a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b")
	res := rec.Result()
	checkHeaders(t, res, http.StatusBadRequest, "b1e2f3a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b")
	body, _ := io.ReadAll(res.Body)
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Response><Errors><Error><Code>InvalidIpamPoolId.NotFound</Code><Message>The ipam-pool ID 'ipam-pool-0123456789abcdef0' does not exist</Message></Error></Errors><RequestID>b1e2f3a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b</RequestID></Response>`
	if string(body) != want {
		t.Errorf("got\n%s\nwant\n%s", body, want)
	}
}

func TestMarshalErrorEscaping(t *testing.T) {
	got := MarshalError("X", "a<b>&\"c'\"\xff\x00\r\nend", "id&")
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Response><Errors><Error><Code>X</Code><Message>a&lt;b&gt;&amp;"c'"` + "\uFFFD\uFFFD" +
		"&#xD;\nend</Message></Error></Errors><RequestID>id&amp;</RequestID></Response>"
	if string(got) != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	checkWellFormed(t, got)
}

func checkHeaders(t *testing.T, res *http.Response, status int, id string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("status %d, want %d", res.StatusCode, status)
	}
	if got := res.Header.Get("Content-Type"); got != "text/xml;charset=UTF-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := res.Header.Get("X-Amzn-Requestid"); got != id {
		t.Errorf("x-amzn-RequestId %q, want %q", got, id)
	}
}

// checkWellFormed decodes b completely with encoding/xml.
func checkWellFormed(t *testing.T, b []byte) {
	t.Helper()
	if err := wellFormed(b); err != nil {
		t.Fatalf("not well-formed: %v\n%q", err, b)
	}
}

func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if depth != 0 || roots != 1 {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
}
