package vpcdoc

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/ipam"
)

// viaJSON is the reference: encoding/json, then ClearEmpty.
func viaJSON[T any](doc string) (*T, error) {
	v := new(T)
	if err := json.Unmarshal([]byte(doc), v); err != nil {
		return nil, err
	}
	ipam.ClearEmpty(v)
	return v, nil
}

// check decodes doc both ways and fails unless the results (or the fact
// of an error) agree; handParsed says whether the hand-written parser took
// it.
func check[T any](t testing.TB, doc string, decode func(string, *T) error, parse func(string, *T) bool) (handParsed bool) {
	t.Helper()
	want, wantErr := viaJSON[T](doc)
	got := new(T)
	err := decode(doc, got)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("doc %q: error %v, encoding/json's %v", doc, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("doc %q:\n got %+v\nwant %+v", doc, got, want)
	}
	parsed := new(T)
	if !parse(doc, parsed) {
		return false
	}
	if wantErr != nil {
		t.Fatalf("doc %q: parsed by hand, but encoding/json refuses it: %v", doc, wantErr)
	}
	ipam.ClearEmpty(parsed)
	if !reflect.DeepEqual(parsed, want) {
		t.Fatalf("doc %q: hand-parsed\n got %+v\nwant %+v", doc, parsed, want)
	}
	return true
}

func checkVPC(t testing.TB, doc string) bool    { return check(t, doc, VPC, parseVPC) }
func checkSubnet(t testing.TB, doc string) bool { return check(t, doc, Subnet, parseSubnet) }

// fill sets every field of v, recursively, to a value that is not zero,
// with strings from str.
func fill(v reflect.Value, r *rand.Rand, str func() string) {
	switch v.Interface().(type) {
	case netip.Prefix:
		v.Set(reflect.ValueOf(randPrefix(r)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		s := str()
		if s == "" {
			s = "x"
		}
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int:
		v.SetInt(int64(r.IntN(1000)) - 10)
		if v.Int() == 0 {
			v.SetInt(1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), r, str)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), r, str)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fill(v.Index(i), r, str)
		}
	default:
		panic("vpcdoc test: fill a " + v.Type().String() + ": add it to fill and to the parser")
	}
}

func randPrefix(r *rand.Rand) netip.Prefix {
	if r.IntN(2) == 0 {
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(r.IntN(256)), byte(r.IntN(256)), 0}), 8+r.IntN(25))
	}
	return netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(r.IntN(256))}), 32+r.IntN(97))
}

// TestEveryFieldParsedByHand fails when ipam.VPC or ipam.Subnet gains a
// field the hand-written parser does not know (the documents would then go
// to encoding/json, correct but slow).
func TestEveryFieldParsedByHand(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	plain := func() string { return "s" }
	var v ipam.VPC
	fill(reflect.ValueOf(&v).Elem(), r, plain)
	doc, _ := json.Marshal(&v)
	if !checkVPC(t, string(doc)) {
		t.Errorf("a VPC with every field set went to encoding/json: does the parser know every key of %s?", doc)
	}
	var s ipam.Subnet
	fill(reflect.ValueOf(&s).Elem(), r, plain)
	doc, _ = json.Marshal(&s)
	if !checkSubnet(t, string(doc)) {
		t.Errorf("a subnet with every field set went to encoding/json: does the parser know every key of %s?", doc)
	}
}

// respaced is doc as PostgreSQL's jsonb returns it: a space after each
// colon and comma, and the keys in another order (here sorted, through a
// map).
func respaced(t testing.TB, doc []byte) string {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.Indent(&b, out, "", " "); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRandomDocuments: documents of random values, with strings that need
// escapes, hold invalid UTF-8 or multi-byte characters, as json.Marshal
// writes them and respaced and reordered as jsonb returns them.
func TestRandomDocuments(t *testing.T) {
	alphabet := []string{"a", "Z", "0", " ", "\"", "\\", "/", "'", "&", "<", ">", "\t", "\n", "\r", "\x00", "\x1f",
		"\x7f", "\xc3", "\xff", "é", "\u2028", "\ufffd", "\U0001F600", "\ud7ff", "\ue000"}
	r := rand.New(rand.NewPCG(2, 3))
	str := func() string {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	n := 2000
	if testing.Short() {
		n = 200
	}
	hand := 0
	for i := range n {
		var v ipam.VPC
		var s ipam.Subnet
		fill(reflect.ValueOf(&v).Elem(), r, str)
		fill(reflect.ValueOf(&s).Elem(), r, str)
		switch i % 4 { // the lists and pointers also empty and nil
		case 1:
			v.CIDRs, v.Tags, s.Tags, s.IPv6 = nil, nil, nil, nil
		case 2:
			v.CIDRs, v.Tags, s.Tags = []ipam.VPCCIDR{}, []ipam.Tag{}, []ipam.Tag{}
			s.CIDR = netip.Prefix{}
		}
		vdoc, _ := json.Marshal(&v)
		sdoc, _ := json.Marshal(&s)
		if checkVPC(t, string(vdoc)) {
			hand++
		}
		if checkSubnet(t, string(sdoc)) {
			hand++
		}
		checkVPC(t, respaced(t, vdoc))
		checkSubnet(t, respaced(t, sdoc))
	}
	// json.Marshal writes invalid UTF-8 as U+FFFD and no surrogate escapes:
	// every document it writes parses by hand.
	if hand != 2*n {
		t.Errorf("only %d of %d documents parsed by hand", hand, 2*n)
	}
}

// TestOddDocuments: what json.Marshal never writes still decodes as
// encoding/json decodes it (or fails as it fails).
func TestOddDocuments(t *testing.T) {
	for _, doc := range []string{
		``, `{`, `null`, `[]`, `{}`, ` { } `, `{"id":"a"} x`, `{"id":"a",}`, `{"id":"a""owner":"b"}`,
		`{"id":1}`, `{"id":null}`, `{"ID":"a"}`, `{"id":"a","id":"b"}`, `{"unknown":1}`,
		`{"cidrs":null}`, `{"cidrs":[]}`, `{"cidrs":[{"cidr":""}]}`, `{"cidrs":[{"cidr":"10.0.0.0/33"}]}`,
		`{"cidrs":[{"cidr":"10.0.0.1/8","state":"x"}]}`, `{"cidrs":[null]}`, `{"cidrs":{}}`,
		`{"tags":null}`, `{"tags":[]}`, `{"tags":[{}]}`, `{"tags":[{"k":"a","v":"b","k":"c"}]}`, `{"tags":[{"x":1}]}`,
		`{"planningPools":01}`, `{"planningPools":-0}`, `{"planningPools":1.5}`, `{"planningPools":1e3}`,
		`{"planningPools":-}`, `{"planningPools":99999999999999999999}`, `{"planningPools":true}`,
		`{"dnsSupport":tru}`, `{"dnsSupport":truex}`, `{"dnsSupport":null}`, `{"dnsSupport":"true"}`,
		`{"id":"\u0041\n\t\\\/\"\b\f\r"}`, `{"id":"\ud83d\ude00"}`, `{"id":"\ud83d"}`, `{"id":"\u00"}`, `{"id":"\x"}`,
		`{"id":"a` + "\x01" + `"}`, `{"id":"` + "\xff" + `"}`, `{"i\u0064":"a"}`, `{"id":"a\`, `{"id":"a`,
		`{"ipv6":null}`, `{"ipv6":{}}`, `{"ipv6":{"cidr":"2001:db8::/64"},"ipv6":null}`, `{"attrs":{"lni":3}}`,
		`{"attrs":null}`, `{"attrs":{"lni":3},"attrs":{"rnA":true}}`, "{\"id\":\n\t\"a\"\r}",
	} {
		checkVPC(t, doc)
		checkSubnet(t, doc)
	}
}

func FuzzVPC(f *testing.F) {
	for _, v := range []*ipam.VPC{{}, {ID: "vpc-1", CIDRs: []ipam.VPCCIDR{{CIDR: netip.MustParsePrefix("10.0.0.0/16")}},
		Tags: []ipam.Tag{{Key: "a&b", Value: "é"}}, PlanningPools: 3}} {
		doc, _ := json.Marshal(v)
		f.Add(string(doc))
	}
	f.Fuzz(func(t *testing.T, doc string) { checkVPC(t, doc) })
}

func FuzzSubnet(f *testing.F) {
	for _, s := range []*ipam.Subnet{{}, {ID: "subnet-1", CIDR: netip.MustParsePrefix("10.0.0.0/24"),
		IPv6: &ipam.SubnetIPv6{CIDR: netip.MustParsePrefix("2001:db8::/64")}, Attrs: ipam.SubnetAttrs{EnableLniAtDeviceIndex: 1}}} {
		doc, _ := json.Marshal(s)
		f.Add(string(doc))
	}
	f.Fuzz(func(t *testing.T, doc string) { checkSubnet(t, doc) })
}

// BenchmarkDecode decodes 1,000 documents, VPCs and subnets shaped as the
// service makes them (SQLite's spelling), by hand and with encoding/json.
func BenchmarkDecode(b *testing.B) {
	vpc := &ipam.VPC{ID: "vpc-0123456789abcdef0", OwnerID: "000000000000", Region: "us-east-1", State: ipam.VPCAvailable,
		InstanceTenancy: "default", DhcpOptionsID: "dopt-0123456789abcdef0",
		CIDRs: []ipam.VPCCIDR{{AssociationID: "vpc-cidr-assoc-0123456789abcdef0", CIDR: netip.MustParsePrefix("10.0.2.0/23"),
			State: ipam.AssocAssociated, PoolID: "ipam-pool-0123456789abcdef0", AllocationID: "ipam-pool-alloc-0123456789abcdef0"}},
		NetworkAclID: "acl-0123456789abcdef0", RouteTableID: "rtb-0123456789abcdef0", RouteTableAssocID: "rtbassoc-0123456789abcdef0",
		SecurityGroupID: "sg-0123456789abcdef0", EnableDNSSupport: true, Tags: []ipam.Tag{{Key: "Name", Value: "vpc-1"}},
		BlockPublicAccessState: "off"}
	subnet := &ipam.Subnet{ID: "subnet-0123456789abcdef0", OwnerID: "000000000000", VpcID: "vpc-0123456789abcdef0",
		Region: "us-east-1", State: ipam.SubnetAvailable, AvailabilityZone: "us-east-1a", AvailabilityZoneID: "use1-az1",
		CIDR: netip.MustParsePrefix("10.0.2.16/28"), PoolID: "ipam-pool-0fedcba9876543210",
		AllocationID: "ipam-pool-alloc-0fedcba9876543210", Attrs: ipam.SubnetAttrs{HostnameType: "ip-name"},
		Tags: []ipam.Tag{{Key: "Name", Value: "subnet-1"}}}
	vdoc, _ := json.Marshal(vpc)
	sdoc, _ := json.Marshal(subnet)
	run := func(name string, fn func() error) {
		b.Run(name+"/docs=1000", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for range 1000 {
					if err := fn(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
	run("VPC/vpcdoc", func() error { return VPC(string(vdoc), new(ipam.VPC)) })
	run("VPC/encoding-json", func() error {
		v := new(ipam.VPC)
		err := json.Unmarshal(vdoc, v)
		ipam.ClearEmpty(v)
		return err
	})
	run("Subnet/vpcdoc", func() error { return Subnet(string(sdoc), new(ipam.Subnet)) })
	run("Subnet/encoding-json", func() error {
		s := new(ipam.Subnet)
		err := json.Unmarshal(sdoc, s)
		ipam.ClearEmpty(s)
		return err
	})
}
