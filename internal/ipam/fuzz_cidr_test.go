package ipam

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// FuzzParseCIDR checks the service's CIDR validation against the standard
// library's older parser as an independent oracle: whatever parseCIDR
// accepts is a canonical network that net.ParseCIDR reads the same way and
// that round-trips through its own String form; a pure IPv4 CIDR spelled
// exactly as net.ParseCIDR prints the network it reads is accepted; every refusal is an
// InvalidParameterValue whose message stays short whatever the input.
func FuzzParseCIDR(f *testing.F) {
	for _, s := range []string{
		"10.0.0.0/16", "10.0.0.1/16", "0.0.0.0/0", "255.255.255.255/32", "10.0.0.0/33", "10.0.0.0",
		"2001:db8::/32", "2001:DB8::/32", "2001:db8::1/32", "::/0", "fd00::/8", "::ffff:10.0.0.0/104",
		"fe80::%eth0/64", "010.0.0.0/8", "10.0.0.0/08", "10.0.0.0/-1", " 10.0.0.0/8", "10.0.0.0/8 ",
		"1.2.3.4/32/32", "::ffff:1.2.3.4/128", "1:2:3:4:5:6:7:8/128", "1::/129", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseCIDR(s, "Cidr")
		if err != nil {
			var de *Error
			if !errors.As(err, &de) || de.Code != CodeInvalidParameterValue {
				t.Fatalf("parseCIDR(%q): %v is not an InvalidParameterValue", s, err)
			}
			if !strings.Contains(de.Message, "Cidr") {
				t.Fatalf("parseCIDR(%q): message %q does not name the parameter", s, de.Message)
			}
			if len(de.Message) > 400 {
				t.Fatalf("parseCIDR(%q): message of %d bytes echoes the input unbounded", s, len(de.Message))
			}
			if !strings.Contains(s, ":") {
				if ip, n, nerr := net.ParseCIDR(s); nerr == nil && ip.Equal(n.IP) && ip.To4() != nil && n.String() == s {
					t.Fatalf("parseCIDR(%q) refused a canonical IPv4 CIDR that net.ParseCIDR accepts: %v", s, err)
				}
			}
			return
		}
		if !p.IsValid() || p.Masked() != p || p.Addr().Zone() != "" || p.Addr().Is4In6() {
			t.Fatalf("parseCIDR(%q) = %v: not a canonical network", s, p)
		}
		again, err := parseCIDR(p.String(), "Cidr")
		if err != nil || again != p {
			t.Fatalf("parseCIDR(%q) = %v, which does not round-trip: %v %v", s, p, again, err)
		}
		if p.Addr().Is4() && p.String() != s {
			t.Fatalf("parseCIDR(%q) accepted a non-canonical IPv4 spelling (%v)", s, p)
		}
		ip, n, nerr := net.ParseCIDR(s)
		if nerr != nil {
			t.Fatalf("parseCIDR(%q) = %v but net.ParseCIDR refuses it: %v", s, p, nerr)
		}
		ones, bits := n.Mask.Size()
		addr, _ := netip.AddrFromSlice(n.IP)
		if !ip.Equal(n.IP) || ones != p.Bits() || bits != p.Addr().BitLen() || addr.Unmap() != p.Addr() {
			t.Fatalf("parseCIDR(%q) = %v; net.ParseCIDR says %v %v", s, p, ip, n)
		}
	})
}
