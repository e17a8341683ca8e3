// Package monitor proves IPAM monitoring end to end through the
// aws-sdk-go-v2 EC2 client: resource CIDRs with their management,
// compliance and overlap status, ModifyIpamResourceCidr, and the exact
// address history, on SQLite and PostgreSQL.
package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/sigv4"
	"github.com/ipamd/ipamd/internal/store/postgres"
	"github.com/ipamd/ipamd/internal/testserver"
)

var (
	ctx     = context.Background()
	wantErr = testserver.WantErr
	must    = testserver.Must
)

// eachStore runs body on SQLite and, unless IPAMD_TEST_DATABASE_URL is
// empty, on a fresh PostgreSQL database.
func eachStore(t *testing.T, body func(t *testing.T, opts testserver.Options)) {
	t.Run("sqlite", func(t *testing.T) { body(t, testserver.Options{}) })
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), testserver.NewDatabase(t, "ipamd_monitor").String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		body(t, testserver.Options{Store: st})
	})
}

type env struct {
	t         *testing.T
	c         *ec2.Client
	ipam      string
	priv, pub string
}

func newEnv(t *testing.T, opts testserver.Options) *env {
	t.Helper()
	srv := testserver.Start(t, opts)
	e := &env{t: t, c: srv.Client()}
	out, err := e.c.CreateIpam(ctx, &ec2.CreateIpamInput{})
	must(t, err)
	e.ipam, e.priv, e.pub = *out.Ipam.IpamId, *out.Ipam.PrivateDefaultScopeId, *out.Ipam.PublicDefaultScopeId
	return e
}

func (e *env) pool(cidr string, mods ...func(*ec2.CreateIpamPoolInput)) string {
	e.t.Helper()
	in := &ec2.CreateIpamPoolInput{IpamScopeId: aws.String(e.priv), AddressFamily: types.AddressFamilyIpv4, Locale: aws.String("us-east-1")}
	for _, m := range mods {
		m(in)
	}
	out, err := e.c.CreateIpamPool(ctx, in)
	must(e.t, err)
	id := *out.IpamPool.IpamPoolId
	_, err = e.c.ProvisionIpamPoolCidr(ctx, &ec2.ProvisionIpamPoolCidrInput{IpamPoolId: aws.String(id), Cidr: aws.String(cidr)})
	must(e.t, err)
	return id
}

func (e *env) vpcFrom(pool string, bits int32) string {
	e.t.Helper()
	out, err := e.c.CreateVpc(ctx, &ec2.CreateVpcInput{Ipv4IpamPoolId: aws.String(pool), Ipv4NetmaskLength: aws.Int32(bits)})
	must(e.t, err)
	return *out.Vpc.VpcId
}

func (e *env) vpc(cidr string, tags ...types.Tag) string {
	e.t.Helper()
	in := &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)}
	if len(tags) > 0 {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: tags}}
	}
	out, err := e.c.CreateVpc(ctx, in)
	must(e.t, err)
	return *out.Vpc.VpcId
}

func (e *env) subnet(vpc, cidr string) string {
	e.t.Helper()
	out, err := e.c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr)})
	must(e.t, err)
	return *out.Subnet.SubnetId
}

// cidrs lists the private scope's resource CIDRs as "id cidr management
// compliance overlap usage", in the server's order.
func (e *env) cidrs(in *ec2.GetIpamResourceCidrsInput) []string {
	e.t.Helper()
	if in == nil {
		in = &ec2.GetIpamResourceCidrsInput{}
	}
	if in.IpamScopeId == nil {
		in.IpamScopeId = aws.String(e.priv)
	}
	var got []string
	p := ec2.NewGetIpamResourceCidrsPaginator(e.c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		must(e.t, err)
		for _, r := range out.IpamResourceCidrs {
			got = append(got, fmt.Sprintf("%s %s %s %s %s %g", *r.ResourceId, *r.ResourceCidr, r.ManagementState,
				r.ComplianceStatus, r.OverlapStatus, aws.ToFloat64(r.IpUsage)))
		}
	}
	return got
}

// statusOf is the "management compliance overlap" of id's cidr.
func (e *env) statusOf(id, cidr string) string {
	e.t.Helper()
	for _, line := range e.cidrs(&ec2.GetIpamResourceCidrsInput{ResourceId: aws.String(id)}) {
		f := strings.Fields(line)
		if f[1] == cidr {
			return strings.Join(f[2:5], " ")
		}
	}
	return "absent"
}

func wantStatus(t *testing.T, e *env, id, cidr, want string) {
	t.Helper()
	if got := e.statusOf(id, cidr); got != want {
		t.Fatalf("%s %s: status %q, want %q", id, cidr, got, want)
	}
}

func TestResourceCidrs(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		pool := e.pool("10.0.0.0/8")
		a := e.vpcFrom(pool, 16) // 10.0.0.0/16, managed
		wantStatus(t, e, a, "10.0.0.0/16", "managed compliant nonoverlapping")

		// A VPC that no pool handed out, overlapping a: both overlap.
		b := e.vpc("10.0.128.0/17")
		wantStatus(t, e, b, "10.0.128.0/17", "unmanaged unmanaged overlapping")
		wantStatus(t, e, a, "10.0.0.0/16", "managed compliant overlapping")

		// A subnet lies in its own VPC: no overlap with it; it does overlap a.
		sb := e.subnet(b, "10.0.128.0/24")
		wantStatus(t, e, sb, "10.0.128.0/24", "unmanaged unmanaged overlapping")
		// a VPC's IpUsage is the share its subnets cover.
		e.subnet(b, "10.0.129.0/24")
		got := e.cidrs(&ec2.GetIpamResourceCidrsInput{ResourceId: aws.String(b)})
		if len(got) != 1 || !strings.HasSuffix(got[0], " 0.015625") {
			t.Fatalf("IpUsage of b after two /24 of a /17: %q", got)
		}

		// Narrowing the pool's rules makes a noncompliant at once.
		_, err := e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String(pool), AllocationMinNetmaskLength: aws.Int32(20)})
		must(t, err)
		wantStatus(t, e, a, "10.0.0.0/16", "managed noncompliant overlapping")
		_, err = e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String(pool), AllocationMinNetmaskLength: aws.Int32(8)})
		must(t, err)
		wantStatus(t, e, a, "10.0.0.0/16", "managed compliant overlapping")
		// A required resource tag a lacks, then a tag on a.
		_, err = e.c.ModifyIpamPool(ctx, &ec2.ModifyIpamPoolInput{IpamPoolId: aws.String(pool),
			AddAllocationResourceTags: []types.RequestIpamResourceTag{{Key: aws.String("team"), Value: aws.String("net")}}})
		must(t, err)
		wantStatus(t, e, a, "10.0.0.0/16", "managed noncompliant overlapping")
		_, err = e.c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{a}, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("net")}}})
		must(t, err)
		wantStatus(t, e, a, "10.0.0.0/16", "managed compliant overlapping")

		// Deleting b and its subnets ends the overlap.
		for _, line := range e.cidrs(&ec2.GetIpamResourceCidrsInput{ResourceType: types.IpamResourceTypeSubnet}) {
			_, err := e.c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(strings.Fields(line)[0])})
			must(t, err)
		}
		_, err = e.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(b)})
		must(t, err)
		wantStatus(t, e, a, "10.0.0.0/16", "managed compliant nonoverlapping")
		wantStatus(t, e, b, "10.0.128.0/17", "absent")

		// The pool filter, the top-level parameters and Filters.
		if got := e.cidrs(&ec2.GetIpamResourceCidrsInput{IpamPoolId: aws.String(pool)}); len(got) != 1 || !strings.HasPrefix(got[0], a) {
			t.Fatalf("IpamPoolId: %q", got)
		}
		if got := e.cidrs(&ec2.GetIpamResourceCidrsInput{Filters: []types.Filter{{Name: aws.String("management-state"), Values: []string{"unmanaged"}}}}); len(got) != 0 {
			t.Fatalf("management-state=unmanaged: %q", got)
		}
		if got := e.cidrs(&ec2.GetIpamResourceCidrsInput{ResourceTag: &types.RequestIpamResourceTag{Key: aws.String("team"), Value: aws.String("net")}}); len(got) != 1 {
			t.Fatalf("ResourceTag team=net: %q", got)
		}
		if got := e.cidrs(&ec2.GetIpamResourceCidrsInput{ResourceOwner: aws.String("999999999999")}); len(got) != 0 {
			t.Fatalf("ResourceOwner of another account: %q", got)
		}
	})
}

func TestResourceCidrsPaging(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		v := e.vpc("10.1.0.0/16")
		for i := range 11 {
			e.subnet(v, fmt.Sprintf("10.1.%d.0/24", i))
		}
		all := e.cidrs(nil)
		if len(all) != 12 {
			t.Fatalf("%d resource cidrs, want 12: %q", len(all), all)
		}
		var paged []string
		pages := 0
		p := ec2.NewGetIpamResourceCidrsPaginator(e.c, &ec2.GetIpamResourceCidrsInput{IpamScopeId: aws.String(e.priv), MaxResults: aws.Int32(5)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			must(t, err)
			pages++
			for _, r := range out.IpamResourceCidrs {
				paged = append(paged, *r.ResourceId+" "+*r.ResourceCidr)
			}
		}
		if pages != 3 || len(paged) != 12 {
			t.Fatalf("%d pages, %d items", pages, len(paged))
		}
		for i, line := range all {
			if !strings.HasPrefix(line, paged[i]+" ") {
				t.Fatalf("page order differs at %d: %q vs %q", i, paged[i], line)
			}
		}
		if got := e.cidrs(&ec2.GetIpamResourceCidrsInput{Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{v}},
			{Name: aws.String("resource-type"), Values: []string{"vpc"}}}}); len(got) != 1 {
			t.Fatalf("vpc-id + resource-type=vpc: %q", got)
		}
	})
}

func TestModifyIpamResourceCidr(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		a := e.vpc("10.2.0.0/16")
		b := e.vpc("10.2.0.0/20")
		wantStatus(t, e, a, "10.2.0.0/16", "unmanaged unmanaged overlapping")

		out, err := e.c.ModifyIpamResourceCidr(ctx, &ec2.ModifyIpamResourceCidrInput{
			ResourceId: aws.String(b), ResourceCidr: aws.String("10.2.0.0/20"), ResourceRegion: aws.String("us-east-1"),
			CurrentIpamScopeId: aws.String(e.priv), Monitored: aws.Bool(false)})
		must(t, err)
		if r := out.IpamResourceCidr; r.ManagementState != types.IpamManagementStateIgnored || r.OverlapStatus != types.IpamOverlapStatusIgnored {
			t.Fatalf("ignored: %+v", r)
		}
		wantStatus(t, e, a, "10.2.0.0/16", "unmanaged unmanaged nonoverlapping")
		_, err = e.c.ModifyIpamResourceCidr(ctx, &ec2.ModifyIpamResourceCidrInput{
			ResourceId: aws.String(b), ResourceCidr: aws.String("10.2.0.0/20"), ResourceRegion: aws.String("us-east-1"),
			CurrentIpamScopeId: aws.String(e.priv), Monitored: aws.Bool(true)})
		must(t, err)
		wantStatus(t, e, a, "10.2.0.0/16", "unmanaged unmanaged overlapping")

		// Moving b to another private scope ends the overlap in this one.
		sc, err := e.c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(e.ipam)})
		must(t, err)
		other := *sc.IpamScope.IpamScopeId
		out, err = e.c.ModifyIpamResourceCidr(ctx, &ec2.ModifyIpamResourceCidrInput{
			ResourceId: aws.String(b), ResourceCidr: aws.String("10.2.0.0/20"), ResourceRegion: aws.String("us-east-1"),
			CurrentIpamScopeId: aws.String(e.priv), DestinationIpamScopeId: aws.String(other), Monitored: aws.Bool(true)})
		must(t, err)
		if *out.IpamResourceCidr.IpamScopeId != other {
			t.Fatalf("moved to %s", *out.IpamResourceCidr.IpamScopeId)
		}
		wantStatus(t, e, a, "10.2.0.0/16", "unmanaged unmanaged nonoverlapping")
		moved := e.cidrs(&ec2.GetIpamResourceCidrsInput{IpamScopeId: aws.String(other)})
		if len(moved) != 1 || !strings.HasPrefix(moved[0], b+" 10.2.0.0/20 unmanaged") {
			t.Fatalf("other scope: %q", moved)
		}
		// A tag change keeps it where it was moved.
		_, err = e.c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{b}, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("bee")}}})
		must(t, err)
		if moved := e.cidrs(&ec2.GetIpamResourceCidrsInput{IpamScopeId: aws.String(other)}); len(moved) != 1 {
			t.Fatalf("other scope after a tag: %q", moved)
		}

		// Bad input changes nothing.
		_, err = e.c.ModifyIpamResourceCidr(ctx, &ec2.ModifyIpamResourceCidrInput{
			ResourceId: aws.String(a), ResourceCidr: aws.String("10.9.0.0/16"), ResourceRegion: aws.String("us-east-1"),
			CurrentIpamScopeId: aws.String(e.priv), Monitored: aws.Bool(false)})
		wantErr(t, err, "InvalidParameterValue")
		_, err = e.c.ModifyIpamResourceCidr(ctx, &ec2.ModifyIpamResourceCidrInput{
			ResourceId: aws.String(a), ResourceCidr: aws.String("10.2.0.0/16"), ResourceRegion: aws.String("us-east-1"),
			CurrentIpamScopeId: aws.String("ipam-scope-0123456789abcdef0"), Monitored: aws.Bool(false)})
		wantErr(t, err, "InvalidIpamScopeId.NotFound")
		wantStatus(t, e, a, "10.2.0.0/16", "unmanaged unmanaged nonoverlapping")
	})
}

// history lists the records of cidr as "id start-end overlap".
func (e *env) history(in *ec2.GetIpamAddressHistoryInput) []types.IpamAddressHistoryRecord {
	e.t.Helper()
	if in.IpamScopeId == nil {
		in.IpamScopeId = aws.String(e.priv)
	}
	var got []types.IpamAddressHistoryRecord
	p := ec2.NewGetIpamAddressHistoryPaginator(e.c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		must(e.t, err)
		got = append(got, out.HistoryRecords...)
	}
	return got
}

// A CIDR that passed through three VPCs gives three records, in order,
// each with its owner and times; the last is still open.
func TestAddressHistoryTimeTravel(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		begin := time.Now().Add(-time.Second)
		var ids []string
		var marks []time.Time
		for i := range 3 {
			id := e.vpc("10.3.0.0/16", types.Tag{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("v%d", i))})
			ids = append(ids, id)
			time.Sleep(20 * time.Millisecond)
			marks = append(marks, time.Now())
			if i < 2 {
				_, err := e.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)})
				must(t, err)
			}
		}
		recs := e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.3.0.0/16"), StartTime: aws.Time(begin), MaxResults: aws.Int32(1)})
		if len(recs) != 3 {
			t.Fatalf("%d records, want 3", len(recs))
		}
		for i, r := range recs {
			if *r.ResourceId != ids[i] || *r.ResourceOwnerId != "000000000000" || r.ResourceType != types.IpamAddressHistoryResourceTypeVpc ||
				*r.VpcId != ids[i] || *r.ResourceName != fmt.Sprintf("v%d", i) || *r.ResourceCidr != "10.3.0.0/16" ||
				r.ResourceComplianceStatus != types.IpamComplianceStatusUnmanaged || r.ResourceOverlapStatus != types.IpamOverlapStatusNonoverlapping {
				t.Fatalf("record %d: %+v", i, r)
			}
			if r.SampledStartTime.After(marks[i]) || (i > 0 && r.SampledStartTime.Before(*recs[i-1].SampledEndTime)) {
				t.Fatalf("record %d starts %v", i, r.SampledStartTime)
			}
			if i < 2 && (r.SampledEndTime == nil || r.SampledEndTime.Before(marks[i].Truncate(time.Millisecond))) {
				t.Fatalf("record %d ends %v", i, r.SampledEndTime)
			}
		}
		if recs[2].SampledEndTime != nil {
			t.Fatalf("the current holder's record has an end: %v", recs[2].SampledEndTime)
		}
		// A window that only the first span meets; the default window is now.
		if got := e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.3.0.0/16"), StartTime: aws.Time(begin), EndTime: aws.Time(*recs[0].SampledStartTime)}); len(got) != 1 || *got[0].ResourceId != ids[0] {
			t.Fatalf("window on the first span: %+v", got)
		}
		if got := e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.3.0.0/16")}); len(got) != 1 || *got[0].ResourceId != ids[2] {
			t.Fatalf("now: %+v", got)
		}
		if got := e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.3.0.0/16"), StartTime: aws.Time(begin), VpcId: aws.String(ids[1])}); len(got) != 1 || *got[0].ResourceId != ids[1] {
			t.Fatalf("VpcId: %+v", got)
		}
		// Exact match: the /17 inside it has no history.
		if got := e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.3.0.0/17"), StartTime: aws.Time(begin)}); len(got) != 0 {
			t.Fatalf("10.3.0.0/17: %+v", got)
		}
	})
}

// An overlap that begins and ends splits the span into three records.
func TestAddressHistoryOverlapSpans(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		begin := time.Now().Add(-time.Second)
		a := e.vpc("10.4.0.0/16")
		b := e.vpc("10.4.0.0/24")
		_, err := e.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(b)})
		must(t, err)
		recs := e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.4.0.0/16"), StartTime: aws.Time(begin)})
		var got []string
		for _, r := range recs {
			got = append(got, *r.ResourceId+" "+string(r.ResourceOverlapStatus)+fmt.Sprint(r.SampledEndTime == nil))
		}
		want := []string{a + " nonoverlappingfalse", a + " overlappingfalse", a + " nonoverlappingtrue"}
		if !slices.Equal(got, want) {
			t.Fatalf("spans:\n got  %q\n want %q", got, want)
		}
		for i := 1; i < len(recs); i++ {
			if !recs[i].SampledStartTime.Equal(*recs[i-1].SampledEndTime) {
				t.Fatalf("span %d starts %v, the one before ends %v", i, recs[i].SampledStartTime, recs[i-1].SampledEndTime)
			}
		}
	})
}

// A window wider than the years 1678–2262 (where nanoseconds since 1970
// fit an int64) still means "all of it": once, EndTime in 3000 wrapped
// around and found nothing.
func TestAddressHistoryWideWindow(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		e := newEnv(t, opts)
		id := e.vpc("10.6.0.0/16")
		year := func(y int) *time.Time { return aws.Time(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)) }
		for _, w := range []struct{ from, to *time.Time }{
			{year(1970), year(3000)}, {year(1000), year(3000)}, {year(1), year(9999)}, {year(1000), nil},
			{year(2000), year(2263)}, {year(1677), year(2262)},
		} {
			got := e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.6.0.0/16"), StartTime: w.from, EndTime: w.to})
			if len(got) != 1 || *got[0].ResourceId != id {
				t.Errorf("%v to %v: %d records, want the one of %s", w.from, w.to, len(got), id)
			}
		}
		// A window wholly in the past meets no span; one wholly in the
		// future meets the span still open, as any future window does.
		if got := e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.6.0.0/16"), StartTime: year(1000), EndTime: year(1500)}); len(got) != 0 {
			t.Errorf("1000 to 1500: %d records, want none", len(got))
		}
		if got := e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.6.0.0/16"), StartTime: year(2300), EndTime: year(3000)}); len(got) != 1 || got[0].SampledEndTime != nil {
			t.Errorf("2300 to 3000: %d records, want the open one", len(got))
		}
	})
}

func TestMonitoringBadInput(t *testing.T) {
	alice := sigv4.Account{AccessKey: "AKIDALICE", SecretKey: "alice-secret", AccountID: "111111111111"}
	bob := sigv4.Account{AccessKey: "AKIDBOB", SecretKey: "bob-secret", AccountID: "222222222222"}
	srv := testserver.Start(t, testserver.Options{Creds: sigv4.StaticCredentials{alice.AccessKey: alice, bob.AccessKey: bob}})
	a, b := srv.ClientFor(alice.AccessKey, alice.SecretKey), srv.ClientFor(bob.AccessKey, bob.SecretKey)
	out, err := a.CreateIpam(ctx, &ec2.CreateIpamInput{})
	must(t, err)
	scope := out.Ipam.PrivateDefaultScopeId
	_, err = a.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.5.0.0/16")})
	must(t, err)

	_, err = a.GetIpamResourceCidrs(ctx, &ec2.GetIpamResourceCidrsInput{IpamScopeId: scope, MaxResults: aws.Int32(4)})
	wantErr(t, err, "InvalidParameterValue")
	_, err = a.GetIpamResourceCidrs(ctx, &ec2.GetIpamResourceCidrsInput{IpamScopeId: scope, Filters: []types.Filter{{Name: aws.String("bogus"), Values: []string{"x"}}}})
	wantErr(t, err, "InvalidParameterValue")
	_, err = b.GetIpamResourceCidrs(ctx, &ec2.GetIpamResourceCidrsInput{IpamScopeId: scope})
	wantErr(t, err, "InvalidIpamScopeId.NotFound")
	_, err = a.GetIpamResourceCidrs(ctx, &ec2.GetIpamResourceCidrsInput{IpamScopeId: scope, DryRun: aws.Bool(true)})
	wantDryRun(t, err)

	// Missing parameters never leave the SDK (it validates them); the
	// hostile corpus sends them raw (testdata/malformed/monitor.json).
	for _, bad := range []string{"10.5.0.0", "10.5.0.0/33", "nonsense", "10.5.0.1/16"} {
		_, err = a.GetIpamAddressHistory(ctx, &ec2.GetIpamAddressHistoryInput{IpamScopeId: scope, Cidr: aws.String(bad)})
		wantErr(t, err, "InvalidParameterValue")
	}
	now := time.Now()
	_, err = a.GetIpamAddressHistory(ctx, &ec2.GetIpamAddressHistoryInput{IpamScopeId: scope, Cidr: aws.String("10.5.0.0/16"),
		StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))})
	wantErr(t, err, "InvalidParameterValue")
	for _, n := range []int32{0, 1001} {
		_, err = a.GetIpamAddressHistory(ctx, &ec2.GetIpamAddressHistoryInput{IpamScopeId: scope, Cidr: aws.String("10.5.0.0/16"), MaxResults: aws.Int32(n)})
		wantErr(t, err, "InvalidParameterValue")
	}
	_, err = b.GetIpamAddressHistory(ctx, &ec2.GetIpamAddressHistoryInput{IpamScopeId: scope, Cidr: aws.String("10.5.0.0/16")})
	wantErr(t, err, "InvalidIpamScopeId.NotFound")
	_, err = a.GetIpamAddressHistory(ctx, &ec2.GetIpamAddressHistoryInput{IpamScopeId: scope, Cidr: aws.String("10.5.0.0/16"), DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	got, err := a.GetIpamAddressHistory(ctx, &ec2.GetIpamAddressHistoryInput{IpamScopeId: scope, Cidr: aws.String("10.5.0.0/16")})
	must(t, err)
	if len(got.HistoryRecords) != 1 {
		t.Fatalf("history after the refusals: %+v", got.HistoryRecords)
	}
}

func wantDryRun(t *testing.T, err error) {
	t.Helper()
	var ae interface{ ErrorCode() string }
	if !errors.As(err, &ae) || ae.ErrorCode() != "DryRunOperation" {
		t.Fatalf("got %v, want DryRunOperation", err)
	}
}

// Monitoring follows the IPAM's life: an IPAM created after the VPCs sees
// them at once, a deleted scope gives back what was moved to it, a pool
// deleted with Cascade leaves its VPCs unmanaged, and a deleted IPAM takes
// its rows and history with it.
func TestMonitoringLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, opts testserver.Options) {
		srv := testserver.Start(t, opts)
		e := &env{t: t, c: srv.Client()}
		a := e.vpc("10.6.0.0/16")
		e.subnet(a, "10.6.0.0/18")
		b := e.vpc("10.6.0.0/20")

		out, err := e.c.CreateIpam(ctx, &ec2.CreateIpamInput{})
		must(t, err)
		e.ipam, e.priv = *out.Ipam.IpamId, *out.Ipam.PrivateDefaultScopeId
		got := e.cidrs(nil)
		if len(got) != 3 {
			t.Fatalf("after CreateIpam: %q", got)
		}
		wantStatus(t, e, a, "10.6.0.0/16", "unmanaged unmanaged overlapping")
		if line := e.cidrs(&ec2.GetIpamResourceCidrsInput{ResourceId: aws.String(a)}); !strings.HasSuffix(line[0], " 0.25") {
			t.Fatalf("IpUsage of a after CreateIpam: %q", line)
		}

		sc, err := e.c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(e.ipam)})
		must(t, err)
		_, err = e.c.ModifyIpamResourceCidr(ctx, &ec2.ModifyIpamResourceCidrInput{
			ResourceId: aws.String(b), ResourceCidr: aws.String("10.6.0.0/20"), ResourceRegion: aws.String("us-east-1"),
			CurrentIpamScopeId: aws.String(e.priv), DestinationIpamScopeId: sc.IpamScope.IpamScopeId, Monitored: aws.Bool(true)})
		must(t, err)
		wantStatus(t, e, a, "10.6.0.0/16", "unmanaged unmanaged nonoverlapping")
		_, err = e.c.DeleteIpamScope(ctx, &ec2.DeleteIpamScopeInput{IpamScopeId: sc.IpamScope.IpamScopeId})
		must(t, err)
		wantStatus(t, e, b, "10.6.0.0/20", "unmanaged unmanaged overlapping")

		pool := e.pool("10.7.0.0/16")
		c := e.vpcFrom(pool, 24)
		wantStatus(t, e, c, "10.7.0.0/24", "managed compliant nonoverlapping")
		_, err = e.c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: aws.String(pool), Cascade: aws.Bool(true)})
		must(t, err)
		wantStatus(t, e, c, "10.7.0.0/24", "unmanaged unmanaged nonoverlapping")

		_, err = e.c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: aws.String(e.ipam), Cascade: aws.Bool(true)})
		must(t, err)
		out, err = e.c.CreateIpam(ctx, &ec2.CreateIpamInput{})
		must(t, err)
		e.ipam, e.priv = *out.Ipam.IpamId, *out.Ipam.PrivateDefaultScopeId
		if got := e.cidrs(nil); len(got) != 4 {
			t.Fatalf("after a new IPAM: %q", got)
		}
		recs := e.history(&ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.6.0.0/16"), StartTime: aws.Time(time.Unix(0, 0))})
		if len(recs) != 1 || recs[0].ResourceOverlapStatus != types.IpamOverlapStatusOverlapping {
			t.Fatalf("history in the new IPAM starts with it: %+v", recs)
		}
	})
}

// History survives the resource and a restart; pruning drops only what
// ended before the cutoff.
func TestAddressHistoryRestartAndRetention(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	e := &env{t: t, c: srv.Client()}
	out, err := e.c.CreateIpam(ctx, &ec2.CreateIpamInput{})
	must(t, err)
	e.ipam, e.priv = *out.Ipam.IpamId, *out.Ipam.PrivateDefaultScopeId
	gone := e.vpc("10.9.0.0/16")
	_, err = e.c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(gone)})
	must(t, err)
	kept := e.vpc("10.9.0.0/16")
	all := &ec2.GetIpamAddressHistoryInput{Cidr: aws.String("10.9.0.0/16"), StartTime: aws.Time(time.Unix(0, 0))}
	if got := e.history(all); len(got) != 2 {
		t.Fatalf("before the restart: %+v", got)
	}

	srv.Restart(t)
	e.c = srv.Client()
	got := e.history(all)
	if len(got) != 2 || *got[0].ResourceId != gone || *got[1].ResourceId != kept || got[1].SampledEndTime != nil {
		t.Fatalf("after the restart: %+v", got)
	}

	n, err := srv.Service.PruneAddressHistory(ctx, time.Now().Add(-time.Hour))
	must(t, err)
	if n != 0 {
		t.Fatalf("pruning to an hour ago dropped %d records", n)
	}
	n, err = srv.Service.PruneAddressHistory(ctx, time.Now().Add(time.Second))
	must(t, err)
	if n != 1 {
		t.Fatalf("pruning to now dropped %d records, want the ended one", n)
	}
	if got := e.history(all); len(got) != 1 || *got[0].ResourceId != kept {
		t.Fatalf("after pruning: %+v", got)
	}
}
