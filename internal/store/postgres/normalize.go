package postgres

import (
	"encoding/json"

	"github.com/ipamd/ipamd/internal/ipam"
)

// The store contract reads empty slices back as nil. JSON keeps "[]" apart
// from "null", so documents are normalized after decoding.

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// normalize clears the empty slices of a decoded document.
func normalize(v any) {
	switch v := v.(type) {
	case *ipam.IPAM:
		v.Tags = nilIfEmpty(v.Tags)
		v.OperatingRegions = nilIfEmpty(v.OperatingRegions)
	case *ipam.Scope:
		v.Tags = nilIfEmpty(v.Tags)
	case *ipam.Pool:
		v.Tags = nilIfEmpty(v.Tags)
		v.AllocationResourceTags = nilIfEmpty(v.AllocationResourceTags)
	case *ipam.VPC:
		v.Tags = nilIfEmpty(v.Tags)
		v.CIDRs = nilIfEmpty(v.CIDRs)
	case *ipam.Subnet:
		v.Tags = nilIfEmpty(v.Tags)
	}
}

// tagsJSON is the tags column of an allocation: NULL when there are none.
func tagsJSON(tags []ipam.Tag) ([]byte, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	return json.Marshal(tags)
}
