package api

import (
	"math"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
)

// Integers are parsed in the int32 range here; each operation's own bounds
// (netmask per family, MaxResults per call) are the service's to check.
func intPtr(p *ec2query.Params, name string) *int {
	v, ok := p.Int(name, math.MinInt32, math.MaxInt32)
	if !ok {
		return nil
	}
	n := int(v)
	return &n
}

func boolPtr(p *ec2query.Params, name string) *bool {
	v, ok := p.Bool(name)
	if !ok {
		return nil
	}
	return &v
}

func flag(p *ec2query.Params, name string) bool {
	v, _ := p.Bool(name)
	return v
}

func strPtr(p *ec2query.Params, name string) *string {
	v, ok := p.String(name)
	if !ok {
		return nil
	}
	return &v
}

func str(p *ec2query.Params, name string) string {
	v, _ := p.String(name)
	return v
}

func dryRun(p *ec2query.Params) bool { return flag(p, "DryRun") }

func page(p *ec2query.Params) ipam.Page {
	return ipam.Page{MaxResults: intPtr(p, "MaxResults"), NextToken: str(p, "NextToken")}
}

func filters(p *ec2query.Params) []ipam.Filter {
	fs := p.Filters()
	out := make([]ipam.Filter, len(fs))
	for i, f := range fs {
		out[i] = ipam.Filter{Name: f.Name, Values: f.Values}
	}
	return out
}

func tags(p *ec2query.Params, name string) []ipam.Tag {
	ts := p.Tags(name)
	if len(ts) == 0 {
		return nil
	}
	out := make([]ipam.Tag, len(ts))
	for i, t := range ts {
		out[i] = ipam.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func tagSpecs(p *ec2query.Params) []ipam.TagSpecification {
	specs := p.TagSpecifications()
	out := make([]ipam.TagSpecification, len(specs))
	for i, s := range specs {
		out[i] = ipam.TagSpecification{ResourceType: s.ResourceType}
		for _, t := range s.Tags {
			out[i].Tags = append(out[i].Tags, ipam.Tag{Key: t.Key, Value: t.Value})
		}
	}
	return out
}

func externalAuthority(p *ec2query.Params) *ipam.ExternalAuthority {
	m := p.Struct("ExternalAuthorityConfiguration", "Type", "ExternalResourceIdentifier")
	if m == nil {
		return nil
	}
	return &ipam.ExternalAuthority{Type: m["Type"], ExternalResourceIdentifier: m["ExternalResourceIdentifier"]}
}
