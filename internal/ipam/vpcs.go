package ipam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Lock order: pools before VPCs, always (IPv4 pools before IPv6 ones, then
// by id). A VPC's or subnet's pool allocation is made under the pool's lock
// and the VPC is read (ShareVPC, LockVPC) after it; DeleteVpc and
// DisassociateVpcCidrBlock learn the VPC's pools from an unlocked read,
// lock them, and only then lock the VPC.

func vpcNotFound(id string) *Error {
	if malformedID(id, "vpc-") {
		return malformed(CodeVpcIDMalformed, "vpc", id, "vpc-")
	}
	return errorf(CodeVpcNotFound, "The vpc ID '%s' does not exist", echo(id))
}

func vpcAssociationNotFound(id string) *Error {
	return errorf(CodeVpcAssociationNotFound, "The vpc CIDR block association ID '%s' does not exist", echo(id))
}

func missing(name string) *Error {
	return errorf(CodeMissingParameter, "The request must contain the parameter %s", name)
}

// notFoundAs turns a store's ErrNotFound into the operation's own error.
func notFoundAs(err error, nf *Error) error {
	if errors.Is(err, ErrNotFound) {
		return nf
	}
	return err
}

// newVPC is a VPC of the caller with its default companions.
func (s *Service) newVPC(c Caller, tenancy string, tags []Tag) *VPC {
	return &VPC{
		ID: s.ids.next("vpc-"), OwnerID: c.AccountID, Region: s.region, State: VPCAvailable,
		InstanceTenancy: tenancy, DhcpOptionsID: defaultDhcpOptionsID(c.AccountID, s.region),
		NetworkAclID: newID("acl-", 16), RouteTableID: newID("rtb-", 16),
		RouteTableAssocID: newID("rtbassoc-", 16), SecurityGroupID: newID("sg-", 16),
		EnableDNSSupport: true, Tags: tags, BlockPublicAccessState: "off",
	}
}

// defaultDhcpOptionsID is the account's default DHCP options set in the
// Region: the same id for every VPC, as on AWS.
func defaultDhcpOptionsID(account, region string) string {
	sum := sha256.Sum256([]byte(account + "/" + region))
	return "dopt-0" + hex.EncodeToString(sum[:])[:16]
}

// vpcBlock is the association a block becomes; a is its allocation (nil
// for an explicit block).
func (s *Service) vpcBlock(prefix netip.Prefix, a *Allocation, p *Pool, region string) VPCCIDR {
	b := VPCCIDR{AssociationID: s.ids.next("vpc-cidr-assoc-"), CIDR: prefix, State: AssocAssociated}
	if a != nil {
		b.PoolID, b.AllocationID = a.PoolID, a.ID
	}
	if prefix.Addr().Is6() {
		b.NetworkBorderGroup, b.AddressAttribute, b.IPSource = region, "private", "none"
		if p != nil && p.ScopeType == "public" {
			b.AddressAttribute, b.IPSource = "public", "byoip"
		}
	}
	return b
}

// CreateVpc creates a VPC with an explicit IPv4 block or one from an IPv4
// pool, and optionally an IPv6 block from an IPv6 pool. A VPC and its pool
// allocations commit together; a VPC with one pooled block is made in the
// pool's allocation batches.
func (s *Service) CreateVpc(ctx context.Context, c Caller, in CreateVpcInput) (*VPC, error) {
	blocks, err := vpcBlocks(in.VpcCidrParams, true, s.region)
	if err != nil {
		return nil, err
	}
	if in.EncryptionControl {
		return nil, errorf(CodeUnsupported, "VpcEncryptionControl is not supported: ipamd carries no traffic.")
	}
	tenancy := deref(in.InstanceTenancy, "default")
	if err := oneOf(&tenancy, "InstanceTenancy", "default", "dedicated"); err != nil {
		return nil, err
	}
	tags, err := tagsFromSpecs(in.TagSpecifications, "vpc")
	if err != nil {
		return nil, err
	}
	v := s.newVPC(c, tenancy, tags)
	var pooled []blockRequest
	for _, b := range blocks {
		if b.pooled() {
			pooled = append(pooled, b)
		} else {
			v.CIDRs = append(v.CIDRs, s.vpcBlock(b.prefix, nil, nil, s.region))
		}
	}
	explicit := slices.Clip(v.CIDRs)
	noCheck := func(Tx, *Pool) ([]netip.Prefix, error) { return nil, nil }
	if len(pooled) == 1 {
		// A transaction that fails runs again: commit starts from the
		// explicit blocks each time.
		err := s.allocateForResource(ctx, c, pooled[0], in.DryRun, s.vpcUse(v, pooled[0].family, noCheck, func(tx Tx, a *Allocation, p *Pool) error {
			v.CIDRs = append(explicit, s.vpcBlock(a.CIDR, a, p, s.region))
			return tx.InsertVPC(v)
		}))
		if err != nil {
			return nil, err
		}
		return v, nil
	}
	err = s.update(ctx, func(tx Tx, o *op) error {
		v.CIDRs = explicit
		for _, b := range pooled {
			use := s.vpcUse(v, b.family, noCheck, nil)
			a, err := s.allocateIn(tx, o, c, allocInput(b, in.DryRun), nil, &use.resourceUse)
			if err != nil {
				return err
			}
			v.CIDRs = append(v.CIDRs, s.vpcBlock(a.CIDR, a, use.pool, s.region))
		}
		if in.DryRun {
			return errDryRun
		}
		return tx.InsertVPC(v)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// allocInput is the allocation request of a pooled block.
func allocInput(b blockRequest, dryRun bool) AllocateIpamPoolCidrInput {
	return AllocateIpamPoolCidrInput{PoolID: b.poolID, NetmaskLength: b.bits, DryRun: dryRun}
}

// vpcUse is how a VPC takes a block from a pool: check adds the
// operation's own checks (after the pool's), commit writes the VPC.
func (s *Service) vpcUse(v *VPC, family string, check func(Tx, *Pool) ([]netip.Prefix, error), commit func(Tx, *Allocation, *Pool) error) *boundUse {
	u := &boundUse{}
	u.resourceUse = resourceUse{typ: ResourceVPC, id: v.ID, region: v.Region, family: family, sizes: vpcSizes, what: "VPC", tags: v.Tags,
		check: func(tx Tx, _ *op, p *Pool) ([]netip.Prefix, error) {
			if err := checkVPCPool(p, family, v.Region); err != nil {
				return nil, err
			}
			u.pool = p
			return check(tx, p)
		},
		// The owner's IPAMs (for the VPC's monitoring rows) come with the
		// pool's lock: one round trip less under it on PostgreSQL.
		read: &SubnetRead{Owner: v.OwnerID}}
	if commit != nil {
		u.commit = func(tx Tx, a *Allocation) error { return commit(tx, a, u.pool) }
	}
	return u
}

// boundUse is a resourceUse that remembers the pool it was admitted from.
type boundUse struct {
	resourceUse
	pool *Pool
}

// allocateForResource makes one pooled block in the pool's allocation
// batch: the resource is written by use.commit in the same transaction.
func (s *Service) allocateForResource(ctx context.Context, c Caller, b blockRequest, dryRun bool, use *boundUse) error {
	j := &allocJob{ctx: ctx, c: c, in: allocInput(b, dryRun), res: &use.resourceUse, wake: make(chan bool, 1)}
	s.allocs.do(b.poolID, j, s.runAllocations)
	return j.err
}

// getVPC reads one of the caller's VPCs.
func getVPC(tx Tx, c Caller, id string) (*VPC, error) {
	if id == "" {
		return nil, missing("VpcId")
	}
	v, err := tx.GetVPC(c.AccountID, id)
	return v, notFoundAs(err, vpcNotFound(id))
}

// DeleteVpc deletes a VPC that has no subnets and no resource planning
// pools, giving its pooled blocks back to their pools in the same
// transaction: the space is free again the moment the call returns.
func (s *Service) DeleteVpc(ctx context.Context, c Caller, in DeleteVpcInput) error {
	return s.update(ctx, func(tx Tx, o *op) error {
		v, err := getVPC(tx, c, in.VpcID)
		if err != nil {
			return err
		}
		pools, err := s.lockVPCPools(tx, o, c, v.CIDRs)
		if err != nil {
			return err
		}
		if v, err = lockVPCWithPools(tx, c, v.ID, pools); err != nil {
			return err
		}
		subnets, err := tx.ListSubnets(ResourceQuery{OwnerID: c.AccountID, VpcIDs: []string{v.ID}, Limit: 1})
		if err != nil {
			return err
		}
		switch {
		case len(subnets) > 0:
			return errorf(CodeDependencyViolation, "The vpc '%s' has dependencies and cannot be deleted: subnet %s is in it.", v.ID, subnets[0].ID)
		case v.PlanningPools > 0:
			return errorf(CodeDependencyViolation, "The vpc '%s' has dependencies and cannot be deleted: it is the source resource of %d IPAM resource planning pool(s).", v.ID, v.PlanningPools)
		case in.DryRun:
			return errDryRun
		}
		for _, b := range v.CIDRs {
			if err := s.releaseBlock(tx, o, pools[b.PoolID], b.AllocationID); err != nil {
				return err
			}
		}
		return tx.DeleteVPC(v.ID)
	})
}

// poolRef names a pool that backs a block of a resource.
type poolRef struct {
	v6 bool
	id string
}

func vpcPoolRefs(blocks []VPCCIDR) []poolRef {
	var refs []poolRef
	for _, b := range blocks {
		if b.PoolID != "" {
			refs = append(refs, poolRef{b.IPv6(), b.PoolID})
		}
	}
	return refs
}

// lockVPCPools locks the pools that back a VPC's blocks.
func (s *Service) lockVPCPools(tx Tx, o *op, c Caller, blocks []VPCCIDR) (map[string]*Pool, error) {
	return s.lockPools(tx, o, c, vpcPoolRefs(blocks))
}

// lockPools locks pools in the lock order: IPv4 pools first, then by id. A
// pool that is gone (deleted with Cascade) is left out.
func (s *Service) lockPools(tx Tx, o *op, c Caller, refs []poolRef) (map[string]*Pool, error) {
	refs = slices.Clone(refs)
	slices.SortFunc(refs, func(x, y poolRef) int {
		if d := boolCmp(x.v6, y.v6); d != 0 {
			return d
		}
		return strings.Compare(x.id, y.id)
	})
	refs = slices.Compact(refs)
	pools := map[string]*Pool{}
	for _, r := range refs {
		p, err := o.lockPool(tx, c, r.id)
		var de *Error
		if errors.As(err, &de) && de.Code == CodePoolNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		pools[r.id] = p
	}
	return pools, nil
}

// errVPCPoolsMoved makes Service.update run a transaction again: the VPC
// gained a pooled block between the unlocked read that chose which pools
// to lock and the VPC's lock.
var errVPCPoolsMoved = fmt.Errorf("vpc: pools changed before the lock: %w", ErrConflict)

// lockVPCWithPools locks the VPC once its pools are locked, and checks that
// it has no pooled block whose pool was not.
func lockVPCWithPools(tx Tx, c Caller, id string, pools map[string]*Pool) (*VPC, error) {
	v, err := tx.LockVPC(c.AccountID, id)
	if err != nil {
		return nil, notFoundAs(err, vpcNotFound(id))
	}
	for _, b := range v.CIDRs {
		if _, ok := pools[b.PoolID]; b.PoolID != "" && !ok {
			if _, err := tx.GetPool(c.AccountID, b.PoolID); errors.Is(err, ErrNotFound) {
				continue // gone with its allocations: nothing to give back
			}
			return nil, errVPCPoolsMoved
		}
	}
	return v, nil
}

// releaseBlock gives a resource's allocation back to its locked pool p. A
// pool or allocation already gone (DeleteIpamPool with Cascade) has nothing
// to give back.
func (s *Service) releaseBlock(tx Tx, o *op, p *Pool, allocID string) error {
	if p == nil || allocID == "" {
		return nil
	}
	a, err := tx.GetAllocation(allocID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := o.space(tx, p); err != nil {
		return err
	}
	if err := o.free(p, a.CIDR); err != nil {
		return err
	}
	if err := tx.DeleteAllocation(a.ID); err != nil {
		return err
	}
	return o.bump(tx, p)
}
