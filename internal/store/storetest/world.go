package storetest

import (
	"fmt"
	"net/netip"

	"github.com/ipamd/ipamd/internal/ipam"
)

// World is the data set the stores' VPC benchmarks share: WorldVPCs VPCs of
// WorldOwner with WorldSubnets subnets in all. BigVPC (the first VPC) has
// BigVPCSubnets /30 subnets in 10.0.0.0/16; every other VPC has nine /24s
// of its 10.0.0.0/16. Ids are hashed, as AWS's look random: id order is
// neither insertion nor VPC order.
type World struct {
	VPCs    []*ipam.VPC
	Subnets []*ipam.Subnet
}

const (
	WorldOwner    = "111111111111"
	WorldVPCs     = 10_000
	WorldSubnets  = 100_000
	BigVPCSubnets = WorldSubnets - 9*(WorldVPCs-1)
)

// mix is a bijection of uint64 that scatters consecutive numbers.
func mix(i uint64) uint64 {
	i ^= i >> 31
	i *= 0x9e3779b97f4a7c15
	return i ^ i>>29
}

// NewWorld builds the World's VPCs and subnets, with every field set as
// the service sets it.
func NewWorld() *World {
	w := &World{}
	for i := range WorldVPCs {
		v := fullVPC(WorldOwner, fmt.Sprintf("vpc-%017x", mix(uint64(i))), 0)
		v.CIDRs = v.CIDRs[:2]
		w.VPCs = append(w.VPCs, v)
		n := 9
		if i == 0 {
			n = BigVPCSubnets
		}
		for j := range n {
			id := fmt.Sprintf("subnet-%017x", mix(uint64(len(w.Subnets)+1<<32)))
			var s *ipam.Subnet
			if i == 0 {
				s = fullSubnet(v, id, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(j >> 6), byte(j << 2)}), 30).String(), "")
			} else {
				s = fullSubnet(v, id, fmt.Sprintf("10.0.%d.0/24", j), fmt.Sprintf("2001:db8:0:%x::/64", j))
			}
			w.Subnets = append(w.Subnets, s)
		}
	}
	return w
}
