package core

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ipamd/ipamd/internal/testserver"
)

// TestCreateIpam checks every field of a fresh IPAM (reference §3.1/§3.2)
// in the Create response and on Describe, and its two default scopes.
func TestCreateIpam(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	got := createIpam(t, c, &ec2.CreateIpamInput{
		Description:       aws.String("main ipam"),
		OperatingRegions:  addRegions("us-east-2", "us-west-1"),
		TagSpecifications: tagSpec(types.ResourceTypeIpam, "Name", "main", "env", "prod"),
	})
	id := aws.ToString(got.IpamId)
	if !ipamIDRE.MatchString(id) {
		t.Fatalf("IpamId %q", id)
	}
	check := func(where string, i types.Ipam, state types.IpamState) {
		t.Helper()
		if v := aws.ToString(i.IpamArn); v != "arn:aws:ec2::000000000000:ipam/"+id {
			t.Errorf("%s: IpamArn %q", where, v)
		}
		if v := aws.ToString(i.OwnerId); v != account {
			t.Errorf("%s: OwnerId %q", where, v)
		}
		if v := aws.ToString(i.IpamRegion); v != "us-east-1" {
			t.Errorf("%s: IpamRegion %q", where, v)
		}
		if v := aws.ToInt32(i.ScopeCount); v != 2 {
			t.Errorf("%s: ScopeCount %d", where, v)
		}
		if v := aws.ToString(i.Description); v != "main ipam" {
			t.Errorf("%s: Description %q", where, v)
		}
		if r := regionNames(i.OperatingRegions); !slices.Equal(r, []string{"us-east-2", "us-west-1", "us-east-1"}) {
			t.Errorf("%s: OperatingRegions %v", where, r)
		}
		if i.State != state {
			t.Errorf("%s: State %q, want %q", where, i.State, state)
		}
		if i.Tier != types.IpamTierAdvanced {
			t.Errorf("%s: Tier %q", where, i.Tier)
		}
		if aws.ToBool(i.EnablePrivateGua) || i.EnablePrivateGua == nil {
			t.Errorf("%s: EnablePrivateGua %v", where, i.EnablePrivateGua)
		}
		if i.MeteredAccount != types.IpamMeteredAccountIpamOwner {
			t.Errorf("%s: MeteredAccount %q", where, i.MeteredAccount)
		}
		if tm := tagMap(i.Tags); len(tm) != 2 || tm["Name"] != "main" || tm["env"] != "prod" {
			t.Errorf("%s: Tags %v", where, tm)
		}
		if !scopeIDRE.MatchString(aws.ToString(i.PublicDefaultScopeId)) || !scopeIDRE.MatchString(aws.ToString(i.PrivateDefaultScopeId)) ||
			aws.ToString(i.PublicDefaultScopeId) == aws.ToString(i.PrivateDefaultScopeId) {
			t.Errorf("%s: default scopes %q %q", where, aws.ToString(i.PublicDefaultScopeId), aws.ToString(i.PrivateDefaultScopeId))
		}
		if !discoIDRE.MatchString(aws.ToString(i.DefaultResourceDiscoveryId)) ||
			!assocIDRE.MatchString(aws.ToString(i.DefaultResourceDiscoveryAssociationId)) ||
			aws.ToInt32(i.ResourceDiscoveryAssociationCount) != 1 {
			t.Errorf("%s: resource discovery %q %q %d", where, aws.ToString(i.DefaultResourceDiscoveryId),
				aws.ToString(i.DefaultResourceDiscoveryAssociationId), aws.ToInt32(i.ResourceDiscoveryAssociationCount))
		}
	}
	check("CreateIpam", got, types.IpamStateCreateInProgress)
	desc := describeIpam(t, c, id)
	check("DescribeIpams", desc, types.IpamStateCreateComplete)
	if aws.ToString(desc.PublicDefaultScopeId) != aws.ToString(got.PublicDefaultScopeId) ||
		aws.ToString(desc.PrivateDefaultScopeId) != aws.ToString(got.PrivateDefaultScopeId) ||
		aws.ToString(desc.DefaultResourceDiscoveryId) != aws.ToString(got.DefaultResourceDiscoveryId) {
		t.Errorf("Describe ids differ from Create's")
	}

	scopes := must[*ec2.DescribeIpamScopesOutput](t)(c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{
		Filters: []types.Filter{filter("ipam-id", id)},
	})).IpamScopes
	if len(scopes) != 2 {
		t.Fatalf("%d scopes, want the 2 defaults", len(scopes))
	}
	for _, s := range scopes {
		sid := aws.ToString(s.IpamScopeId)
		want := types.IpamScopeTypePrivate
		if sid == aws.ToString(got.PublicDefaultScopeId) {
			want = types.IpamScopeTypePublic
		} else if sid != aws.ToString(got.PrivateDefaultScopeId) {
			t.Fatalf("unexpected scope %s", sid)
		}
		if s.IpamScopeType != want || !aws.ToBool(s.IsDefault) || aws.ToInt32(s.PoolCount) != 0 ||
			s.State != types.IpamScopeStateCreateComplete || s.Description != nil || len(s.Tags) != 0 ||
			aws.ToString(s.IpamScopeArn) != "arn:aws:ec2::000000000000:ipam-scope/"+sid ||
			aws.ToString(s.IpamArn) != "arn:aws:ec2::000000000000:ipam/"+id ||
			aws.ToString(s.IpamRegion) != "us-east-1" || aws.ToString(s.OwnerId) != account ||
			s.ExternalAuthorityConfiguration != nil {
			t.Errorf("default scope %s: %+v", sid, s)
		}
	}
}

// TestCreateIpamOperatingRegions: the home Region is appended after the
// requested ones (reference §3.2), never duplicated; bad lists are refused.
func TestCreateIpamOperatingRegions(t *testing.T) {
	srv := testserver.Start(t, manyIpams())
	c := newClient(srv.URL)
	for _, tc := range []struct {
		req  []string
		want []string
	}{
		{nil, []string{"us-east-1"}},
		{[]string{"us-west-2"}, []string{"us-west-2", "us-east-1"}},
		{[]string{"us-east-2", "us-west-1"}, []string{"us-east-2", "us-west-1", "us-east-1"}},
		// Home Region already listed: kept where the caller put it (our choice).
		{[]string{"us-east-1", "eu-west-1"}, []string{"us-east-1", "eu-west-1"}},
	} {
		i := createIpam(t, c, &ec2.CreateIpamInput{OperatingRegions: addRegions(tc.req...)})
		if got := regionNames(i.OperatingRegions); !slices.Equal(got, tc.want) {
			t.Errorf("request %v: OperatingRegions %v, want %v", tc.req, got, tc.want)
		}
		if got := regionNames(describeIpam(t, c, aws.ToString(i.IpamId)).OperatingRegions); !slices.Equal(got, tc.want) {
			t.Errorf("request %v: described OperatingRegions %v, want %v", tc.req, got, tc.want)
		}
	}
	_, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{OperatingRegions: addRegions("us-west-2", "us-west-2")})
	wantErr(t, err, "InvalidParameterValue", 400)
	_, err = c.CreateIpam(ctx, &ec2.CreateIpamInput{OperatingRegions: addRegions("not a region")})
	wantErr(t, err, "InvalidParameterValue", 400)
	if n := len(must[*ec2.DescribeIpamsOutput](t)(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{})).Ipams); n != 4 {
		t.Errorf("%d IPAMs after refused creates, want 4", n)
	}
}

// TestCreateIpamOptions: Tier, EnablePrivateGua and MeteredAccount are
// stored and reported; values outside the enums are refused.
func TestCreateIpamOptions(t *testing.T) {
	srv := testserver.Start(t, manyIpams())
	c := newClient(srv.URL)
	i := createIpam(t, c, &ec2.CreateIpamInput{Tier: types.IpamTierFree, EnablePrivateGua: aws.Bool(true),
		MeteredAccount: types.IpamMeteredAccountResourceOwner})
	for _, x := range []types.Ipam{i, describeIpam(t, c, aws.ToString(i.IpamId))} {
		if x.Tier != types.IpamTierFree || !aws.ToBool(x.EnablePrivateGua) || x.MeteredAccount != types.IpamMeteredAccountResourceOwner {
			t.Errorf("options: tier %q gua %v metered %q", x.Tier, aws.ToBool(x.EnablePrivateGua), x.MeteredAccount)
		}
		if x.Description != nil || len(x.Tags) != 0 {
			t.Errorf("unrequested description %v / tags %v", x.Description, x.Tags)
		}
	}
	_, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{Tier: "gold"})
	wantErr(t, err, "InvalidParameterValue", 400)
	_, err = c.CreateIpam(ctx, &ec2.CreateIpamInput{MeteredAccount: "nobody"})
	wantErr(t, err, "InvalidParameterValue", 400)
	_, err = c.CreateIpam(ctx, &ec2.CreateIpamInput{Description: aws.String(strings.Repeat("d", 256))})
	wantErr(t, err, "InvalidParameterValue", 400)
	if n := len(must[*ec2.DescribeIpamsOutput](t)(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{})).Ipams); n != 1 {
		t.Errorf("%d IPAMs, want 1", n)
	}
}

// TestCreateIpamTagSpecificationWrongType: tags for another resource type
// are refused and nothing is created.
func TestCreateIpamTagSpecificationWrongType(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	for _, rt := range []types.ResourceType{types.ResourceTypeIpamScope, types.ResourceTypeVpc} {
		_, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{TagSpecifications: tagSpec(rt, "k", "v")})
		wantErr(t, err, "InvalidParameterValue", 400)
	}
	_, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{TagSpecifications: tagSpec(types.ResourceTypeIpam, "aws:x", "v")})
	wantErr(t, err, "InvalidParameterValue", 400)
	if n := len(must[*ec2.DescribeIpamsOutput](t)(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{})).Ipams); n != 0 {
		t.Errorf("%d IPAMs after refused creates", n)
	}
}

// TestCreateIpamClientToken: reference §8.3.
func TestCreateIpamClientToken(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	in := func(desc string) *ec2.CreateIpamInput {
		return &ec2.CreateIpamInput{ClientToken: aws.String("token-1"), Description: aws.String(desc),
			OperatingRegions: addRegions("us-west-2")}
	}
	first := createIpam(t, c, in("a"))
	// The replay must win over the 1-IPAM quota: it creates nothing.
	again := createIpam(t, c, in("a"))
	if aws.ToString(again.IpamId) != aws.ToString(first.IpamId) ||
		aws.ToString(again.PublicDefaultScopeId) != aws.ToString(first.PublicDefaultScopeId) ||
		aws.ToString(again.PrivateDefaultScopeId) != aws.ToString(first.PrivateDefaultScopeId) {
		t.Fatalf("replay returned %s, first call %s", aws.ToString(again.IpamId), aws.ToString(first.IpamId))
	}
	if again.State != types.IpamStateCreateInProgress || aws.ToString(again.Description) != "a" {
		t.Errorf("replay: state %q description %q", again.State, aws.ToString(again.Description))
	}
	_, err := c.CreateIpam(ctx, in("b"))
	wantErr(t, err, "IdempotentParameterMismatch", 400)
	ids := ipamIDs(must[*ec2.DescribeIpamsOutput](t)(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{})).Ipams)
	if !slices.Equal(ids, []string{aws.ToString(first.IpamId)}) {
		t.Errorf("IPAMs %v, want just %s", ids, aws.ToString(first.IpamId))
	}
	if n := aws.ToInt32(describeIpam(t, c, aws.ToString(first.IpamId)).ScopeCount); n != 2 {
		t.Errorf("ScopeCount %d after replay", n)
	}
	scopes := must[*ec2.DescribeIpamScopesOutput](t)(c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{})).IpamScopes
	if len(scopes) != 2 {
		t.Errorf("%d scopes after replay, want 2", len(scopes))
	}
}

// TestCreateIpamDryRunAndQuota: DryRun answers 412 and creates nothing (nor
// consumes the token); a second IPAM exceeds the quota of 1 per Region.
func TestCreateIpamDryRunAndQuota(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	_, err := c.CreateIpam(ctx, &ec2.CreateIpamInput{DryRun: aws.Bool(true), ClientToken: aws.String("dry"),
		Description: aws.String("x")})
	wantDryRun(t, err)
	if n := len(must[*ec2.DescribeIpamsOutput](t)(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{})).Ipams); n != 0 {
		t.Fatalf("DryRun created %d IPAMs", n)
	}
	// A DryRun with a broken request reports the validation error, not 412.
	_, err = c.CreateIpam(ctx, &ec2.CreateIpamInput{DryRun: aws.Bool(true), Tier: "gold"})
	wantErr(t, err, "InvalidParameterValue", 400)
	// The token was not consumed: the same token with other params works.
	i := createIpam(t, c, &ec2.CreateIpamInput{ClientToken: aws.String("dry"), Description: aws.String("y")})
	_, err = c.CreateIpam(ctx, &ec2.CreateIpamInput{})
	wantErr(t, err, "ResourceLimitExceeded", 400)
	_, err = c.CreateIpam(ctx, &ec2.CreateIpamInput{DryRun: aws.Bool(true)})
	wantErr(t, err, "ResourceLimitExceeded", 400)
	ids := ipamIDs(must[*ec2.DescribeIpamsOutput](t)(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{})).Ipams)
	if !slices.Equal(ids, []string{aws.ToString(i.IpamId)}) {
		t.Errorf("IPAMs %v", ids)
	}
}

// TestDescribeIpamsIDsAndFilters covers IpamIds, every kind of filter, and
// the refusal of unknown IDs and filter names.
func TestDescribeIpamsIDsAndFilters(t *testing.T) {
	srv := testserver.Start(t, manyIpams())
	c := newClient(srv.URL)
	a := aws.ToString(createIpam(t, c, &ec2.CreateIpamInput{Description: aws.String("prod-net"), TagSpecifications: tagSpec(types.ResourceTypeIpam, "env", "prod", "team", "net")}).IpamId)
	b := aws.ToString(createIpam(t, c, &ec2.CreateIpamInput{Description: aws.String("staging"), Tier: types.IpamTierFree,
		TagSpecifications: tagSpec(types.ResourceTypeIpam, "env", "stage")}).IpamId)
	d := aws.ToString(createIpam(t, c, &ec2.CreateIpamInput{OperatingRegions: addRegions("eu-west-1")}).IpamId)
	all := []string{a, b, d}
	slices.Sort(all)
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }

	for _, tc := range []struct {
		name    string
		ids     []string
		filters []types.Filter
		want    []string
	}{
		{"all", nil, nil, all},
		{"by id", []string{b}, nil, []string{b}},
		{"by two ids", []string{d, a}, nil, sorted(a, d)},
		{"owner-id", nil, []types.Filter{filter("owner-id", account)}, all},
		{"other owner", nil, []types.Filter{filter("owner-id", "111111111111")}, nil},
		{"tier advanced", nil, []types.Filter{filter("tier", "advanced")}, sorted(a, d)},
		{"tier free", nil, []types.Filter{filter("tier", "free")}, []string{b}},
		{"tag value", nil, []types.Filter{filter("tag:env", "prod")}, []string{a}},
		{"tag values OR", nil, []types.Filter{filter("tag:env", "prod", "stage")}, sorted(a, b)},
		{"tag wildcard", nil, []types.Filter{filter("tag:env", "st*")}, []string{b}},
		{"tag-key", nil, []types.Filter{filter("tag-key", "env")}, sorted(a, b)},
		{"tag-key team", nil, []types.Filter{filter("tag-key", "team")}, []string{a}},
		{"description *", nil, []types.Filter{filter("description", "*net*")}, []string{a}},
		{"description ?", nil, []types.Filter{filter("description", "st?ging")}, []string{b}},
		{"? needs one char", nil, []types.Filter{filter("description", "sta?ging")}, nil},
		{"ipam-id wildcard", nil, []types.Filter{filter("ipam-id", "ipam-0*")}, all},
		{"ipam-id exact", nil, []types.Filter{filter("ipam-id", d)}, []string{d}},
		{"operating region", nil, []types.Filter{filter("operating-region.region-name", "eu-west-1")}, []string{d}},
		{"filters AND", nil, []types.Filter{filter("tag-key", "env"), filter("tier", "advanced")}, []string{a}},
		{"ids AND filters", []string{a, b}, []types.Filter{filter("tier", "free")}, []string{b}},
		{"case-sensitive", nil, []types.Filter{filter("tag:env", "PROD")}, nil},
	} {
		out, err := c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{IpamIds: tc.ids, Filters: tc.filters})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := ipamIDs(out.Ipams); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		if out.NextToken != nil {
			t.Errorf("%s: NextToken %q on a single page", tc.name, *out.NextToken)
		}
	}

	_, err := c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{IpamIds: []string{a, "ipam-0123456789abcdef0"}})
	wantErr(t, err, "InvalidIpamId.NotFound", 400)
	if !strings.Contains(err.Error(), "ipam-0123456789abcdef0") {
		t.Errorf("NotFound message does not name the id: %v", err)
	}
	_, err = c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{Filters: []types.Filter{filter("colour", "red")}})
	wantErr(t, err, "InvalidParameterValue", 400)
	if !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown filter message does not name it: %v", err)
	}
	_, err = c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{DryRun: aws.Bool(true)})
	wantDryRun(t, err)
}

// TestDescribeIpamsMaxResultsAndPaging: MaxResults 5..1000, NextToken
// paging without repeats or gaps, forged tokens refused.
func TestDescribeIpamsMaxResultsAndPaging(t *testing.T) {
	srv := testserver.Start(t, manyIpams())
	c := newClient(srv.URL)
	var want []string
	for range 12 {
		want = append(want, aws.ToString(createIpam(t, c, nil).IpamId))
	}
	slices.Sort(want)
	for _, n := range []int32{4, 1001, 0, -1} {
		_, err := c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{MaxResults: aws.Int32(n)})
		wantErr(t, err, "InvalidParameterValue", 400)
	}
	for _, n := range []int32{5, 1000} {
		if _, err := c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{MaxResults: aws.Int32(n)}); err != nil {
			t.Errorf("MaxResults %d: %v", n, err)
		}
	}

	var got []string
	var sizes []int
	tokens := map[string]bool{}
	var token *string
	for {
		out, err := c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{MaxResults: aws.Int32(5), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(out.Ipams))
		for _, i := range out.Ipams {
			got = append(got, aws.ToString(i.IpamId))
		}
		if out.NextToken == nil {
			break
		}
		if tokens[*out.NextToken] {
			t.Fatalf("token %q repeated", *out.NextToken)
		}
		tokens[*out.NextToken] = true
		token = out.NextToken
	}
	if !slices.Equal(sizes, []int{5, 5, 2}) {
		t.Errorf("page sizes %v, want [5 5 2]", sizes)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("paged ids %v, want %v", got, want)
	}

	// The SDK paginator ends on its own.
	p := ec2.NewDescribeIpamsPaginator(c, &ec2.DescribeIpamsInput{MaxResults: aws.Int32(5)})
	pages, n := 0, 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(out.Ipams)
	}
	if pages != 3 || n != 12 {
		t.Errorf("paginator: %d pages, %d IPAMs", pages, n)
	}

	// Exactly MaxResults items left: no token pointing at an empty page.
	out := must[*ec2.DescribeIpamsOutput](t)(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{
		MaxResults: aws.Int32(6)}))
	out = must[*ec2.DescribeIpamsOutput](t)(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{
		MaxResults: aws.Int32(6), NextToken: out.NextToken}))
	if len(out.Ipams) != 6 || out.NextToken != nil {
		t.Errorf("second page of 6: %d items, token %v", len(out.Ipams), out.NextToken)
	}

	first := must[*ec2.DescribeIpamsOutput](t)(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{MaxResults: aws.Int32(5)}))
	tok := aws.ToString(first.NextToken)
	scopeTok := aws.ToString(must[*ec2.DescribeIpamScopesOutput](t)(c.DescribeIpamScopes(ctx,
		&ec2.DescribeIpamScopesInput{MaxResults: aws.Int32(5)})).NextToken)
	if scopeTok == "" {
		t.Fatal("24 scopes gave no NextToken at MaxResults 5")
	}
	flipped := []byte(tok)
	flipped[len(flipped)/3] ^= 0x01
	for _, bad := range []string{"abc", "eyJrIjoiRGVzY3JpYmVJcGFtcyJ9", string(flipped), tok + "x", scopeTok} {
		_, err := c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{MaxResults: aws.Int32(5), NextToken: aws.String(bad)})
		wantErr(t, err, "InvalidPaginationToken", 400)
	}
}

// TestModifyIpam: every ModifyIpam parameter, states of reference §10, and
// the refusals.
func TestModifyIpam(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	i := createIpam(t, c, &ec2.CreateIpamInput{Description: aws.String("old"), OperatingRegions: addRegions("us-east-2")})
	id := aws.ToString(i.IpamId)

	out, err := c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id), Description: aws.String("new"),
		AddOperatingRegions: addRegions("us-west-2", "eu-central-1"), RemoveOperatingRegions: removeRegions("us-east-2"),
		Tier: types.IpamTierFree, EnablePrivateGua: aws.Bool(true), MeteredAccount: types.IpamMeteredAccountResourceOwner})
	if err != nil {
		t.Fatal(err)
	}
	wantRegions := []string{"us-east-1", "us-west-2", "eu-central-1"}
	check := func(where string, x types.Ipam, state types.IpamState) {
		t.Helper()
		if x.State != state || aws.ToString(x.Description) != "new" || x.Tier != types.IpamTierFree ||
			!aws.ToBool(x.EnablePrivateGua) || x.MeteredAccount != types.IpamMeteredAccountResourceOwner ||
			!slices.Equal(regionNames(x.OperatingRegions), wantRegions) || aws.ToInt32(x.ScopeCount) != 2 {
			t.Errorf("%s: state %q desc %q tier %q gua %v metered %q regions %v scopes %d", where, x.State,
				aws.ToString(x.Description), x.Tier, aws.ToBool(x.EnablePrivateGua), x.MeteredAccount,
				regionNames(x.OperatingRegions), aws.ToInt32(x.ScopeCount))
		}
	}
	check("ModifyIpam", *out.Ipam, types.IpamStateModifyInProgress)
	check("DescribeIpams", describeIpam(t, c, id), types.IpamStateModifyComplete)

	// Refusals leave the IPAM as it was.
	_, err = c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id), RemoveOperatingRegions: removeRegions("us-east-1")})
	wantErr(t, err, "InvalidParameterValue", 400)
	_, err = c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id), AddOperatingRegions: addRegions("ap-south-1"),
		RemoveOperatingRegions: removeRegions("ap-south-1")})
	wantErr(t, err, "InvalidParameterCombination", 400)
	_, err = c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id), Tier: "gold"})
	wantErr(t, err, "InvalidParameterValue", 400)
	_, err = c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String("ipam-0123456789abcdef0"), Description: aws.String("x")})
	wantErr(t, err, "InvalidIpamId.NotFound", 400)
	_, err = c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id), DryRun: aws.Bool(true),
		Description: aws.String("dry"), AddOperatingRegions: addRegions("ap-south-1"), Tier: types.IpamTierAdvanced})
	wantDryRun(t, err)
	check("after refusals", describeIpam(t, c, id), types.IpamStateModifyComplete)

	// Adding a Region already there is a no-op; an empty Description clears it.
	out, err = c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id), AddOperatingRegions: addRegions("us-west-2"),
		Description: aws.String("")})
	if err != nil {
		t.Fatal(err)
	}
	d := describeIpam(t, c, id)
	if !slices.Equal(regionNames(d.OperatingRegions), wantRegions) || d.Description != nil {
		t.Errorf("after no-op add: regions %v description %v", regionNames(d.OperatingRegions), d.Description)
	}
}

// TestDeleteIpam: Cascade rules, DryRun, and what is gone afterwards.
func TestDeleteIpam(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	i := createIpam(t, c, &ec2.CreateIpamInput{Description: aws.String("doomed")})
	id := aws.ToString(i.IpamId)
	extra := aws.ToString(createScope(t, c, id, nil).IpamScopeId)

	_, err := c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: aws.String(id)})
	wantErr(t, err, "DependencyViolation", 400)
	_, err = c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: aws.String(id), Cascade: aws.Bool(false)})
	wantErr(t, err, "DependencyViolation", 400)
	_, err = c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: aws.String(id), Cascade: aws.Bool(true), DryRun: aws.Bool(true)})
	wantDryRun(t, err)
	if n := aws.ToInt32(describeIpam(t, c, id).ScopeCount); n != 3 {
		t.Fatalf("ScopeCount %d after refused deletes", n)
	}
	describeScope(t, c, extra)

	out, err := c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: aws.String(id), Cascade: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Ipam.IpamId) != id || out.Ipam.State != types.IpamStateDeleteInProgress ||
		aws.ToString(out.Ipam.Description) != "doomed" {
		t.Errorf("DeleteIpam echoed %s state %q", aws.ToString(out.Ipam.IpamId), out.Ipam.State)
	}
	_, err = c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{IpamIds: []string{id}})
	wantErr(t, err, "InvalidIpamId.NotFound", 400)
	for _, sid := range []string{extra, aws.ToString(i.PublicDefaultScopeId), aws.ToString(i.PrivateDefaultScopeId)} {
		_, err = c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{IpamScopeIds: []string{sid}})
		wantErr(t, err, "InvalidIpamScopeId.NotFound", 400)
	}
	if n := len(must[*ec2.DescribeIpamScopesOutput](t)(c.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{})).IpamScopes); n != 0 {
		t.Errorf("%d scopes left", n)
	}
	_, err = c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: aws.String(id)})
	wantErr(t, err, "InvalidIpamId.NotFound", 400)
	_, err = c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id), Description: aws.String("x")})
	wantErr(t, err, "InvalidIpamId.NotFound", 400)
	_, err = c.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: aws.String(id)})
	wantErr(t, err, "InvalidIpamId.NotFound", 400)

	// The quota slot is free again, and an IPAM with only its default
	// scopes needs no Cascade.
	j := aws.ToString(createIpam(t, c, nil).IpamId)
	if _, err := c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: aws.String(j)}); err != nil {
		t.Fatalf("DeleteIpam of a bare IPAM: %v", err)
	}
	if n := len(must[*ec2.DescribeIpamsOutput](t)(c.DescribeIpams(ctx, &ec2.DescribeIpamsInput{})).Ipams); n != 0 {
		t.Errorf("%d IPAMs left", n)
	}
}

// TestDeleteIpamCascadePools: Cascade removes private-scope pools; a pool in
// the public scope blocks it (reference §3.4).
func TestDeleteIpamCascadePools(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	i := createIpam(t, c, nil)
	id := aws.ToString(i.IpamId)
	priv := must[*ec2.CreateIpamPoolOutput](t)(c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{
		IpamScopeId: i.PrivateDefaultScopeId, AddressFamily: types.AddressFamilyIpv4}))
	_, err := c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: aws.String(id)})
	wantErr(t, err, "DependencyViolation", 400)
	pub := must[*ec2.CreateIpamPoolOutput](t)(c.CreateIpamPool(ctx, &ec2.CreateIpamPoolInput{
		IpamScopeId: i.PublicDefaultScopeId, AddressFamily: types.AddressFamilyIpv4}))
	_, err = c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: aws.String(id), Cascade: aws.Bool(true)})
	wantErr(t, err, "DependencyViolation", 400)
	if _, err := c.DeleteIpamPool(ctx, &ec2.DeleteIpamPoolInput{IpamPoolId: pub.IpamPool.IpamPoolId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteIpam(ctx, &ec2.DeleteIpamInput{IpamId: aws.String(id), Cascade: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeIpamPools(ctx, &ec2.DescribeIpamPoolsInput{IpamPoolIds: []string{aws.ToString(priv.IpamPool.IpamPoolId)}})
	wantErr(t, err, "InvalidIpamPoolId.NotFound", 400)
}

// regions returns n distinct valid Region names, none of them us-east-1.
func regions(n int) []string {
	var out []string
	for k := range n {
		out = append(out, fmt.Sprintf("xx-test-%d", k+1))
	}
	return out
}

// TestModifyIpamRegionLimit: the 50-Region limit applies to the list after
// the modification (adds and removes together), and a DryRun answers as the
// real call would.
func TestModifyIpamRegionLimit(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	i := createIpam(t, c, &ec2.CreateIpamInput{OperatingRegions: addRegions(regions(49)...)})
	id := aws.ToString(i.IpamId)
	if n := len(i.OperatingRegions); n != 50 {
		t.Fatalf("%d operating Regions, want 50", n)
	}
	// Swapping one Region keeps the count at 50: allowed.
	out, err := c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id),
		AddOperatingRegions: addRegions("eu-west-1"), RemoveOperatingRegions: removeRegions("xx-test-1")})
	if err != nil {
		t.Fatalf("swap at the limit: %v", err)
	}
	if got := regionNames(out.Ipam.OperatingRegions); len(got) != 50 || got[len(got)-1] != "eu-west-1" || slices.Contains(got, "xx-test-1") {
		t.Errorf("after swap: %v", got)
	}
	// A 51st Region is refused, in a DryRun as well.
	_, err = c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id), AddOperatingRegions: addRegions("eu-west-2")})
	wantErr(t, err, "InvalidParameterValue", 400)
	_, err = c.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: aws.String(id), DryRun: aws.Bool(true),
		AddOperatingRegions: addRegions("eu-west-2")})
	wantErr(t, err, "InvalidParameterValue", 400)
	if n := len(describeIpam(t, c, id).OperatingRegions); n != 50 {
		t.Errorf("%d Regions after refusals", n)
	}
}

// TestCreateIpamEmptyDescription: an empty Description is no description,
// as ModifyIpam and CreateIpamScope treat it (no empty element on the wire).
func TestCreateIpamEmptyDescription(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := newClient(srv.URL)
	i := createIpam(t, c, &ec2.CreateIpamInput{Description: aws.String("")})
	if i.Description != nil {
		t.Errorf("CreateIpam Description %q, want absent", *i.Description)
	}
	if d := describeIpam(t, c, aws.ToString(i.IpamId)); d.Description != nil {
		t.Errorf("described Description %q, want absent", *d.Description)
	}
	s := createScope(t, c, aws.ToString(i.IpamId), &ec2.CreateIpamScopeInput{Description: aws.String("")})
	if s.Description != nil {
		t.Errorf("CreateIpamScope Description %q, want absent", *s.Description)
	}
}
