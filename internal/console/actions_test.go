package console_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/console"
)

// Release and provision go through the service like the API's calls, and
// each console change leaves one audit record naming who did what, with
// no secret or cookie in it.
func TestFormsAndAuditTrail(t *testing.T) {
	e := newEnv(t, console.Config{})
	w := e.seed(alice)
	b := e.browser()
	b.signIn(alice)
	page := "/console/pools/" + w.Pool
	_, body := b.get(page)
	m := regexp.MustCompile(`name="release" value="([^" ]+) 10.0.64.0/24"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no release form for 10.0.64.0/24")
	}
	tok := b.token(page)
	steps := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string // Location or body text
	}{
		{"release", page + "/release", url.Values{"release": {m[1] + " 10.0.64.0/24"}}, http.StatusSeeOther, "done=released"},
		{"release again", page + "/release", url.Values{"release": {m[1] + " 10.0.64.0/24"}}, http.StatusBadRequest, "InvalidParameterCombination"},
		{"provision", page + "/provision", url.Values{"cidr": {"10.1.0.0/16"}}, http.StatusSeeOther, "done=provisioned"},
		{"provision overlapping", page + "/provision", url.Values{"cidr": {"10.1.0.0/24"}}, http.StatusBadRequest, "InvalidParameterValue"},
		{"allocate by CIDR", page + "/allocate", url.Values{"cidr": {"10.1.2.0/24"}, "op": {"allocate"}}, http.StatusSeeOther, "done=allocated"},
		{"allocate bad netmask", page + "/allocate", url.Values{"netmask": {"twenty"}}, http.StatusBadRequest, "Value (twenty) for parameter NetmaskLength is invalid"},
		{"preview", page + "/allocate", url.Values{"netmask": {"24"}, "op": {"preview"}}, http.StatusOK, `id="preview"`},
	}
	for _, s := range steps {
		s.form.Set("csrf", tok)
		resp, body := b.post(s.path, s.form)
		if resp.StatusCode != s.status || !strings.Contains(resp.Header.Get("Location")+body, s.want) {
			t.Errorf("%s: %d %q, want %d with %q", s.name, resp.StatusCode, resp.Header.Get("Location"), s.status, s.want)
		}
	}
	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(e.trail.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if r["origin"] == "console" && r["action"] != "ConsoleSignIn" {
			records = append(records, r)
		}
	}
	want := []struct{ action, result string }{
		{"ReleaseIpamPoolAllocation", "Success"}, {"ReleaseIpamPoolAllocation", "InvalidParameterCombination"},
		{"ProvisionIpamPoolCidr", "Success"}, {"ProvisionIpamPoolCidr", "InvalidParameterValue"},
		{"AllocateIpamPoolCidr", "Success"}, {"AllocateIpamPoolCidr", "InvalidParameterValue"}, {"AllocateIpamPoolCidr", "Success"},
	}
	if len(records) != len(want) {
		t.Fatalf("%d console records, want %d:\n%s", len(records), len(want), e.trail)
	}
	for i, w := range want {
		r := records[i]
		if r["action"] != w.action || r["result"] != w.result || r["account"] != alice.AccountID ||
			r["access_key_id"] != alice.AccessKey || r["source_address"] != "127.0.0.1" {
			t.Errorf("record %d: %v, want %s %s", i, r, w.action, w.result)
		}
	}
	if trail := e.trail.String(); strings.Contains(trail, alice.SecretKey) || strings.Contains(trail, tok) {
		t.Errorf("the trail holds a secret or a form token")
	}
}
