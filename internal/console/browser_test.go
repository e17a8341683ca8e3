package console_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ipamd/ipamd/internal/console"
	"github.com/ipamd/ipamd/internal/sigv4"
)

// One headless Chromium serves every browser test of the package; each
// test gets its own browser context (own cookies) in it.
var chrome struct {
	once    sync.Once
	ctx     context.Context
	cancel  func()
	dataDir string
	skip    string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chrome.cancel != nil {
		chrome.cancel()
		os.RemoveAll(chrome.dataDir)
	}
	os.Exit(code)
}

// chromiumPath finds the browser: $IPAMD_CHROMIUM, or Debian's chromium.
func chromiumPath() string {
	if p := os.Getenv("IPAMD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func startChrome() {
	path := chromiumPath()
	if path == "" {
		chrome.skip = "no Chromium on this machine (apt-get install chromium, or set IPAMD_CHROMIUM): browser tests skipped"
		return
	}
	dir, err := os.MkdirTemp("", "ipamd-chromium-")
	if err != nil {
		chrome.skip = err.Error()
		return
	}
	chrome.dataDir = dir
	// The flags that work as root in a container: no sandbox, no GPU, and
	// nothing that reaches out to the network on its own.
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(dir), chromedp.WindowSize(1360, 900))
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		chrome.skip = "Chromium at " + path + " did not start: " + err.Error()
		return
	}
	chrome.ctx, chrome.cancel = ctx, func() { cancel(); cancelAlloc() }
}

// tab is one browser context of the shared Chromium for this test.
type tab struct {
	t   *testing.T
	e   *env
	ctx context.Context
}

func (e *env) tab() *tab {
	e.t.Helper()
	chrome.once.Do(startChrome)
	if chrome.skip != "" {
		e.t.Skip(chrome.skip)
	}
	ctx, cancel := chromedp.NewContext(chrome.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute) // a bound for a hung browser on a loaded machine, not a speed target
	e.t.Cleanup(func() { cancelT(); cancel() })
	return &tab{t: e.t, e: e, ctx: ctx}
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	a, err := chromedp.Run(tb.ctx, chromedp.Attributes(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("attributes of %s: %v", sel, err)
	}
	return a[name]
}

// ratio is the utilization the pool page's bar shows.
func (tb *tab) ratio() float64 {
	tb.t.Helper()
	r, err := strconv.ParseFloat(tb.attr("#utilization .bar", "data-ratio"), 64)
	if err != nil {
		tb.t.Fatal(err)
	}
	return r
}

// artifacts is where screenshots go: $IPAMD_ARTIFACTS, or the package's
// git-ignored testdata/screenshots.
func artifacts(t *testing.T) string {
	dir := os.Getenv("IPAMD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shot saves a full-page PNG of what the tab shows.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(artifacts(tb.t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot %s", path)
}

func (tb *tab) signIn(a sigv4.Account, shot bool) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.e.URL+"/"), chromedp.WaitVisible(chromedp.ID("access_key_id")))
	if shot {
		tb.shot("01-signin")
	}
	tb.do(chromedp.SendKeys(chromedp.ID("access_key_id"), a.AccessKey),
		chromedp.SendKeys(chromedp.ID("secret_access_key"), a.SecretKey),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("account-id")))
	if got := tb.text("#account-id"); got != a.AccountID {
		tb.t.Fatalf("signed in as %q, want %s", got, a.AccountID)
	}
}

// A user signs in, walks from the IPAM to a pool, previews and makes an
// allocation from the form, sees the new row and the bar move, and is
// refused bad input with the API's own words.
func TestBrowserAllocate(t *testing.T) {
	e := newEnv(t, console.Config{})
	w := e.seed(alice)
	tb := e.tab()
	tb.signIn(alice, true)
	tb.shot("02-ipams")
	tb.do(chromedp.Click(chromedp.CSS(`a[href="/console/scopes/`+w.Scope+`"]`)), chromedp.WaitVisible(chromedp.ID("pools")))
	tb.shot("03-scope")
	if rows := tb.text("#pools"); !strings.Contains(rows, w.Pool) || !strings.Contains(rows, w.Child) {
		t.Fatalf("pool tree lacks the pools:\n%s", rows)
	}
	tb.do(chromedp.Click(chromedp.CSS(`#pools a[href="/console/pools/`+w.Pool+`"]`)), chromedp.WaitVisible(chromedp.ID("allocations")))
	tb.shot("04-pool")
	before := tb.ratio()

	tb.do(chromedp.SendKeys(chromedp.ID("alloc-netmask"), "20"),
		chromedp.SendKeys(chromedp.ID("alloc-description"), "from-browser"),
		chromedp.Click(chromedp.ID("alloc-preview")), chromedp.WaitVisible(chromedp.ID("preview")))
	tb.shot("05-preview")
	if p := tb.text("#preview"); !strings.Contains(p, "10.0.80.0/20") {
		t.Errorf("preview says %q, want 10.0.80.0/20", p)
	}
	if r := tb.ratio(); r != before {
		t.Errorf("a preview moved the bar: %v → %v", before, r)
	}
	tb.do(chromedp.Click(chromedp.ID("alloc-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	if n := tb.text("#notice"); n != "Allocated 10.0.80.0/20." {
		t.Errorf("notice %q", n)
	}
	if rows := tb.text("#allocations"); !strings.Contains(rows, "10.0.80.0/20") || !strings.Contains(rows, "from-browser") {
		t.Errorf("no new row:\n%s", rows)
	}
	if r := tb.ratio(); r <= before {
		t.Errorf("bar did not move: %v → %v", before, r)
	}

	// Release app-a from its row's button.
	tb.do(chromedp.Click(chromedp.CSS(`button[name="release"][value$=" 10.0.64.0/24"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice[data-text^="Released"]`)))
	if n := tb.text("#notice"); n != "Released 10.0.64.0/24." {
		t.Errorf("notice %q", n)
	}
	if rows := tb.text("#allocations"); strings.Contains(rows, "app-a") {
		t.Errorf("released row still listed:\n%s", rows)
	}
	// Too short for the pool's minimum netmask: the API's refusal, word for word.
	code, msg := e.apiRefusal(alice, allocIn(w.Pool, 8))
	tb.do(chromedp.SendKeys(chromedp.ID("alloc-netmask"), "8"), chromedp.Click(chromedp.ID("alloc-submit")),
		chromedp.WaitVisible(chromedp.ID("alloc-error")))
	tb.shot("06-refused")
	if got := tb.text("#alloc-error"); got != code+" "+msg {
		t.Errorf("console says %q\nAPI says     %q", got, code+" "+msg)
	}
	// Filter the allocations as GetIpamPoolAllocations does.
	tb.do(chromedp.SendKeys(chromedp.ID("filter-value"), "from-*"),
		chromedp.SetValue(chromedp.ID("filter-name"), "description"),
		chromedp.Click(chromedp.ID("filter-submit")),
		// The next page's field carries the value as its attribute; this one only as typed.
		chromedp.WaitVisible(chromedp.CSS(`#filter-value[value="from-*"]`)))
	if rows := tb.text("#allocations"); !strings.Contains(rows, "10.0.80.0/20") || strings.Contains(rows, "app-a") {
		t.Errorf("filtered rows:\n%s", rows)
	}
	// The child pool's page shows its own space.
	tb.do(chromedp.Navigate(e.URL+"/console/pools/"+w.Child), chromedp.WaitVisible(chromedp.ID("allocations")))
	if got := tb.text("#pool-id"); got != w.Child {
		t.Errorf("child pool page shows %q", got)
	}
	// The VPCs, from the header's link.
	vpc, _, _ := e.seedVPC(t, w)
	tb.do(chromedp.Click(chromedp.ID("nav-vpcs")), chromedp.WaitVisible(chromedp.CSS(".card.vpc")))
	tb.shot("09-vpcs")
	if got := tb.text(".card.vpc h2"); got != vpc {
		t.Errorf("VPC page shows %q, want %s", got, vpc)
	}
}

// A second account signs in and sees none of the first's pools, and is
// refused the first's pool page with the API's not-found.
func TestBrowserSecondAccount(t *testing.T) {
	e := newEnv(t, console.Config{})
	w := e.seed(alice)
	tb := e.tab()
	tb.signIn(bob, false)
	tb.do(chromedp.WaitVisible(chromedp.ID("no-ipams")))
	tb.shot("07-bob-empty")
	tb.do(chromedp.Navigate(e.URL+"/console/pools/"+w.Pool), chromedp.WaitVisible(chromedp.ID("error")))
	tb.shot("08-bob-refused")
	code, msg := e.apiRefusal(bob, allocIn(w.Pool, 24))
	if got := tb.text("#error"); got != code+" "+msg {
		t.Errorf("console says %q\nAPI says     %q", got, code+" "+msg)
	}
}
