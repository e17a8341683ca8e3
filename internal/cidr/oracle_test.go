package cidr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// oracle is a deliberately simple allocator over a small universe of 4096
// addresses (an IPv4 /20 or an IPv6 /116): one bool per address, every
// search by enumeration. It shares no code with Set beyond net/netip.
type oracle struct {
	base   netip.Prefix
	width  int
	pools  []netip.Prefix
	used   [universe]bool // allocated (meaningful only inside a pool)
	pooled [universe]bool // inside some pool
}

const universe = 4096

func newOracle(base netip.Prefix) *oracle {
	return &oracle{base: base, width: base.Addr().BitLen()}
}

func (o *oracle) addr(off int) netip.Addr {
	if o.width == 32 {
		b := o.base.Addr().As4()
		v := binary.BigEndian.Uint32(b[:]) + uint32(off)
		binary.BigEndian.PutUint32(b[:], v)
		return netip.AddrFrom4(b)
	}
	b := o.base.Addr().As16()
	v := binary.BigEndian.Uint16(b[14:]) + uint16(off)
	binary.BigEndian.PutUint16(b[14:], v)
	return netip.AddrFrom16(b)
}

// span returns the offsets of p within the universe; ok false if p is not
// entirely inside it.
func (o *oracle) span(p netip.Prefix) (lo, hi int, ok bool) {
	if p.Bits() < o.base.Bits() || !o.base.Contains(p.Addr()) {
		return 0, 0, false
	}
	size := 1 << (o.width - p.Bits())
	b, a := o.base.Addr().As16(), p.Addr().As16()
	off := int(binary.BigEndian.Uint16(a[14:]) - binary.BigEndian.Uint16(b[14:]))
	return off, off + size - 1, true
}

func (o *oracle) check(p netip.Prefix) error {
	if !p.IsValid() || p != p.Masked() {
		return ErrNotCanonical
	}
	if len(o.pools) > 0 && p.Addr().BitLen() != o.width {
		return ErrFamily
	}
	return nil
}

func (o *oracle) poolContaining(p netip.Prefix) int {
	for i, q := range o.pools {
		if q.Bits() <= p.Bits() && q.Contains(p.Addr()) && p.Addr().BitLen() == o.width {
			return i
		}
	}
	return -1
}

func (o *oracle) inPool(off int) bool { return o.pooled[off] }

func (o *oracle) remap() {
	o.pooled = [universe]bool{}
	for _, q := range o.pools {
		lo, hi, _ := o.span(q)
		for x := lo; x <= hi; x++ {
			o.pooled[x] = true
		}
	}
}

func (o *oracle) AddPool(p netip.Prefix) error {
	if err := o.check(p); err != nil {
		return err
	}
	for _, q := range o.pools {
		if q.Overlaps(p) {
			return ErrPoolOverlap
		}
	}
	o.pools = append(o.pools, p)
	slices.SortFunc(o.pools, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	o.remap()
	return nil
}

func (o *oracle) RemovePool(p netip.Prefix) error {
	if err := o.check(p); err != nil {
		return err
	}
	i := slices.Index(o.pools, p)
	if i < 0 {
		return ErrNotInPool
	}
	lo, hi, _ := o.span(p)
	for off := lo; off <= hi; off++ {
		if o.used[off] {
			return ErrInUse
		}
	}
	o.pools = slices.Delete(o.pools, i, i+1)
	o.remap()
	return nil
}

func (o *oracle) Reserve(p netip.Prefix) (error, netip.Addr, netip.Prefix) {
	if err := o.check(p); err != nil {
		return err, netip.Addr{}, netip.Prefix{}
	}
	if len(o.pools) == 0 || o.poolContaining(p) < 0 {
		return ErrNotInPool, netip.Addr{}, netip.Prefix{}
	}
	lo, hi, _ := o.span(p)
	for off := lo; off <= hi; off++ {
		if o.used[off] {
			// Largest aligned fully-used block at off inside p.
			bits := o.width
			for k := 1; off%(1<<k) == 0 && off+(1<<k)-1 <= hi; k++ {
				all := true
				for x := off; x < off+(1<<k); x++ {
					all = all && o.used[x]
				}
				if !all {
					break
				}
				bits = o.width - k
			}
			return ErrOverlap, o.addr(off), netip.PrefixFrom(o.addr(off), bits)
		}
	}
	for off := lo; off <= hi; off++ {
		o.used[off] = true
	}
	return nil, netip.Addr{}, netip.Prefix{}
}

func (o *oracle) Release(p netip.Prefix) error {
	if err := o.check(p); err != nil {
		return err
	}
	if len(o.pools) == 0 || o.poolContaining(p) < 0 {
		return ErrNotInPool
	}
	lo, hi, _ := o.span(p)
	for off := lo; off <= hi; off++ {
		if !o.used[off] {
			return ErrNotAllocated
		}
	}
	for off := lo; off <= hi; off++ {
		o.used[off] = false
	}
	return nil
}

func (o *oracle) find(bits int, c *Constraints) (netip.Prefix, error) {
	w := 128
	if len(o.pools) > 0 {
		w = o.width
	}
	if bits < 0 || bits > w {
		return netip.Prefix{}, ErrFamily
	}
	if c != nil {
		for _, p := range slices.Concat(c.Allowed, c.Disallowed) {
			if err := o.check(p); err != nil {
				return netip.Prefix{}, err
			}
		}
	}
	if len(o.pools) == 0 || o.width-bits > 12 {
		return netip.Prefix{}, ErrNoSpace
	}
	size := 1 << (o.width - bits)
next:
	for off := 0; off < universe; off += size {
		b := netip.PrefixFrom(o.addr(off), bits)
		if o.poolContaining(b) < 0 {
			continue
		}
		for x := off; x < off+size; x++ {
			if o.used[x] {
				continue next
			}
		}
		if c != nil {
			if len(c.Allowed) > 0 {
				in := false
				for _, a := range c.Allowed {
					in = in || (a.Bits() <= bits && a.Contains(b.Addr()))
				}
				if !in {
					continue
				}
			}
			for _, d := range c.Disallowed {
				if d.Overlaps(b) {
					continue next
				}
			}
		}
		return b, nil
	}
	return netip.Prefix{}, ErrNoSpace
}

func (o *oracle) Allocate(bits int, c *Constraints) (netip.Prefix, error) {
	b, err := o.find(bits, c)
	if err == nil {
		lo, hi, _ := o.span(b)
		for x := lo; x <= hi; x++ {
			o.used[x] = true
		}
	}
	return b, err
}

func (o *oracle) IsFree(p netip.Prefix) bool {
	lo, hi, ok := o.span(p.Masked())
	if !ok || len(o.pools) == 0 || p.Addr().BitLen() != o.width {
		return false
	}
	for x := lo; x <= hi; x++ {
		if o.used[x] || !o.inPool(x) {
			return false
		}
	}
	return true
}

func (o *oracle) Contains(p netip.Prefix) bool {
	return len(o.pools) > 0 && o.poolContaining(p.Masked()) >= 0
}

func (o *oracle) Overlaps(p netip.Prefix) bool {
	for _, q := range o.pools {
		if q.Overlaps(p.Masked()) {
			return true
		}
	}
	return false
}

func (o *oracle) counts() (total, free int) {
	for off := 0; off < universe; off++ {
		if o.inPool(off) {
			total++
			if !o.used[off] {
				free++
			}
		}
	}
	return
}

func (o *oracle) LargestFree() (int, bool) {
	best := -1
	for _, q := range o.pools {
		lo, hi, _ := o.span(q)
		for k := 1; k <= hi-lo+1; k *= 2 {
			// any aligned free block of size k (k a power of two)?
			for off := lo; off+k-1 <= hi; off += k {
				all := true
				for x := off; x < off+k && all; x++ {
					all = !o.used[x]
				}
				if all {
					if k > best {
						best = k
					}
					break
				}
			}
		}
	}
	if best < 0 {
		return 0, false
	}
	bits := o.width
	for (1 << (o.width - bits)) < best {
		bits--
	}
	return bits, true
}

// randPrefix returns a random prefix mostly inside the universe; bias picks
// lengths; canonical false allows host bits.
func (o *oracle) randPrefix(r *rand.Rand, minLen, maxLen int, canonical bool) netip.Prefix {
	bits := minLen + r.IntN(maxLen-minLen+1)
	a := o.addr(r.IntN(universe))
	if r.IntN(20) == 0 { // outside the universe
		b := a.As16()
		if o.width == 32 {
			b4 := a.As4()
			b4[0] ^= 0x40
			a = netip.AddrFrom4(b4)
		} else {
			b[3] ^= 0x40
			a = netip.AddrFrom16(b)
		}
	}
	p := netip.PrefixFrom(a, bits)
	if canonical || r.IntN(10) != 0 {
		p = p.Masked()
	}
	return p
}

func (o *oracle) randConstraints(r *rand.Rand) *Constraints {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return &Constraints{}
	}
	c := &Constraints{}
	for range r.IntN(4) {
		c.Allowed = append(c.Allowed, o.randPrefix(r, o.width-14, o.width-2, true))
	}
	for range r.IntN(5) {
		c.Disallowed = append(c.Disallowed, o.randPrefix(r, o.width-14, o.width, true))
	}
	return c
}

func sameErr(got, want error) bool {
	if want == nil || got == nil {
		return got == nil && want == nil
	}
	return errors.Is(got, want)
}

func runOracle(t *testing.T, base netip.Prefix, seed uint64, steps int) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e37))
	o := newOracle(base)
	s := New()
	w := o.width
	other := netip.MustParsePrefix("10.1.0.0/24")
	if w == 32 {
		other = netip.MustParsePrefix("fd00::/120")
	}
	var taken []netip.Prefix
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d: %s\npools %v\nfree %v", seed, fmt.Sprintf(format, args...), s.Pools(), freeBlocks(s))
	}
	randBits := func() int {
		if r.IntN(30) == 0 {
			return r.IntN(w+3) - 1 // sometimes out of range
		}
		return w - r.IntN(9)
	}
	for step := range steps {
		switch op := r.IntN(100); {
		case op < 6: // add pool
			p := o.randPrefix(r, w-12, w-3, false)
			if r.IntN(15) == 0 || !base.Contains(p.Addr()) {
				p = base
			}
			got, want := s.AddPool(p), o.AddPool(p)
			if !sameErr(got, want) {
				fail("step %d AddPool(%s) = %v, want %v", step, p, got, want)
			}
		case op < 9: // remove pool
			var p netip.Prefix
			if len(o.pools) > 0 && r.IntN(4) != 0 {
				p = o.pools[r.IntN(len(o.pools))]
			} else {
				p = o.randPrefix(r, w-12, w-3, false)
			}
			got, want := s.RemovePool(p), o.RemovePool(p)
			if !sameErr(got, want) {
				fail("step %d RemovePool(%s) = %v, want %v", step, p, got, want)
			}
		case op < 45, op < 55: // allocate / preview
			bits := randBits()
			c := o.randConstraints(r)
			if r.IntN(40) == 0 {
				c = &Constraints{Allowed: []netip.Prefix{other}}
			}
			var got, want netip.Prefix
			var gerr, werr error
			if op < 45 {
				got, gerr = s.Allocate(bits, c)
				want, werr = o.Allocate(bits, c)
				if gerr == nil {
					taken = append(taken, got)
				}
			} else {
				got, gerr = s.Preview(bits, c)
				want, werr = o.find(bits, c)
			}
			if got != want || !sameErr(gerr, werr) {
				fail("step %d op %d /%d %+v = %v %v, want %v %v", step, op, bits, c, got, gerr, want, werr)
			}
		case op < 65: // reserve
			p := o.randPrefix(r, w-10, w, false)
			if r.IntN(30) == 0 {
				p = other
			}
			gerr := s.Reserve(p)
			werr, waddr, wpfx := o.Reserve(p)
			if !sameErr(gerr, werr) {
				fail("step %d Reserve(%s) = %v, want %v", step, p, gerr, werr)
			}
			var oe *OverlapError
			if errors.As(gerr, &oe) && (oe.Addr != waddr || oe.Prefix != wpfx || oe.Requested != p) {
				fail("step %d Reserve(%s) conflict %v/%v, want %v/%v", step, p, oe.Addr, oe.Prefix, waddr, wpfx)
			}
			if gerr == nil {
				taken = append(taken, p)
			}
		case op < 85: // release
			var p netip.Prefix
			switch {
			case len(taken) > 0 && r.IntN(5) != 0:
				i := r.IntN(len(taken))
				p = taken[i]
				if r.IntN(4) == 0 && p.Bits() < w {
					// release a random half or smaller piece
					sub := p.Bits() + 1 + r.IntN(w-p.Bits())
					lo, _, _ := o.span(p)
					off := lo + r.IntN(1<<(w-p.Bits()))
					p = netip.PrefixFrom(o.addr(off), sub).Masked()
				} else {
					taken = slices.Delete(taken, i, i+1)
				}
			default:
				p = o.randPrefix(r, w-10, w, false)
			}
			got, want := s.Release(p), o.Release(p)
			if !sameErr(got, want) {
				fail("step %d Release(%s) = %v, want %v", step, p, got, want)
			}
		default: // queries
			p := o.randPrefix(r, w-13, w, false)
			if r.IntN(20) == 0 {
				p = other
			}
			if g, w := s.IsFree(p), o.IsFree(p); g != w {
				fail("step %d IsFree(%s) = %v", step, p, g)
			}
			if g, w := s.Contains(p), o.Contains(p); g != w {
				fail("step %d Contains(%s) = %v", step, p, g)
			}
			if g, w := s.Overlaps(p), o.Overlaps(p); g != w {
				fail("step %d Overlaps(%s) = %v", step, p, g)
			}
			gb, gok := s.LargestFree()
			wb, wok := o.LargestFree()
			if gb != wb || gok != wok {
				fail("step %d LargestFree = %d %v, want %d %v", step, gb, gok, wb, wok)
			}
		}
		total, free := o.counts()
		if s.Total().Big().Cmp(big.NewInt(int64(total))) != 0 ||
			s.Free().Big().Cmp(big.NewInt(int64(free))) != 0 ||
			s.Allocated().Big().Cmp(big.NewInt(int64(total-free))) != 0 {
			fail("step %d counts total %s free %s alloc %s, want %d %d", step, s.Total(), s.Free(), s.Allocated(), total, free)
		}
		if !slices.Equal(s.Pools(), o.pools) && !(len(o.pools) == 0 && len(s.Pools()) == 0) {
			fail("step %d pools %v, want %v", step, s.Pools(), o.pools)
		}
		if step%7 == 0 {
			checkInvariants(t, s)
		}
	}
	checkInvariants(t, s)
}

func TestOracleIPv4(t *testing.T) {
	t.Parallel()
	for seed := range oracleSeeds() {
		runOracle(t, netip.MustParsePrefix("172.16.0.0/20"), seed, 2500)
	}
}

func TestOracleIPv6(t *testing.T) {
	t.Parallel()
	for seed := range oracleSeeds() {
		runOracle(t, netip.MustParsePrefix("2001:db8:1:2:3:4:5:6000/116"), 1000+seed, 2500)
	}
}

func oracleSeeds() uint64 {
	if testing.Short() {
		return 6
	}
	return 24
}
