package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/console"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// benchAllocs is the size of the benchmarks' big pool:
// $IPAMD_BENCH_CONSOLE_ALLOCS, 100,000 by default (docs/benchmarks.md has 1M).
func benchAllocs(b *testing.B) int {
	if v := os.Getenv("IPAMD_BENCH_CONSOLE_ALLOCS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 100_000
}

var nextRE = regexp.MustCompile(`id="next-page" href="([^"]+)"`)

// BenchmarkPoolPage serves the console's pool page of a pool holding
// benchAllocs /32 allocations (written straight to the store, as the API
// benchmarks do): the first page, a page deep in the pool (by the NextToken
// of a page), a filter matching one allocation, and the scope's pool tree.
func BenchmarkPoolPage(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a big pool")
	}
	n := benchAllocs(b)
	st, err := sqlite.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := ipam.NewService(st, ipam.Config{})
	ctx, c := context.Background(), ipam.Caller{AccountID: alice.AccountID, Region: "us-east-1"}
	im, err := svc.CreateIpam(ctx, c, ipam.CreateIpamInput{})
	if err != nil {
		b.Fatal(err)
	}
	p, err := svc.CreateIpamPool(ctx, c, ipam.CreateIpamPoolInput{ScopeID: im.PrivateDefaultScopeID, AddressFamily: "ipv4"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.ProvisionIpamPoolCidr(ctx, c, ipam.ProvisionIpamPoolCidrInput{PoolID: p.ID, CIDR: "10.0.0.0/8"}); err != nil {
		b.Fatal(err)
	}
	// Every other /32, so the free space really has n intervals.
	err = st.Update(ctx, func(tx ipam.Tx) error {
		for i := range n {
			v := uint32(10)<<24 | uint32(2*i)
			a := &ipam.Allocation{ID: fmt.Sprintf("ipam-pool-alloc-0%032x", i), PoolID: p.ID, OwnerID: c.AccountID,
				CIDR:         netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 32),
				ResourceType: ipam.ResourceCustom, ResourceOwner: c.AccountID, Description: "app-" + strconv.Itoa(i)}
			if err := tx.InsertAllocation(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// A fresh service, as after a restart: the rows were written behind the
	// first one's back, so its cached space does not know them.
	svc = ipam.NewService(st, ipam.Config{})
	h := console.New(console.Config{Service: svc, Credentials: sigv4.StaticCredentials{alice.AccessKey: alice}, Region: "us-east-1"})
	cookie := benchSignIn(b, h)
	get := func(path string) string {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
		return w.Body.String()
	}
	page := "/console/pools/" + p.ID
	start := time.Now()
	// The first view loads the pool's free space into the cache.
	if body := get(page); !strings.Contains(body, `<dd id="allocated">`+formatInt(n)+`<`) {
		b.Fatalf("the pool page does not count %d allocated addresses: %s", n, regexp.MustCompile(`<dd id="allocated">[^<]*<`).FindString(body))
	}
	b.Logf("first view of a pool of %d allocations (loads its space): %v", n, time.Since(start))
	// A token from the middle of the pool: walk there by NextToken.
	deep := page
	for range n / 2000 {
		m := nextRE.FindStringSubmatch(get(deep))
		if m == nil {
			b.Fatal("no next page")
		}
		deep = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	q := url.Values{"fname": {"cidr"}, "fvalue": {fmt.Sprintf("10.%d.%d.%d/32", (n/2*2)>>16&255, (n/2*2)>>8&255, (n/2*2)&255)}}
	for _, bc := range []struct{ name, path, want string }{
		{"first-page", page, "app-0<"},
		{"middle-page", deep, "app-" + strconv.Itoa(n/2) + "<"},
		{"filter-cidr", page + "?" + q.Encode(), "app-" + strconv.Itoa(n/2) + "<"},
		{"scope-tree", "/console/scopes/" + im.PrivateDefaultScopeID, p.ID},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if body := get(bc.path); !strings.Contains(body, bc.want) {
				b.Fatalf("%s lacks %q", bc.path, bc.want)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				get(bc.path)
			}
		})
	}
}

// benchSignIn signs alice in on h and returns the Cookie header to send.
func benchSignIn(b *testing.B, h http.Handler) string {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/console/signin", nil))
	anon := w.Result().Cookies()[0]
	form := url.Values{"csrf": {csrfRE.FindStringSubmatch(w.Body.String())[1]},
		"access_key_id": {alice.AccessKey}, "secret_access_key": {alice.SecretKey}}
	r := httptest.NewRequest("POST", "/console/signin", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(anon)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	for _, ck := range w.Result().Cookies() {
		if ck.Name == "ipamd_session" {
			return ck.Name + "=" + ck.Value
		}
	}
	b.Fatalf("sign-in: %d %s", w.Code, w.Body)
	return ""
}

func formatInt(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
