package api

import (
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/ipamd/ipamd/internal/audit"
)

// Observer is told the outcome of every request: the metrics adapter
// implements it, so this package needs no metrics library. action is ""
// for a request that named no valid action; code is audit.Success or the
// EC2 error code.
type Observer interface {
	ObserveRequest(action, code string, elapsed time.Duration)
}

// record writes the audit record of a mutating request: who, from where,
// what, on which resources and CIDRs, and how it ended. The ids and CIDRs
// come from the request's parameters and the response's fields by name
// (…Id, …Cidr, …CidrBlock), so a new action is audited without more code;
// nothing else of the request — tags, descriptions, headers — is kept.
func (h *Handler) record(x *exchange, code string) {
	if h.audit == nil || x.action == "" || !isMutating(x.action) {
		return
	}
	var refs refs
	refs.fromParams(x.values)
	if x.body != nil {
		refs.fromBody(reflect.ValueOf(x.body), 0)
	}
	h.audit.Record(audit.Record{
		Time: x.start, RequestID: x.id, Origin: audit.OriginAPI, Account: x.account, AccessKeyID: x.accessKey,
		SourceAddr: x.remote, Action: x.action, ResourceIDs: refs.ids, CIDRs: refs.cidrs, Result: code,
	})
}

// isMutating reports whether the action table marks action as changing state.
func isMutating(action string) bool { return actions[action].mutating }

// Bounds on what one record keeps of client-supplied values.
const (
	maxRefs     = 64
	maxRefBytes = 128
)

// refs collects distinct resource ids and CIDRs in first-seen order.
type refs struct {
	ids, cidrs []string
	seen       map[string]bool
}

func (r *refs) add(name, v string) {
	if v == "" || len(r.ids)+len(r.cidrs) >= maxRefs {
		return
	}
	var list *[]string
	switch {
	case isIDName(name):
		list = &r.ids
	case isCIDRName(name):
		list = &r.cidrs
	default:
		return
	}
	if len(v) > maxRefBytes {
		v = v[:maxRefBytes]
	}
	if r.seen == nil {
		r.seen = make(map[string]bool)
	}
	if !r.seen[v] {
		r.seen[v] = true
		*list = append(*list, v)
	}
}

// isIDName reports whether a parameter or element names a resource id
// (IpamPoolId, ResourceId.1, ipamPoolAllocationId); owners are accounts,
// already in the record.
func isIDName(name string) bool {
	return strings.HasSuffix(name, "Id") && !strings.EqualFold(name, "ownerId") && !strings.EqualFold(name, "requestId")
}

func isCIDRName(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, "cidr") || strings.HasSuffix(n, "cidrblock")
}

// fromParams reads keys such as IpamPoolId, DisallowedCidr.2 or
// ResourceId.1: the name is the key's last segment that is not a number.
func (r *refs) fromParams(v url.Values) {
	for _, key := range slices.Sorted(maps.Keys(v)) {
		vals := v[key]
		if strings.HasPrefix(key, "Filter.") {
			continue // a filter names what to match, not what to change
		}
		segs := strings.Split(key, ".")
		name := ""
		for i := len(segs) - 1; i >= 0 && name == ""; i-- {
			if !isNumber(segs[i]) {
				name = segs[i]
			}
		}
		for _, s := range vals {
			r.add(name, s)
		}
	}
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// fromBody walks a response value's exported fields and reads the string
// fields whose XML element name marks an id or a CIDR.
func (r *refs) fromBody(v reflect.Value, depth int) {
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			r.fromBody(v.Elem(), depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len() && i < maxRefs; i++ {
			r.fromBody(v.Index(i), depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("xml"), ",")
			fv := v.Field(i)
			if fv.Kind() == reflect.Pointer && !fv.IsNil() {
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.String {
				r.add(name, fv.String())
				continue
			}
			r.fromBody(fv, depth+1)
		}
	}
}
