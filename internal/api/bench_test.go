package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// benchRows is the size of the pool the listing benchmarks page through.
const benchRows = 100_000

// bigPoolHandler returns a handler whose store (in dir) holds one IPv4 pool
// of benchRows /32 allocations, inserted through the store in one
// transaction, the pool's id and an allocation from its middle.
func bigPoolHandler(b *testing.B, dir string) (*Handler, string, *ipam.Allocation) {
	st, err := sqlite.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := ipam.NewService(st, ipam.Config{})
	ctx := context.Background()
	c := ipam.Caller{AccountID: "000000000000", Region: "us-east-1"}
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
	var mid *ipam.Allocation
	err = st.Update(ctx, func(tx ipam.Tx) error {
		for i := range benchRows {
			v := uint32(10)<<24 | uint32(i)
			a := &ipam.Allocation{ID: fmt.Sprintf("ipam-pool-alloc-0%032x", i), PoolID: p.ID, OwnerID: c.AccountID,
				CIDR:         netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 32),
				ResourceType: ipam.ResourceCustom, ResourceOwner: c.AccountID, Description: "app-" + strconv.Itoa(i)}
			if i == benchRows/2 {
				mid = a
			}
			if err := tx.InsertAllocation(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return New(Config{Service: svc, Verifier: &sigv4.Verifier{Creds: sigv4.DevCredentials()}}), p.ID, mid
}

// signedRequest is a POST of form, signed for the development account.
func signedRequest(b *testing.B, form url.Values) *http.Request {
	form.Set("Version", APIVersion)
	body := form.Encode()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4726/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
		r, hex.EncodeToString(sum[:]), "ec2", "us-east-1", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// benchServe runs one request per iteration through the whole handler
// (signature, decoding, service, store, XML) and checks it answered 200.
func benchServe(b *testing.B, h *Handler, form url.Values) {
	body := form.Encode()
	b.ResetTimer()
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		f, _ := url.ParseQuery(body)
		r := signedRequest(b, f)
		w := httptest.NewRecorder()
		b.StartTimer()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("HTTP %d: %s", w.Code, w.Body.String())
		}
	}
}

// BenchmarkGetIpamPoolAllocations serves GetIpamPoolAllocations on a pool
// of 100,000 allocations: the first 1,000-item page, one 100,000-item page
// (the whole pool), and 1,000-item pages filtered to one allocation by an
// indexed attribute (allocation id, cidr) or by a scanned one (description).
// The pool takes a few seconds to build; -short skips it.
func BenchmarkGetIpamPoolAllocations(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a pool of 100,000 allocations")
	}
	h, pool, mid := bigPoolHandler(b, b.TempDir())
	list := func(extra ...string) url.Values {
		v := url.Values{"Action": {"GetIpamPoolAllocations"}, "IpamPoolId": {pool}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	b.Run("page=1000", func(b *testing.B) { benchServe(b, h, list("MaxResults", "1000")) })
	b.Run("page=100000", func(b *testing.B) { benchServe(b, h, list("MaxResults", "100000")) })
	for _, f := range []struct{ name, value string }{
		{"ipam-pool-allocation-id", mid.ID},
		{"cidr", mid.CIDR.String()},
		{"description", mid.Description},
	} {
		b.Run("filter="+f.name, func(b *testing.B) {
			benchServe(b, h, list("MaxResults", "1000", "Filter.1.Name", f.name, "Filter.1.Value.1", f.value))
		})
	}
}

// BenchmarkBadSignature is what one badly signed request costs the server:
// refused before verification by the per-source limit (no body read, no
// signature check, a sampled log line), or verified and refused with
// SignatureDoesNotMatch when no limit applies.
func BenchmarkBadSignature(b *testing.B) {
	st, err := sqlite.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := ipam.NewService(st, ipam.Config{})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	form := url.Values{"Action": {"DescribeIpams"}, "Version": {APIVersion}}
	body := form.Encode()
	proto := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4726/", strings.NewReader(body))
	proto.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "wrong"},
		proto, hex.EncodeToString(sum[:]), "ec2", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		sources *SourceLimiter
		status  int
	}{
		// The clock stands still: no token comes back during the run.
		{"limited", &SourceLimiter{FailureRate: 1, FailureBurst: 20, Now: func() time.Time { return time.Unix(1e9, 0) }},
			http.StatusServiceUnavailable},
		{"unlimited", nil, http.StatusForbidden},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := New(Config{Service: svc, Verifier: &sigv4.Verifier{Creds: sigv4.DevCredentials()}, Logger: log, Sources: tc.sources})
			serve := func() int {
				r := proto.Clone(context.Background())
				r.Body = io.NopCloser(strings.NewReader(body))
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w.Code
			}
			for range 50 { // spend the failure burst
				serve()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if code := serve(); code != tc.status {
					b.Fatalf("HTTP %d, want %d", code, tc.status)
				}
			}
		})
	}
}
