package metrics

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ipamd/ipamd/internal/ipam"
)

// scrape serves a real registry (with requests, a commit and a batch
// observed) and a Service's pools, and parses the answer as Prometheus
// would: the hand-written pool gauges must be valid exposition text.
func scrape(t *testing.T, pools Pools) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := New(reg, "test")
	m.ObserveRequest("AllocateIpamPoolCidr", "Success", 2*time.Millisecond)
	m.ObserveRequest("", "SignatureDoesNotMatch", time.Millisecond)
	m.ObserveCommit(time.Millisecond, true)
	m.ObserveBatch(3)
	m.ObserveConflict()
	m.ObserveConflict()
	rec := httptest.NewRecorder()
	Handler(reg, pools, slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("the scrape does not parse: %v", err)
	}
	return families
}

func TestScrapeParsesAndCarriesPools(t *testing.T) {
	svc, _ := poolsWorld(t, 3)
	families := scrape(t, svc)
	for _, name := range []string{"ipamd_requests_total", "ipamd_request_duration_seconds", "ipamd_store_commit_duration_seconds",
		"ipamd_allocation_batch_size", "ipamd_build_info", "go_goroutines", "ipamd_pools"} {
		if families[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if got := families["ipamd_pools"].GetMetric()[0].GetGauge().GetValue(); got != 3 {
		t.Errorf("ipamd_pools = %v, want 3", got)
	}
	if f := families["ipamd_store_conflicts_total"]; f == nil || f.GetMetric()[0].GetCounter().GetValue() != 2 {
		t.Errorf("ipamd_store_conflicts_total: %v, want 2", f)
	}
	// Each pool: a /16 with three /24s allocated at its start.
	want := map[string]float64{
		"ipamd_pool_provisioned_addresses": 65536, "ipamd_pool_allocated_addresses": 768,
		"ipamd_pool_free_addresses": 65536 - 768, "ipamd_pool_utilization_ratio": 768.0 / 65536,
		"ipamd_pool_allocations": 3, "ipamd_pool_largest_free_prefix_length": 17,
	}
	for name, v := range want {
		f := families[name]
		if f == nil || len(f.GetMetric()) != 3 {
			t.Fatalf("%s: %v", name, f)
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if got := m.GetGauge().GetValue(); got != v || !strings.HasPrefix(labels["pool"], "ipam-pool-") ||
				labels["account"] != "000000000000" || labels["family"] != "ipv4" || labels["ipam"] == "" || labels["scope"] == "" {
				t.Errorf("%s%v = %v, want %v", name, labels, got, v)
			}
		}
	}
	unknown := families["ipamd_requests_total"]
	if !slices.ContainsFunc(unknown.GetMetric(), func(m *dto.Metric) bool {
		return m.GetLabel()[0].GetValue() == "unknown" && m.GetLabel()[1].GetValue() == "SignatureDoesNotMatch"
	}) {
		t.Error("a request without an action is not counted as action=unknown")
	}
}

// A label value with a quote, a backslash and a newline is escaped, and a
// full pool has no largest-free-block sample.
func TestPoolLabelsEscaped(t *testing.T) {
	parser := expfmt.NewTextParser(model.LegacyValidation)
	var b strings.Builder
	err := writePools(&b, []ipam.PoolStats{{PoolID: "p\"1\\\n", IpamID: "i", ScopeID: "s", OwnerID: "o", AddressFamily: "ipv6", LargestFree: -1}})
	if err != nil {
		t.Fatal(err)
	}
	families, err := parser.TextToMetricFamilies(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if got := families["ipamd_pool_free_addresses"].GetMetric()[0].GetLabel()[0].GetValue(); got != "p\"1\\\n" {
		t.Errorf("pool label %q", got)
	}
	if families["ipamd_pool_largest_free_prefix_length"] != nil && len(families["ipamd_pool_largest_free_prefix_length"].GetMetric()) != 0 {
		t.Error("a full pool has a largest free block")
	}
}

// dashboard is the part of a Grafana dashboard the test reads.
type dashboard struct {
	Title  string  `json:"title"`
	UID    string  `json:"uid"`
	Panels []panel `json:"panels"`
}

type panel struct {
	Title   string   `json:"title"`
	Type    string   `json:"type"`
	Panels  []panel  `json:"panels"` // a collapsed row's
	Targets []target `json:"targets"`
}

type target struct {
	Expr string `json:"expr"`
}

var metricRE = regexp.MustCompile(`\b(?:ipamd|go|process)_[a-z0-9_]+\b`)

// TestGrafanaDashboard parses deploy/grafana/ipamd.json and checks that
// every metric its queries name is one ipamd exports (read from a real
// scrape, histograms' _bucket, _sum and _count series included), and that
// every ipamd metric has a panel.
func TestGrafanaDashboard(t *testing.T) {
	f, err := os.Open("../../deploy/grafana/ipamd.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) == 0 {
		t.Fatalf("dashboard %q (%q) has %d panels", d.Title, d.UID, len(d.Panels))
	}
	svc, _ := poolsWorld(t, 1)
	exported := map[string]bool{}
	for name, fam := range scrape(t, svc) {
		exported[name] = true
		if fam.GetType() == dto.MetricType_HISTOGRAM || fam.GetType() == dto.MetricType_SUMMARY {
			exported[name+"_sum"], exported[name+"_count"] = true, true
			if fam.GetType() == dto.MetricType_HISTOGRAM {
				exported[name+"_bucket"] = true
			}
		}
	}
	used := map[string]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				names := metricRE.FindAllString(tg.Expr, -1)
				if len(names) == 0 {
					t.Errorf("panel %q: query %q names no metric", p.Title, tg.Expr)
				}
				for _, n := range names {
					used[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")] = true
					if !exported[n] {
						t.Errorf("panel %q uses %s, which ipamd does not export", p.Title, n)
					}
				}
			}
		}
	}
	walk(d.Panels)
	for name := range exported {
		if strings.HasPrefix(name, "ipamd_") && !strings.HasSuffix(name, "_sum") && !strings.HasSuffix(name, "_count") &&
			!strings.HasSuffix(name, "_bucket") && !used[name] {
			t.Errorf("no panel shows %s", name)
		}
	}
}
