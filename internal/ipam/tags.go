package ipam

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
)

func invalidID(id string) *Error {
	return errorf(CodeInvalidID, "The ID '%s' is not valid: ipamd tags IPAM, scope, pool, pool allocation, VPC and subnet IDs.", echo(id))
}

// taggable is one IPAM resource kind that carries user tags.
type taggable struct {
	kind     string // DescribeTags resource-type
	prefix   string
	notFound func(string) *Error
}

// Ordered longest prefix first: "ipam-pool-alloc-" must win over "ipam-pool-".
var taggables = []taggable{
	{"ipam-pool-allocation", "ipam-pool-alloc-", allocationNotFound},
	{"ipam-pool", "ipam-pool-", poolNotFound},
	{"ipam-scope", "ipam-scope-", scopeNotFound},
	{"ipam", "ipam-", ipamNotFound},
	{"subnet", "subnet-", subnetNotFound},
	{"vpc", "vpc-", vpcNotFound},
}

var hexID = regexp.MustCompile(`^[0-9a-f]{8,64}$`)

// kindOf tells which resource an id names, refusing ids of resources that
// are not IPAM resources or carry no tags here.
func kindOf(id string) (taggable, error) {
	// Pool CIDRs and resource discoveries have ids under the prefixes below
	// but carry no tags here.
	for _, p := range []string{"ipam-pool-cidr-", "ipam-res-disco-", "vpc-cidr-assoc-", "subnet-cidr-assoc-"} {
		if strings.HasPrefix(id, p) {
			return taggable{}, invalidID(id)
		}
	}
	for _, t := range taggables {
		if rest, ok := strings.CutPrefix(id, t.prefix); ok {
			if !hexID.MatchString(rest) {
				return t, t.notFound(id)
			}
			return t, nil
		}
	}
	return taggable{}, invalidID(id)
}

// retag applies change to the tags of each resource, all or nothing.
func (s *Service) retag(ctx context.Context, c Caller, ids []string, dryRun bool, change func([]Tag) ([]Tag, error)) error {
	if len(ids) == 0 {
		return errorf(CodeMissingParameter, "The request must contain the parameter ResourceId")
	}
	return s.update(ctx, func(tx Tx, _ *op) error {
		type write func() error
		var writes []write
		for _, id := range ids {
			t, err := kindOf(id)
			if err != nil {
				return err
			}
			switch t.kind {
			case "ipam":
				x, err := s.getIPAM(tx, c, id)
				if err != nil {
					return err
				}
				if x.Tags, err = change(x.Tags); err != nil {
					return err
				}
				writes = append(writes, func() error { return tx.UpdateIPAM(x) })
			case "ipam-scope":
				x, err := tx.GetScope(c.AccountID, id)
				if errors.Is(err, ErrNotFound) {
					return scopeNotFound(id)
				} else if err != nil {
					return err
				}
				if x.Tags, err = change(x.Tags); err != nil {
					return err
				}
				writes = append(writes, func() error { return tx.UpdateScope(x) })
			case "ipam-pool":
				// Locked: the row carries the pool's space version, which an
				// unlocked read-modify-write could move backwards.
				x, err := s.lockPool(tx, c, id)
				if err != nil {
					return err
				}
				if x.Tags, err = change(x.Tags); err != nil {
					return err
				}
				writes = append(writes, func() error { return tx.UpdatePool(x) })
			case "vpc":
				x, err := tx.LockVPC(c.AccountID, id)
				if err != nil {
					return notFoundAs(err, vpcNotFound(id))
				}
				if x.Tags, err = change(x.Tags); err != nil {
					return err
				}
				writes = append(writes, func() error { return tx.UpdateVPC(x) })
			case "subnet":
				x, err := lockSubnet(tx, c, id)
				if err != nil {
					return err
				}
				if x.Tags, err = change(x.Tags); err != nil {
					return err
				}
				writes = append(writes, func() error { return tx.UpdateSubnet(x) })
			case "ipam-pool-allocation":
				x, err := s.getAllocation(tx, c, id)
				if err != nil {
					return err
				}
				if x.Tags, err = change(x.Tags); err != nil {
					return err
				}
				writes = append(writes, func() error { return tx.UpdateAllocation(x) })
			}
		}
		if dryRun {
			return errDryRun
		}
		for _, w := range writes {
			if err := w(); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateTags adds or overwrites tags on IPAM resources.
func (s *Service) CreateTags(ctx context.Context, c Caller, in CreateTagsInput) error {
	if len(in.Tags) == 0 {
		return errorf(CodeMissingParameter, "The request must contain the parameter Tag")
	}
	for _, t := range in.Tags {
		if err := validateTag(t); err != nil {
			return err
		}
	}
	return s.retag(ctx, c, in.ResourceIDs, in.DryRun, func(tags []Tag) ([]Tag, error) {
		return mergeTags(tags, in.Tags)
	})
}

// DeleteTags removes tags: a key alone removes it whatever its value, a key
// with a value only when the value matches, no tags at all removes every tag.
func (s *Service) DeleteTags(ctx context.Context, c Caller, in DeleteTagsInput) error {
	for _, t := range in.Tags {
		if t.Key == "" {
			return invalidValue("Tag keys must not be empty.")
		}
	}
	return s.retag(ctx, c, in.ResourceIDs, in.DryRun, func(tags []Tag) ([]Tag, error) {
		if len(in.Tags) == 0 {
			return nil, nil
		}
		return slices.DeleteFunc(tags, func(t Tag) bool {
			for _, d := range in.Tags {
				if d.Key == t.Key && (d.Value == nil || *d.Value == t.Value) {
					return true
				}
			}
			return false
		}), nil
	})
}

var tagFields = fields[*TagDescription]{
	"key":           func(t *TagDescription) []string { return []string{t.Key} },
	"value":         func(t *TagDescription) []string { return []string{t.Value} },
	"resource-id":   func(t *TagDescription) []string { return []string{t.ResourceID} },
	"resource-type": func(t *TagDescription) []string { return []string{t.ResourceType} },
}

// DescribeTags lists the tags of the caller's IPAM resources.
func (s *Service) DescribeTags(ctx context.Context, c Caller, in DescribeTagsInput) ([]*TagDescription, string, error) {
	match, err := compileFilters(in.Filters, tagFields, nil)
	if err != nil {
		return nil, "", err
	}
	var all []*TagDescription
	add := func(id, kind string, tags []Tag) {
		for _, t := range tags {
			if d := (&TagDescription{ResourceID: id, ResourceType: kind, Key: t.Key, Value: t.Value}); match(d) {
				all = append(all, d)
			}
		}
	}
	err = s.view(ctx, func(tx Tx) error {
		ipams, err := tx.ListIPAMs(c.AccountID)
		if err != nil {
			return err
		}
		for _, x := range ipams {
			add(x.ID, "ipam", x.Tags)
		}
		scopes, err := tx.ListScopes(c.AccountID)
		if err != nil {
			return err
		}
		for _, x := range scopes {
			add(x.ID, "ipam-scope", x.Tags)
		}
		pools, err := tx.ListPools(c.AccountID)
		if err != nil {
			return err
		}
		for _, x := range pools {
			add(x.ID, "ipam-pool", x.Tags)
		}
		allocs, err := tx.ListAllocations(AllocationQuery{OwnerID: c.AccountID})
		if err != nil {
			return err
		}
		for _, x := range allocs {
			add(x.ID, "ipam-pool-allocation", x.Tags)
		}
		vpcs, err := tx.ListVPCs(ResourceQuery{OwnerID: c.AccountID})
		if err != nil {
			return err
		}
		for _, x := range vpcs {
			add(x.ID, "vpc", x.Tags)
		}
		subnets, err := tx.ListSubnets(ResourceQuery{OwnerID: c.AccountID})
		if err != nil {
			return err
		}
		for _, x := range subnets {
			add(x.ID, "subnet", x.Tags)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if in.DryRun {
		return nil, "", errDryRun
	}
	slices.SortFunc(all, func(a, b *TagDescription) int {
		return strings.Compare(a.ResourceID+"\x00"+a.Key, b.ResourceID+"\x00"+b.Key)
	})
	return page(s, ctx, "DescribeTags", c.AccountID, all, func(t *TagDescription) string { return t.ResourceID + "\x00" + t.Key }, in.Page, describeLimits)
}
