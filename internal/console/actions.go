package console

import (
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/ipamd/ipamd/internal/api"
	"github.com/ipamd/ipamd/internal/audit"
	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// netmaskField reads an optional netmask length with the API's own
// decoder, so what it refuses is refused in the API's words.
func netmaskField(v string) (*int, error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "/")
	if v == "" {
		return nil, nil
	}
	p := ec2query.NewParams(url.Values{"NetmaskLength": {v}})
	n, _ := p.Int("NetmaskLength", math.MinInt32, math.MaxInt32)
	if err := p.Err(); err != nil {
		return nil, err
	}
	m := int(n)
	return &m, nil
}

// record writes the audit record of one console mutation.
func (c *Console) record(r *http.Request, s *session, action string, ids, cidrs []string, err error) {
	rec := audit.Record{RequestID: randomID(), Origin: audit.OriginConsole, Account: s.acct.AccountID,
		AccessKeyID: s.acct.AccessKey, SourceAddr: audit.SourceAddr(r.RemoteAddr), Action: action,
		ResourceIDs: ids, CIDRs: cidrs, Result: audit.Success}
	if err != nil {
		rec.Result, _ = api.ErrorCode(err)
	}
	c.cfg.Audit.Record(rec)
}

func nonEmpty(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// done sends the browser back to the pool page with a confirmation.
func done(w http.ResponseWriter, r *http.Request, poolID, what, cidr string) {
	q := url.Values{"done": {what}, "cidr": {cidr}}
	http.Redirect(w, r, Prefix+"pools/"+url.PathEscape(poolID)+"?"+q.Encode(), http.StatusSeeOther)
}

func (c *Console) allocate(w http.ResponseWriter, r *http.Request, s *session) {
	id, f := r.PathValue("id"), r.PostForm
	form := allocForm{Netmask: f.Get("netmask"), CIDR: strings.TrimSpace(f.Get("cidr")), Description: f.Get("description")}
	preview := f.Get("op") == "preview"
	in := ipam.AllocateIpamPoolCidrInput{PoolID: id, CIDR: form.CIDR, PreviewNextCidr: preview}
	if form.Description != "" {
		in.Description = &form.Description
	}
	if !preview {
		// One form, one allocation: a double submit answers the same.
		in.ClientToken = f.Get("client_token")
	}
	var err error
	var a *ipam.Allocation
	if in.NetmaskLength, err = netmaskField(form.Netmask); err == nil {
		a, err = c.svc.AllocateIpamPoolCidr(r.Context(), s.caller, in)
	}
	// Recorded like the API records it, previews included.
	ids, cidrs := []string{id}, nonEmpty(form.CIDR)
	if a != nil && !preview {
		ids = append(ids, a.ID)
	}
	if a != nil && a.CIDR.String() != form.CIDR {
		cidrs = append(cidrs, a.CIDR.String())
	}
	c.record(r, s, "AllocateIpamPoolCidr", ids, cidrs, err)
	if err == nil && !preview {
		done(w, r, id, "allocated", a.CIDR.String())
		return
	}
	status := http.StatusOK
	if err != nil {
		form.Error, status = asErrorView(err), http.StatusBadRequest
	} else {
		form.Preview = a.CIDR.String()
	}
	c.renderPool(w, r, s, status, func(v *poolView) { v.Alloc = form })
}

func (c *Console) release(w http.ResponseWriter, r *http.Request, s *session) {
	id, f := r.PathValue("id"), r.PostForm
	// The row's button sends "allocation-id cidr".
	allocID, cidr, _ := strings.Cut(f.Get("release"), " ")
	in := ipam.ReleaseIpamPoolAllocationInput{PoolID: id, AllocationID: allocID, CIDR: cidr}
	err := c.svc.ReleaseIpamPoolAllocation(r.Context(), s.caller, in)
	c.record(r, s, "ReleaseIpamPoolAllocation", []string{id, in.AllocationID}, []string{in.CIDR}, err)
	if err != nil {
		c.renderPool(w, r, s, http.StatusBadRequest, func(v *poolView) { v.ListError = asErrorView(err) })
		return
	}
	done(w, r, id, "released", in.CIDR)
}

func (c *Console) provision(w http.ResponseWriter, r *http.Request, s *session) {
	id, f := r.PathValue("id"), r.PostForm
	form := provisionForm{Netmask: f.Get("netmask"), CIDR: strings.TrimSpace(f.Get("cidr"))}
	in := ipam.ProvisionIpamPoolCidrInput{PoolID: id, CIDR: form.CIDR, ClientToken: f.Get("client_token")}
	var err error
	var pc *ipam.PoolCIDR
	if in.NetmaskLength, err = netmaskField(form.Netmask); err == nil {
		pc, err = c.svc.ProvisionIpamPoolCidr(r.Context(), s.caller, in)
	}
	cidrs := nonEmpty(form.CIDR)
	if pc != nil && pc.CIDR.String() != form.CIDR {
		cidrs = append(cidrs, pc.CIDR.String())
	}
	c.record(r, s, "ProvisionIpamPoolCidr", []string{id}, cidrs, err)
	if err != nil {
		form.Error = asErrorView(err)
		c.renderPool(w, r, s, http.StatusBadRequest, func(v *poolView) { v.Provision = form })
		return
	}
	done(w, r, id, "provisioned", pc.CIDR.String())
}
