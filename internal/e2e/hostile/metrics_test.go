package hostile

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipamd/ipamd/internal/sigv4"
)

var metricsListenRE = regexp.MustCompile(`serving metrics" at=http://(127\.0\.0\.1:\d+)/metrics`)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// sample returns the value of the sample whose line starts with series
// (name and labels as exposed), or -1.
func sample(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// TestMetricsListener runs the binary with --metrics-listen and reads what
// a Prometheus server would: request counts and latencies by action and
// error code, store commits, build info, the Go runtime, and the gauges of
// every pool — also, after a restart, of pools no request has touched. The
// API listener never serves them.
func TestMetricsListener(t *testing.T) {
	dir := t.TempDir()
	dev := sigv4.Account{AccessKey: "test", SecretKey: "test"}
	first := startIpamd(t, "--data-dir", dir)
	w := buildWorld(t, rawFor("http://"+first.addr, dev))
	if strings.Contains(first.logs.String(), "serving metrics") {
		t.Error("metrics are served without --metrics-listen")
	}
	if code, body := get(t, "http://"+first.addr+"/metrics"); code != http.StatusNotFound || !strings.Contains(body, "--metrics-listen") || strings.Contains(body, "ipamd_") {
		t.Errorf("GET /metrics on the API listener: %d %q", code, body)
	}
	first.stop(t)

	p := startIpamd(t, "--data-dir", dir, "--metrics-listen", "127.0.0.1:0")
	m := metricsListenRE.FindStringSubmatch(p.logs.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", p.logs.String())
	}
	scrape := "http://" + m[1] + "/metrics"
	pool := `{pool="` + w.Pool + `",ipam="` + w.IPAM + `",scope="` + w.PrivScope + `",account="000000000000",family="ipv4"}`
	// No request has touched the pools since the restart: they are loaded
	// in the background when the listener starts.
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, text = get(t, scrape)
		loaded := sample(text, "ipamd_pools") >= float64(len(w.Pools)) && sample(text, "ipamd_pool_provisioned_addresses"+pool) >= 0
		if loaded || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Pool: 10.0.0.0/16 with the child's 10.0.16.0/20 and a /24 allocated.
	for series, want := range map[string]float64{
		"ipamd_pool_provisioned_addresses" + pool:      65536,
		"ipamd_pool_allocated_addresses" + pool:        4096 + 256,
		"ipamd_pool_free_addresses" + pool:             65536 - 4352,
		"ipamd_pool_allocations" + pool:                2,
		"ipamd_pool_largest_free_prefix_length" + pool: 17,
		"ipamd_pool_utilization_ratio" + pool:          4352.0 / 65536,
	} {
		if got := sample(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if got := sample(text, "ipamd_pools"); got < float64(len(w.Pools)) {
		t.Errorf("ipamd_pools = %v, want ≥ %d", got, len(w.Pools))
	}

	c := rawFor("http://"+p.addr, dev)
	bits := "24"
	if _, err := c.Must("AllocateIpamPoolCidr", map[string]string{"IpamPoolId": w.Pool, "NetmaskLength": bits}); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Call("AllocateIpamPoolCidr", map[string]string{"IpamPoolId": "ipam-pool-0123456789abcdef0", "NetmaskLength": bits}); err != nil || r.Envelope.Code != "InvalidIpamPoolId.NotFound" {
		t.Fatalf("%v %+v", err, r)
	}
	_, text = get(t, scrape)
	for _, series := range []string{
		`ipamd_requests_total{action="AllocateIpamPoolCidr",code="Success"}`,
		`ipamd_requests_total{action="AllocateIpamPoolCidr",code="InvalidIpamPoolId.NotFound"}`,
		`ipamd_request_duration_seconds_count{action="AllocateIpamPoolCidr"}`,
		`ipamd_store_commit_duration_seconds_count{result="committed"}`,
		`ipamd_allocation_batch_size_count`,
		`go_goroutines`,
	} {
		if got := sample(text, series); got < 1 {
			t.Errorf("%s = %v, want ≥ 1", series, got)
		}
	}
	if got := sample(text, "ipamd_pool_allocations"+pool); got != 3 {
		t.Errorf("allocations after one more: %v, want 3", got)
	}
	if !regexp.MustCompile(`(?m)^ipamd_build_info\{goversion="go[^"]+",version="[^"]+"\} 1$`).MatchString(text) {
		t.Error("no ipamd_build_info")
	}
	if code, _ := get(t, "http://"+p.addr+"/metrics"); code != http.StatusNotFound {
		t.Errorf("the API listener answers /metrics with %d", code)
	}
}
