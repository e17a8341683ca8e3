package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"math"
	"math/big"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ipamd/ipamd/internal/api"
	"github.com/ipamd/ipamd/internal/cidr"
	"github.com/ipamd/ipamd/internal/ipam"
)

// layout is what every page's frame shows.
type layout struct {
	Title   string
	Account *accountView // nil on the sign-in page
	CSRF    string
	Crumbs  []crumb
	Notice  string
	Error   *errorView
	Body    any
}

type accountView struct{ Name, ID, AccessKey string }

type crumb struct{ Label, Href string }

// errorView is a refusal as the API words it.
type errorView struct{ Code, Message string }

var funcs = template.FuncMap{
	"pct":   func(r float64) string { return strconv.FormatFloat(r*100, 'f', 1, 64) + "%" },
	"count": formatCount,
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"netmask": func(p *int) string {
		if p == nil {
			return "—"
		}
		return "/" + strconv.Itoa(*p)
	},
	"barWidth": func(r float64) string { return strconv.FormatFloat(math.Max(0, math.Min(1, r))*100, 'f', 2, 64) },
	"level":    level,
}

// level names a utilization band for the bar's colour.
func level(r float64) string {
	switch {
	case r >= 0.9:
		return "high"
	case r >= 0.7:
		return "mid"
	}
	return "low"
}

func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"signin", "home", "scope", "pool", "vpcs", "error"} {
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}

func (c *Console) render(w http.ResponseWriter, status int, name string, l *layout) {
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, l); err != nil {
		c.log.Error("console template", "page", name, "err", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// frame returns the layout of a page for s, with the form token its forms
// (sign-out among them) carry.
func (c *Console) frame(w http.ResponseWriter, r *http.Request, s *session, title string, crumbs ...crumb) (*layout, error) {
	l := &layout{Title: title, Crumbs: crumbs}
	if s != nil {
		l.Account = &accountView{Name: s.acct.Name, ID: s.acct.AccountID, AccessKey: s.acct.AccessKey}
	}
	tok, err := c.csrfToken(w, r, s)
	l.CSRF = tok
	return l, err
}

// fail renders an error page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, status int, code, msg string) {
	l, _ := c.frame(w, r, s, "Error")
	l.Error = &errorView{code, msg}
	c.render(w, status, "error", l)
}

// serviceError renders what the service refused, worded as the API words it.
func (c *Console) serviceError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	code, msg := api.ErrorCode(err)
	c.fail(w, r, s, errorStatus(err), code, msg)
}

func errorStatus(err error) int {
	var de *ipam.Error
	if !errors.As(err, &de) {
		return http.StatusInternalServerError
	}
	switch de.Code {
	case ipam.CodeIpamNotFound, ipam.CodeScopeNotFound, ipam.CodePoolNotFound, ipam.CodeAllocationNotFound:
		return http.StatusNotFound
	case ipam.CodeInternal:
		return http.StatusInternalServerError
	case ipam.CodeUnavailable, ipam.CodeRequestLimitExceeded:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

func asErrorView(err error) *errorView {
	code, msg := api.ErrorCode(err)
	return &errorView{code, msg}
}

// formatCount writes an address count with thousands separators, or as a
// power of two when it is one and too long to read (IPv6).
func formatCount(n cidr.Count) string {
	if v, ok := n.Uint64(); ok && v < 1e15 {
		s := strconv.FormatUint(v, 10)
		var b strings.Builder
		for i, ch := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(ch)
		}
		return b.String()
	}
	bi := n.Big()
	if bi.BitLen() > 0 && new(big.Int).Lsh(big.NewInt(1), uint(bi.BitLen()-1)).Cmp(bi) == 0 {
		return fmt.Sprintf("2^%d", bi.BitLen()-1)
	}
	return strconv.FormatFloat(n.Float64(), 'g', 4, 64)
}

// offset returns where prefix a starts inside prefix p and how much of p
// it covers, both as fractions of p.
func offset(p, a netip.Prefix) (start, width float64) {
	base := new(big.Int).SetBytes(p.Addr().AsSlice())
	addr := new(big.Int).SetBytes(a.Addr().AsSlice())
	k := p.Addr().BitLen() - p.Bits()
	d, _ := new(big.Float).SetInt(addr.Sub(addr, base)).Float64()
	return d / math.Ldexp(1, k), math.Ldexp(1, p.Bits()-a.Bits())
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	host := p.Addr().BitLen() - p.Bits()
	for i := len(b) - 1; i >= 0 && host > 0; i-- {
		n := min(host, 8)
		b[i] |= byte(1<<n - 1)
		host -= n
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
