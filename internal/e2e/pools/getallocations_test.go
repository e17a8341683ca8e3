package pools

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/testserver"
)

// filterFixture is a parent pool holding a child pool's carve-out and three
// custom allocations with descriptions and tags.
type filterFixture struct {
	e                 *env
	pool, child       string
	carve, webA, webB string // allocation ids
	db                string
}

func newFilterFixture(t *testing.T) *filterFixture {
	e := newEnv(t)
	f := &filterFixture{e: e, pool: e.pool()}
	e.provision(f.pool, "10.0.0.0/16")
	f.child = e.pool(source(f.pool))
	e.provision(f.child, "10.0.0.0/20")
	alloc := func(cidr, desc string, tags ...string) string {
		in := &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(f.pool), Cidr: aws.String(cidr), Description: aws.String(desc)}
		if len(tags) > 0 {
			in.TagSpecifications = tagSpec(types.ResourceTypeIpamPoolAllocation, tags...)
		}
		out, err := e.c.AllocateIpamPoolCidr(ctx, in)
		must(t, err)
		return *out.IpamPoolAllocation.IpamPoolAllocationId
	}
	f.webA = alloc("10.0.16.0/24", "web-a", "team", "net")
	f.webB = alloc("10.0.17.0/24", "web-b", "team", "db", "env", "prod")
	f.db = alloc("10.0.18.0/28", "db")
	all := e.allocations(f.pool)
	if len(all) != 4 || all[0].ResourceType != types.IpamPoolAllocationResourceTypeIpamPool {
		t.Fatalf("fixture: %v", cidrsOf(all))
	}
	f.carve = *all[0].IpamPoolAllocationId
	return f
}

func TestGetIpamPoolAllocationsReportsEveryType(t *testing.T) {
	f := newFilterFixture(t)
	all := f.e.allocations(f.pool)
	wantStrings(t, "address order", cidrsOf(all), "10.0.0.0/20", "10.0.16.0/24", "10.0.17.0/24", "10.0.18.0/28")
	c := all[0]
	if aws.ToString(c.ResourceId) != f.child || aws.ToString(c.ResourceOwner) != account || c.Description != nil || c.ResourceRegion != nil {
		t.Fatalf("carve-out %+v", c)
	}
	w := all[2]
	if aws.ToString(w.Description) != "web-b" || w.ResourceType != types.IpamPoolAllocationResourceTypeCustom ||
		aws.ToString(w.ResourceOwner) != account || w.ResourceId != nil || fmt.Sprint(tagsOf(w.Tags)) != "map[env:prod team:db]" {
		t.Fatalf("custom %+v", w)
	}
}

func TestGetIpamPoolAllocationsByID(t *testing.T) {
	f := newFilterFixture(t)
	e := f.e
	get := func(pool, id string) ([]string, error) {
		out, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool), IpamPoolAllocationId: aws.String(id)})
		if err != nil {
			return nil, err
		}
		return idsOf(out.IpamPoolAllocations), nil
	}
	got, err := get(f.pool, f.webB)
	must(t, err)
	wantStrings(t, "by id", got, f.webB)
	got, err = get(f.pool, f.carve)
	must(t, err)
	wantStrings(t, "carve-out by id", got, f.carve)

	unknown := "ipam-pool-alloc-0123456789abcdef0123456789abcdef0"
	_, err = get(f.pool, unknown)
	if msg := wantErr(t, err, "InvalidIpamPoolAllocationId.NotFound"); msg != "The IPAM pool allocation ("+unknown+") does not exist." {
		t.Fatalf("message %q", msg)
	}
	// An allocation of another pool is not in this one.
	other := e.pool()
	e.provision(other, "192.168.0.0/16")
	_, err = get(other, f.webA)
	wantErr(t, err, "InvalidIpamPoolAllocationId.NotFound")
	_, err = get("ipam-pool-0123456789abcdef0", f.webA)
	if msg := wantErr(t, err, "InvalidIpamPoolId.NotFound"); msg != "The ipam-pool ID 'ipam-pool-0123456789abcdef0' does not exist" {
		t.Fatalf("message %q", msg)
	}
	// The id and the filters both apply.
	out, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(f.pool),
		IpamPoolAllocationId: aws.String(f.webA), Filters: []types.Filter{filter("description", "web-b")}})
	must(t, err)
	if len(out.IpamPoolAllocations) != 0 || out.IpamPoolAllocations == nil {
		t.Fatalf("id + mismatching filter: %v (want an empty, present list)", idsOf(out.IpamPoolAllocations))
	}
	// A released allocation is gone.
	_, err = e.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(f.pool),
		Cidr: aws.String("10.0.18.0/28"), IpamPoolAllocationId: aws.String(f.db)})
	must(t, err)
	_, err = get(f.pool, f.db)
	wantErr(t, err, "InvalidIpamPoolAllocationId.NotFound")
}

func TestGetIpamPoolAllocationsFilters(t *testing.T) {
	f := newFilterFixture(t)
	for _, tc := range []struct {
		name string
		f    []types.Filter
		want []string
	}{
		{"no filter", nil, []string{f.carve, f.webA, f.webB, f.db}},
		{"allocation id", []types.Filter{filter("ipam-pool-allocation-id", f.webA)}, []string{f.webA}},
		{"allocation ids OR", []types.Filter{filter("ipam-pool-allocation-id", f.db, f.carve)}, []string{f.carve, f.db}},
		{"allocation id wildcard", []types.Filter{filter("ipam-pool-allocation-id", "ipam-pool-alloc-*")}, []string{f.carve, f.webA, f.webB, f.db}},
		{"cidr literal", []types.Filter{filter("cidr", "10.0.17.0/24")}, []string{f.webB}},
		{"cidr 10.*", []types.Filter{filter("cidr", "10.*")}, []string{f.carve, f.webA, f.webB, f.db}},
		{"cidr *", []types.Filter{filter("cidr", "10.0.1*")}, []string{f.webA, f.webB, f.db}},
		{"cidr ?", []types.Filter{filter("cidr", "10.0.1?.0/24")}, []string{f.webA, f.webB}},
		{"cidr no match", []types.Filter{filter("cidr", "10.0.17.0/25")}, nil},
		{"cidr not a CIDR", []types.Filter{filter("cidr", "banana")}, nil},
		{"resource-id", []types.Filter{filter("resource-id", f.child)}, []string{f.carve}},
		{"resource-id wildcard", []types.Filter{filter("resource-id", "ipam-pool-*")}, []string{f.carve}},
		{"resource-type custom", []types.Filter{filter("resource-type", "custom")}, []string{f.webA, f.webB, f.db}},
		{"resource-type ipam-pool", []types.Filter{filter("resource-type", "ipam-pool")}, []string{f.carve}},
		{"resource-type OR", []types.Filter{filter("resource-type", "vpc", "ipam-pool")}, []string{f.carve}},
		{"resource-type ?", []types.Filter{filter("resource-type", "cust?m")}, []string{f.webA, f.webB, f.db}},
		{"resource-owner", []types.Filter{filter("resource-owner", account)}, []string{f.carve, f.webA, f.webB, f.db}},
		{"resource-owner other", []types.Filter{filter("resource-owner", "111111111111")}, nil},
		{"resource-region", []types.Filter{filter("resource-region", "us-east-1")}, nil},
		{"resource-region *", []types.Filter{filter("resource-region", "*")}, nil},
		{"description", []types.Filter{filter("description", "db")}, []string{f.db}},
		{"description wildcard", []types.Filter{filter("description", "web-*")}, []string{f.webA, f.webB}},
		{"description ?", []types.Filter{filter("description", "web-?")}, []string{f.webA, f.webB}},
		{"description OR", []types.Filter{filter("description", "web-a", "db")}, []string{f.webA, f.db}},
		{"tag:team", []types.Filter{filter("tag:team", "net")}, []string{f.webA}},
		{"tag:team *", []types.Filter{filter("tag:team", "*")}, []string{f.webA, f.webB}},
		{"tag:team OR", []types.Filter{filter("tag:team", "net", "db")}, []string{f.webA, f.webB}},
		{"tag:missing", []types.Filter{filter("tag:owner", "*")}, nil},
		{"tag-key", []types.Filter{filter("tag-key", "env")}, []string{f.webB}},
		{"tag-key wildcard", []types.Filter{filter("tag-key", "t*")}, []string{f.webA, f.webB}},
		{"AND", []types.Filter{filter("resource-type", "custom"), filter("description", "web-*"), filter("tag:team", "db")}, []string{f.webB}},
		{"same filter twice ANDs", []types.Filter{filter("resource-type", "custom"), filter("resource-type", "ipam-pool")}, nil},
		{"AND empty", []types.Filter{filter("resource-type", "ipam-pool"), filter("description", "web-*")}, nil},
		{"AND literal + wildcard", []types.Filter{filter("resource-type", "custom", "ipam-pool"), filter("cidr", "10.0.1?.0/24")}, []string{f.webA, f.webB}},
		{"§13.6 request", []types.Filter{filter("resource-type", "custom", "ipam-pool"), filter("cidr", "10.*")}, []string{f.carve, f.webA, f.webB, f.db}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(f.pool), Filters: tc.f})
			must(t, err)
			wantStrings(t, "ids", idsOf(out.IpamPoolAllocations), tc.want...)
			if out.NextToken != nil {
				t.Fatalf("token on a single page")
			}
		})
	}
	for _, bad := range []types.Filter{filter("ipam-pool-id", f.pool), filter("Cidr", "10.*"), filter("tag:", "x"), filter("owner-id", account)} {
		_, err := f.e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(f.pool), Filters: []types.Filter{bad}})
		wantContains(t, wantErr(t, err, "InvalidParameterValue"), *bad.Name)
	}
}

func TestGetIpamPoolAllocationsMaxResultsBounds(t *testing.T) {
	f := newFilterFixture(t)
	for _, n := range []int32{999, 100001, 5, 0, -1} {
		_, err := f.e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(f.pool), MaxResults: aws.Int32(n)})
		wantContains(t, wantErr(t, err, "InvalidParameterValue"), fmt.Sprint(n), "maxResults")
	}
	for _, n := range []int32{1000, 100000} {
		out, err := f.e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(f.pool), MaxResults: aws.Int32(n)})
		must(t, err)
		if len(out.IpamPoolAllocations) != 4 {
			t.Fatalf("MaxResults %d: %d allocations", n, len(out.IpamPoolAllocations))
		}
	}
}

func TestGetIpamPoolAllocationsDryRun(t *testing.T) {
	f := newFilterFixture(t)
	_, err := f.e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(f.pool), DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	// Validation comes before the DryRun answer.
	_, err = f.e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String("ipam-pool-0123456789abcdef0"), DryRun: aws.Bool(true)})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	_, err = f.e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(f.pool), DryRun: aws.Bool(true), MaxResults: aws.Int32(10)})
	wantErr(t, err, "InvalidParameterValue")
}

// fill allocates n /28s from pool and returns the allocation ids by CIDR.
// It is setup, not the subject of the test, so it calls the service the
// handler calls, skipping HTTP and SigV4 to keep the package fast; a few
// run at once, as concurrent clients would.
func fill(t *testing.T, e *env, pool string, n int) map[string]string {
	t.Helper()
	const workers = 4
	caller := ipam.Caller{AccountID: account, Region: "us-east-1"}
	var mu sync.Mutex
	byCidr := map[string]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				a, err := e.srv.Service.AllocateIpamPoolCidr(ctx, caller, ipam.AllocateIpamPoolCidrInput{PoolID: pool, NetmaskLength: aws.Int(28)})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				byCidr[a.CIDR.String()] = a.ID
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("fill: %v", err)
	}
	if len(byCidr) != n {
		t.Fatalf("fill: %d distinct CIDRs, want %d", len(byCidr), n)
	}
	return byCidr
}

// nthBlock is the i-th /28 of 10.0.0.0/16.
func nthBlock(i int) string {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(i * 16 >> 8), byte(i * 16)}), 28).String()
}

func TestGetIpamPoolAllocationsPaging3000(t *testing.T) {
	e := newEnv(t)
	pool := e.pool()
	e.provision(pool, "10.0.0.0/16")
	const n = 3000
	byCidr := fill(t, e, pool, n)
	// Concurrent first-fit packs the /28s from the bottom, in address order.
	var want []string
	for i := range n {
		c := nthBlock(i)
		if byCidr[c] == "" {
			t.Fatalf("block %d (%s) not allocated", i, c)
		}
		want = append(want, byCidr[c])
	}

	for _, tc := range []struct {
		max   int32
		sizes string
	}{
		{1000, "[1000 1000 1000]"},
		{1001, "[1001 1001 998]"},
		{2999, "[2999 1]"},
		{3000, "[3000]"},
		{100000, "[3000]"},
	} {
		t.Run(fmt.Sprint(tc.max), func(t *testing.T) {
			var got, sizes []string
			tokens := map[string]bool{}
			var token *string
			for {
				out, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool),
					MaxResults: aws.Int32(tc.max), NextToken: token})
				must(t, err)
				sizes = append(sizes, fmt.Sprint(len(out.IpamPoolAllocations)))
				got = append(got, idsOf(out.IpamPoolAllocations)...)
				if out.NextToken == nil {
					break
				}
				if *out.NextToken == "" || tokens[*out.NextToken] {
					t.Fatalf("token %q empty or repeated", *out.NextToken)
				}
				tokens[*out.NextToken] = true
				token = out.NextToken
			}
			if s := "[" + strings.Join(sizes, " ") + "]"; s != tc.sizes {
				t.Fatalf("page sizes %s, want %s", s, tc.sizes)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("paged %d ids, not every allocation once in address order", len(got))
			}
		})
	}

	t.Run("paginator", func(t *testing.T) {
		p := ec2.NewGetIpamPoolAllocationsPaginator(e.c, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool)},
			func(o *ec2.GetIpamPoolAllocationsPaginatorOptions) { o.Limit = 1000; o.StopOnDuplicateToken = true })
		var got []string
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			must(t, err)
			pages++
			got = append(got, idsOf(out.IpamPoolAllocations)...)
		}
		if pages != 3 || !slices.Equal(got, want) {
			t.Fatalf("%d pages, %d ids", pages, len(got))
		}
	})

	t.Run("filtered paging", func(t *testing.T) {
		// Every other /28 of the first 256 (x.x.x.0 and x.x.x.32 ... style
		// addresses ending in 0/28 in the third octet's even blocks).
		p := ec2.NewGetIpamPoolAllocationsPaginator(e.c, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool),
			MaxResults: aws.Int32(1000), Filters: []types.Filter{filter("cidr", "10.0.*.0/28", "10.0.*.128/28")}})
		var got []string
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			must(t, err)
			got = append(got, idsOf(out.IpamPoolAllocations)...)
		}
		var wantF []string
		for i := range n {
			if i%8 == 0 {
				wantF = append(wantF, want[i])
			}
		}
		if !slices.Equal(got, wantF) {
			t.Fatalf("filtered: %d ids, want %d", len(got), len(wantF))
		}
	})

	t.Run("concurrent writes between pages", func(t *testing.T) {
		first, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool), MaxResults: aws.Int32(1000)})
		must(t, err)
		seen := map[string]bool{}
		for _, id := range idsOf(first.IpamPoolAllocations) {
			seen[id] = true
		}
		// Release one allocation already returned and one not yet returned,
		// then allocate twice: the lowest hole (already paged past) and the
		// next one (ahead), plus one beyond everything.
		release := func(i int) {
			_, err := e.c.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(pool),
				Cidr: aws.String(nthBlock(i)), IpamPoolAllocationId: aws.String(want[i])})
			must(t, err)
		}
		release(10)
		release(1500)
		behind := e.alloc(pool, 28)
		ahead := e.alloc(pool, 28)
		beyond := e.allocCidr(pool, "10.0.255.0/24")
		if *behind.Cidr != nthBlock(10) || *ahead.Cidr != nthBlock(1500) {
			t.Fatalf("refilled %s and %s", *behind.Cidr, *ahead.Cidr)
		}
		var rest []string
		token := first.NextToken
		for token != nil {
			out, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool), MaxResults: aws.Int32(1000), NextToken: token})
			must(t, err)
			rest = append(rest, idsOf(out.IpamPoolAllocations)...)
			token = out.NextToken
		}
		for _, id := range rest {
			if seen[id] {
				t.Fatalf("%s returned twice", id)
			}
			seen[id] = true
		}
		for i, id := range want {
			if i != 10 && i != 1500 && !seen[id] {
				t.Fatalf("untouched allocation %d (%s) never returned", i, nthBlock(i))
			}
		}
		if seen[want[1500]] {
			t.Fatal("allocation released before its page was read was returned")
		}
		if !seen[*ahead.IpamPoolAllocationId] || !seen[*beyond.IpamPoolAllocationId] {
			t.Fatal("allocations made ahead of the position were not returned")
		}
		if seen[*behind.IpamPoolAllocationId] {
			t.Fatal("allocation made behind the position was returned")
		}
	})
}

func TestGetIpamPoolAllocationsBadTokens(t *testing.T) {
	e := newEnv(t)
	pool := e.pool()
	e.provision(pool, "10.0.0.0/16")
	fill(t, e, pool, 1001)
	other := e.pool()
	e.provision(other, "10.1.0.0/16")
	first, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool)})
	must(t, err)
	if len(first.IpamPoolAllocations) != 1000 || first.NextToken == nil {
		t.Fatalf("default page: %d, token %v", len(first.IpamPoolAllocations), first.NextToken)
	}
	tok := *first.NextToken
	// The real token works (twice: it is a position, not a cursor object).
	for range 2 {
		out, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool), NextToken: aws.String(tok)})
		must(t, err)
		if len(out.IpamPoolAllocations) != 1 || out.NextToken != nil {
			t.Fatalf("second page %d, token %v", len(out.IpamPoolAllocations), out.NextToken)
		}
	}
	body, mac, _ := strings.Cut(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	forgedBody := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), "0a00", "0a01", 1)))
	flip := []byte(tok)
	flip[len(flip)-2] ^= 1
	for name, bad := range map[string]string{
		"garbage":                        "garbage",
		"eyJvZmZzZXQiOjJ9 (AWS example)": "eyJvZmZzZXQiOjJ9",
		"flipped mac":                    string(flip),
		"forged body":                    forgedBody + "." + mac,
		"truncated":                      tok[:len(tok)-4],
		"no mac":                         body,
		"with spaces":                    " " + tok,
	} {
		_, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool), NextToken: aws.String(bad)})
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		wantErr(t, err, "InvalidPaginationToken")
	}
	// A genuine token is bound to its pool and operation.
	_, err = e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(other), NextToken: aws.String(tok)})
	wantErr(t, err, "InvalidPaginationToken")
	_, err = e.c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{NextToken: aws.String(tok)})
	wantErr(t, err, "InvalidPaginationToken")
	_, err = e.c.GetIpamPoolCidrs(ctx, &ec2.GetIpamPoolCidrsInput{IpamPoolId: aws.String(pool), NextToken: aws.String(tok)})
	wantErr(t, err, "InvalidPaginationToken")
	// DescribeIpamPoolAllocations pages too, with its own tokens.
	d, err := e.c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{})
	must(t, err)
	if len(d.IpamPoolAllocations) != 1000 || d.NextToken == nil {
		t.Fatalf("describe page %d token %v", len(d.IpamPoolAllocations), d.NextToken)
	}
	_, err = e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool), NextToken: d.NextToken})
	wantErr(t, err, "InvalidPaginationToken")
	d2, err := e.c.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{NextToken: d.NextToken})
	must(t, err)
	if len(d2.IpamPoolAllocations) != 1 || d2.NextToken != nil {
		t.Fatalf("describe page 2: %d token %v", len(d2.IpamPoolAllocations), d2.NextToken)
	}
}

// Another account sees none of it: pools, allocations, tags, tokens.
func TestOtherAccountSeesNothing(t *testing.T) {
	creds := sigv4.DevCredentials()
	creds["other"] = sigv4.Account{AccessKey: "other", SecretKey: "other-secret", AccountID: "111111111111", Name: "other"}
	e := newEnvOpts(t, testserver.Options{Creds: creds})
	pool := e.pool()
	e.provision(pool, "10.0.0.0/16")
	fill(t, e, pool, 1001)
	a := e.alloc(pool, 24)
	first, err := e.c.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool)})
	must(t, err)

	o := client(e.srv, "other", "other-secret")
	_, err = o.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool)})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	_, err = o.GetIpamPoolAllocations(ctx, &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String(pool), NextToken: first.NextToken})
	wantErr(t, err, "InvalidPaginationToken")
	d, err := o.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{})
	must(t, err)
	if len(d.IpamPoolAllocations) != 0 {
		t.Fatalf("other account sees %d allocations", len(d.IpamPoolAllocations))
	}
	_, err = o.DescribeIpamPoolAllocations(ctx, &ec2.DescribeIpamPoolAllocationsInput{IpamPoolAllocationIds: []string{*a.IpamPoolAllocationId}})
	wantErr(t, err, "InvalidIpamPoolAllocationId.NotFound")
	_, err = o.ModifyIpamPoolAllocation(ctx, &ec2.ModifyIpamPoolAllocationInput{IpamPoolAllocationId: a.IpamPoolAllocationId, Description: aws.String("mine")})
	wantErr(t, err, "InvalidIpamPoolAllocationId.NotFound")
	_, err = o.ReleaseIpamPoolAllocation(ctx, &ec2.ReleaseIpamPoolAllocationInput{IpamPoolId: aws.String(pool), Cidr: a.Cidr, IpamPoolAllocationId: a.IpamPoolAllocationId})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	_, err = o.AllocateIpamPoolCidr(ctx, &ec2.AllocateIpamPoolCidrInput{IpamPoolId: aws.String(pool), NetmaskLength: aws.Int32(24)})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	_, err = o.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{*a.IpamPoolAllocationId}, Tags: []types.Tag{tag("a", "b")}})
	wantErr(t, err, "InvalidIpamPoolAllocationId.NotFound")
	_, err = o.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{pool}, Tags: []types.Tag{tag("a", "b")}})
	wantErr(t, err, "InvalidIpamPoolId.NotFound")
	pools, err := o.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{})
	must(t, err)
	if len(pools.IpamPools) != 0 {
		t.Fatalf("other account sees %d pools", len(pools.IpamPools))
	}
	// And the owner's view is untouched.
	if got := e.allocations(pool); len(got) != 1002 || got[1001].Description != nil || len(got[1001].Tags) != 0 {
		t.Fatalf("owner sees %d allocations", len(got))
	}
}
