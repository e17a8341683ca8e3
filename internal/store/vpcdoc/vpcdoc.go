// Package vpcdoc decodes the documents both stores keep for VPCs and
// subnets: the JSON that encoding/json writes for ipam.VPC and ipam.Subnet
// (SQLite returns it as written, PostgreSQL's jsonb respaced and with its
// keys reordered).
//
// encoding/json's reflection was half of the CPU a 1,000-item DescribeVpcs
// or DescribeSubnets page cost, so the documents are parsed by hand: any key
// order, whitespace, every escape but a \u surrogate. Anything else (an
// unknown or repeated key, a null where encoding/json never writes one, a
// surrogate escape, invalid UTF-8, a syntax error) is handed to
// encoding/json, whose answer, or error, is then the answer: the result is
// always exactly what json.Unmarshal gives (vpcdoc_test.go checks that on
// random and fuzzed documents, and that every field of the types is parsed
// by hand, so a field added to them without a case here fails the tests).
package vpcdoc

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ipamd/ipamd/internal/ipam"
)

// VPC decodes a VPC document into v, which must be the zero VPC, and
// clears its empty lists (ipam.ClearEmpty).
func VPC(doc string, v *ipam.VPC) error {
	if !parseVPC(doc, v) {
		*v = ipam.VPC{}
		if err := json.Unmarshal([]byte(doc), v); err != nil {
			return err
		}
	}
	ipam.ClearEmpty(v)
	return nil
}

// Subnet decodes a subnet document into s, which must be the zero Subnet,
// and clears its empty lists (ipam.ClearEmpty).
func Subnet(doc string, s *ipam.Subnet) error {
	if !parseSubnet(doc, s) {
		*s = ipam.Subnet{}
		if err := json.Unmarshal([]byte(doc), s); err != nil {
			return err
		}
	}
	ipam.ClearEmpty(s)
	return nil
}

// parseVPC is the hand-written parse; false means "ask encoding/json".
func parseVPC(doc string, v *ipam.VPC) bool {
	p := parser{s: doc}
	if !utf8.ValidString(doc) {
		return false
	}
	var seen uint32
	p.object(func(key string) bool {
		switch key {
		case "id":
			v.ID = p.str()
		case "owner":
			v.OwnerID = p.str()
		case "region":
			v.Region = p.str()
		case "state":
			v.State = p.str()
		case "tenancy":
			v.InstanceTenancy = p.str()
		case "dopt":
			v.DhcpOptionsID = p.str()
		case "cidrs":
			v.CIDRs = nil
			if p.null() {
				break
			}
			p.array(func() {
				var c ipam.VPCCIDR
				p.vpcCIDR(&c)
				v.CIDRs = append(v.CIDRs, c)
			})
		case "acl":
			v.NetworkAclID = p.str()
		case "rtb":
			v.RouteTableID = p.str()
		case "rtbAssoc":
			v.RouteTableAssocID = p.str()
		case "sg":
			v.SecurityGroupID = p.str()
		case "dnsSupport":
			v.EnableDNSSupport = p.bool()
		case "dnsHostnames":
			v.EnableDNSHostnames = p.bool()
		case "nauMetrics":
			v.EnableNAUMetrics = p.bool()
		case "tags":
			v.Tags = p.tags()
		case "planningPools":
			v.PlanningPools = p.int()
		case "bpa":
			v.BlockPublicAccessState = p.str()
		default:
			return false
		}
		return p.once(&seen, vpcKeys, key)
	})
	return p.end()
}

func (p *parser) vpcCIDR(c *ipam.VPCCIDR) {
	var seen uint32
	p.object(func(key string) bool {
		switch key {
		case "id":
			c.AssociationID = p.str()
		case "cidr":
			c.CIDR = p.prefix()
		case "state":
			c.State = p.str()
		case "pool":
			c.PoolID = p.str()
		case "alloc":
			c.AllocationID = p.str()
		case "nbg":
			c.NetworkBorderGroup = p.str()
		case "attr":
			c.AddressAttribute = p.str()
		case "src":
			c.IPSource = p.str()
		default:
			return false
		}
		return p.once(&seen, vpcCIDRKeys, key)
	})
}

// parseSubnet is the hand-written parse; false means "ask encoding/json".
func parseSubnet(doc string, s *ipam.Subnet) bool {
	p := parser{s: doc}
	if !utf8.ValidString(doc) {
		return false
	}
	var seen uint32
	p.object(func(key string) bool {
		switch key {
		case "id":
			s.ID = p.str()
		case "owner":
			s.OwnerID = p.str()
		case "vpc":
			s.VpcID = p.str()
		case "region":
			s.Region = p.str()
		case "state":
			s.State = p.str()
		case "az":
			s.AvailabilityZone = p.str()
		case "azId":
			s.AvailabilityZoneID = p.str()
		case "cidr":
			s.CIDR = p.prefix()
		case "pool":
			s.PoolID = p.str()
		case "alloc":
			s.AllocationID = p.str()
		case "ipv6":
			if p.null() {
				s.IPv6 = nil
				break
			}
			s.IPv6 = new(ipam.SubnetIPv6)
			p.subnetIPv6(s.IPv6)
		case "ipv6Native":
			s.Ipv6Native = p.bool()
		case "attrs":
			p.subnetAttrs(&s.Attrs)
		case "tags":
			s.Tags = p.tags()
		default:
			return false
		}
		return p.once(&seen, subnetKeys, key)
	})
	return p.end()
}

func (p *parser) subnetIPv6(x *ipam.SubnetIPv6) {
	var seen uint32
	p.object(func(key string) bool {
		switch key {
		case "id":
			x.AssociationID = p.str()
		case "cidr":
			x.CIDR = p.prefix()
		case "pool":
			x.PoolID = p.str()
		case "alloc":
			x.AllocationID = p.str()
		case "attr":
			x.AddressAttribute = p.str()
		case "src":
			x.IPSource = p.str()
		default:
			return false
		}
		return p.once(&seen, subnetIPv6Keys, key)
	})
}

func (p *parser) subnetAttrs(a *ipam.SubnetAttrs) {
	var seen uint32
	p.object(func(key string) bool {
		switch key {
		case "mapPublicIp":
			a.MapPublicIPOnLaunch = p.bool()
		case "assignIpv6":
			a.AssignIpv6OnCreation = p.bool()
		case "mapCoip":
			a.MapCustomerOwnedIPOnLaunch = p.bool()
		case "coipPool":
			a.CustomerOwnedIpv4Pool = p.str()
		case "dns64":
			a.EnableDNS64 = p.bool()
		case "hostnameType":
			a.HostnameType = p.str()
		case "rnA":
			a.EnableResourceNameDNSA = p.bool()
		case "rnAAAA":
			a.EnableResourceNameDNSAAAA = p.bool()
		case "lni":
			a.EnableLniAtDeviceIndex = p.int()
		default:
			return false
		}
		return p.once(&seen, subnetAttrsKeys, key)
	})
}

// The keys of each object, in an order that numbers them for once.
var (
	vpcKeys = []string{"id", "owner", "region", "state", "tenancy", "dopt", "cidrs", "acl", "rtb", "rtbAssoc", "sg",
		"dnsSupport", "dnsHostnames", "nauMetrics", "tags", "planningPools", "bpa"}
	vpcCIDRKeys     = []string{"id", "cidr", "state", "pool", "alloc", "nbg", "attr", "src"}
	subnetKeys      = []string{"id", "owner", "vpc", "region", "state", "az", "azId", "cidr", "pool", "alloc", "ipv6", "ipv6Native", "attrs", "tags"}
	subnetIPv6Keys  = []string{"id", "cidr", "pool", "alloc", "attr", "src"}
	subnetAttrsKeys = []string{"mapPublicIp", "assignIpv6", "mapCoip", "coipPool", "dns64", "hostnameType", "rnA", "rnAAAA", "lni"}
)

// parser reads one document. Its first failure sets bad, after which every
// method returns zero values and consumes nothing.
type parser struct {
	s   string
	i   int
	bad bool
}

// once records key in seen and reports whether it was the first time: a
// repeated key goes to encoding/json, whose merging of repeated objects
// is not worth copying.
func (p *parser) once(seen *uint32, keys []string, key string) bool {
	for n, k := range keys {
		if k == key {
			bit := uint32(1) << n
			if *seen&bit != 0 {
				return false
			}
			*seen |= bit
			return true
		}
	}
	return false
}

func (p *parser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// consume skips whitespace and c, reporting whether c was there.
func (p *parser) consume(c byte) bool {
	if p.bad {
		return false
	}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(c byte) {
	if !p.consume(c) {
		p.bad = true
	}
}

// end reports whether the whole document parsed.
func (p *parser) end() bool {
	p.ws()
	return !p.bad && p.i == len(p.s)
}

// object parses {"key": value, …}, calling field at each value; field
// parses the value and returns false for a key it does not take.
func (p *parser) object(field func(key string) bool) {
	p.expect('{')
	if p.bad || p.consume('}') {
		return
	}
	for !p.bad {
		key := p.str()
		p.expect(':')
		if p.bad {
			return
		}
		if !field(key) {
			p.bad = true
			return
		}
		if !p.consume(',') {
			p.expect('}')
			return
		}
	}
}

// array parses [value, …], calling elem at each value.
func (p *parser) array(elem func()) {
	p.expect('[')
	if p.bad || p.consume(']') {
		return
	}
	for !p.bad {
		elem()
		if !p.consume(',') {
			p.expect(']')
			return
		}
	}
}

// null consumes a null if one is next.
func (p *parser) null() bool {
	if p.bad {
		return false
	}
	p.ws()
	if len(p.s)-p.i >= 4 && p.s[p.i:p.i+4] == "null" {
		p.i += 4
		return true
	}
	return false
}

func (p *parser) tags() []ipam.Tag {
	if p.null() {
		return nil
	}
	tags := []ipam.Tag{} // encoding/json makes [] an empty, not nil, slice
	p.array(func() {
		var t ipam.Tag
		var seen uint32
		p.object(func(key string) bool {
			switch key {
			case "k":
				t.Key = p.str()
			case "v":
				t.Value = p.str()
			default:
				return false
			}
			return p.once(&seen, tagKeys, key)
		})
		tags = append(tags, t)
	})
	return tags
}

var tagKeys = []string{"k", "v"}

// str parses a string. Without escapes it is a substring of the document
// (no copy); with them, a new string.
func (p *parser) str() string {
	if !p.consume('"') {
		p.bad = true
		return ""
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return p.s[start : p.i-1]
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			p.bad = true
			return ""
		}
		p.i++
	}
	p.bad = true
	return ""
}

// escaped finishes a string that started at start and has an escape at p.i.
func (p *parser) escaped(start int) string {
	b := []byte(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b)
		case c < 0x20:
			p.bad = true
			return ""
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			if p.i+4 > len(p.s) {
				p.bad = true
				return ""
			}
			r, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 16)
			if err != nil || utf16.IsSurrogate(rune(r)) {
				p.bad = true // surrogates: encoding/json's pairing rules
				return ""
			}
			b = utf8.AppendRune(b, rune(r))
			p.i += 4
		default:
			p.bad = true
			return ""
		}
	}
	p.bad = true
	return ""
}

func (p *parser) bool() bool {
	if p.bad {
		return false
	}
	p.ws()
	switch {
	case len(p.s)-p.i >= 4 && p.s[p.i:p.i+4] == "true":
		p.i += 4
		return true
	case len(p.s)-p.i >= 5 && p.s[p.i:p.i+5] == "false":
		p.i += 5
		return false
	}
	p.bad = true
	return false
}

// int parses an integer as JSON writes it: an optional minus, then 0 or
// digits without a leading zero.
func (p *parser) int() int {
	if p.bad {
		return 0
	}
	p.ws()
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
	n, err := strconv.Atoi(p.s[start:p.i])
	if err != nil || p.i == digits || (p.s[digits] == '0' && p.i-digits > 1) {
		p.bad = true
		return 0
	}
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case '.', 'e', 'E':
			p.bad = true // not an int: encoding/json's error
			return 0
		}
	}
	return n
}

// prefix parses a netip.Prefix as its MarshalText writes it ("" for the
// zero Prefix).
func (p *parser) prefix() netip.Prefix {
	s := p.str()
	if p.bad || s == "" {
		return netip.Prefix{}
	}
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		p.bad = true
	}
	return pfx
}
