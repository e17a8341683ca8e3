package metrics

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// poolsWorld is a Service on SQLite with n pools, each with a provisioned
// /16 and three /24 allocations, all loaded into memory by LoadPoolSpaces.
func poolsWorld(tb testing.TB, n int) (*ipam.Service, time.Duration) {
	tb.Helper()
	st, err := sqlite.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	svc := ipam.NewService(st, ipam.Config{})
	ctx := context.Background()
	c := ipam.Caller{AccountID: "000000000000", Region: "us-east-1"}
	i, err := svc.CreateIpam(ctx, c, ipam.CreateIpamInput{})
	if err != nil {
		tb.Fatal(err)
	}
	// The pools go straight into the store, in one transaction: creating
	// 10,000 pools through the API would measure the API.
	err = st.Update(ctx, func(tx ipam.Tx) error {
		for k := range n {
			p := &ipam.Pool{ID: fmt.Sprintf("ipam-pool-0%016x", k), OwnerID: c.AccountID, IpamID: i.ID,
				ScopeID: i.PrivateDefaultScopeID, ScopeType: "private", IpamRegion: "us-east-1",
				State: ipam.StateCreateComplete, AddressFamily: "ipv4"}
			if err := tx.InsertPool(p); err != nil {
				return err
			}
			base := netip.AddrFrom4([4]byte{10, byte(k >> 8), 0, 0})
			if k >= 1<<16 {
				return fmt.Errorf("too many pools")
			}
			base = netip.AddrFrom4([4]byte{byte(10 + k>>8), byte(k), 0, 0})
			if err := tx.InsertPoolCIDR(&ipam.PoolCIDR{ID: fmt.Sprintf("ipam-pool-cidr-0%032x", k), PoolID: p.ID,
				CIDR: netip.PrefixFrom(base, 16), State: ipam.CidrProvisioned, Seq: int64(k + 1)}); err != nil {
				return err
			}
			for j := range 3 {
				a := base.As4()
				a[2] = byte(j)
				if err := tx.InsertAllocation(&ipam.Allocation{ID: fmt.Sprintf("ipam-pool-alloc-0%030x%02x", k, j), PoolID: p.ID,
					OwnerID: c.AccountID, CIDR: netip.PrefixFrom(netip.AddrFrom4(a), 24), ResourceType: ipam.ResourceCustom,
					ResourceOwner: c.AccountID}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	loaded, err := svc.LoadPoolSpaces(ctx)
	if err != nil || loaded != n {
		tb.Fatalf("LoadPoolSpaces: %d pools, %v", loaded, err)
	}
	return svc, time.Since(start)
}

var bench10k struct {
	once sync.Once
	svc  *ipam.Service
	load time.Duration
}

// BenchmarkScrape10kPools is one whole scrape of /metrics over loopback HTTP
// (the exposition text of every metric, 60,000 pool samples among them)
// from a node holding 10,000 pools. Target: ≤ 100 ms.
func BenchmarkScrape10kPools(b *testing.B) {
	reg := benchRegistry(b)
	srv := httptest.NewServer(Handler(reg, bench10k.svc, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	b.ReportAllocs()
	b.ResetTimer()
	var size int64
	for b.Loop() {
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			b.Fatal(err)
		}
		size, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
	}
	b.ReportMetric(float64(size), "bytes/scrape")
}

// benchRegistry is a registry with some requests observed, over the
// 10,000-pool world (built once per process: benchmarks run several times).
func benchRegistry(b *testing.B) *prometheus.Registry {
	bench10k.once.Do(func() {
		bench10k.svc, bench10k.load = poolsWorld(b, 10000)
	})
	if bench10k.svc == nil {
		b.Fatal("setup failed")
	}
	b.Logf("LoadPoolSpaces of 10,000 pools (30,000 allocations) on SQLite: %v", bench10k.load)
	reg := prometheus.NewRegistry()
	m := New(reg, "bench")
	for _, a := range []string{"AllocateIpamPoolCidr", "DescribeIpamPools", "GetIpamPoolAllocations", "CreateIpamPool"} {
		for _, code := range []string{"Success", "InvalidIpamPoolId.NotFound", "InvalidParameterValue"} {
			m.ObserveRequest(a, code, time.Millisecond)
		}
	}
	return reg
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkScrapeHandler10kPools is the server's side of the same scrape:
// the handler writing the whole exposition into a ResponseWriter that
// discards it (no network, no client).
func BenchmarkScrapeHandler10kPools(b *testing.B) {
	h := Handler(benchRegistry(b), bench10k.svc, slog.New(slog.DiscardHandler))
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(&discard{h: http.Header{}}, req)
	}
}
