package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ipamd/ipamd/internal/testserver"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var (
	// Random parts of a response: resource ids and request ids.
	goldenIDRE  = regexp.MustCompile(`\b(ipam-(?:scope-|res-disco-assoc-|res-disco-|pool-cidr-|pool-alloc-|pool-)?)0[0-9a-f]{16}(?:[0-9a-f]{16})?\b`)
	goldenReqRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
)

// normalize replaces each distinct id by a placeholder numbered in order
// of first appearance, so a golden file still shows which ids are equal.
func normalize(body string) string {
	seen := map[string]string{}
	body = goldenIDRE.ReplaceAllStringFunc(body, func(id string) string {
		if p, ok := seen[id]; ok {
			return p
		}
		prefix := goldenIDRE.FindStringSubmatch(id)[1]
		p := fmt.Sprintf("%sID%d", prefix, len(seen)+1)
		seen[id] = p
		return p
	})
	return goldenReqRE.ReplaceAllString(body, "REQUEST-ID")
}

// call POSTs a signed form body and returns status, content type and body.
func call(t *testing.T, srv *testserver.Server, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(t.Context(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req,
		hex.EncodeToString(sum[:]), "ec2", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}

var xmlIDRE = regexp.MustCompile(`<(ipamId|ipamScopeId)>([^<]+)</`)

// idOf returns the first <elem> value in body.
func idOf(t *testing.T, body, elem string) string {
	t.Helper()
	for _, m := range xmlIDRE.FindAllStringSubmatch(body, -1) {
		if m[1] == elem {
			return m[2]
		}
	}
	t.Fatalf("no <%s> in %s", elem, body)
	return ""
}

func golden(t *testing.T, name string, status int, gotStatus int, contentType, body string) {
	t.Helper()
	if gotStatus != status {
		t.Errorf("%s: status %d, want %d", name, gotStatus, status)
	}
	if contentType != "text/xml;charset=UTF-8" {
		t.Errorf("%s: Content-Type %q", name, contentType)
	}
	got := normalize(body)
	path := filepath.Join("testdata", "golden", name+".xml")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s\n got: %s\nwant: %s", name, path, got, want)
	}
}

// TestGolden pins the exact bytes of representative responses: element
// names and order (boto3 matches names case-sensitively), namespaces, empty
// lists, omitted optionals, and the error envelope.
func TestGolden(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})

	st, ct, body := call(t, srv, "Action=CreateIpam&Version=2016-11-15&Description=lab+%26+test"+
		"&OperatingRegion.1.RegionName=us-west-2&TagSpecification.1.ResourceType=ipam"+
		"&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=lab&ClientToken=golden-1")
	golden(t, "create_ipam", 200, st, ct, body)
	ipamID := idOf(t, body, "ipamId")

	st, ct, body = call(t, srv, "Action=CreateIpamScope&Version=2016-11-15&IpamId="+ipamID+"&Description=infoblox+view"+
		"&ExternalAuthorityConfiguration.Type=infoblox&ExternalAuthorityConfiguration.ExternalResourceIdentifier=view-1"+
		"&TagSpecification.1.ResourceType=ipam-scope&TagSpecification.1.Tag.1.Key=env&TagSpecification.1.Tag.1.Value=prod")
	if st != 200 {
		t.Fatalf("CreateIpamScope: %d %s", st, body)
	}
	scopeID := idOf(t, body, "ipamScopeId")

	st, ct, body = call(t, srv, "Action=DescribeIpamScopes&Version=2016-11-15&IpamScopeId.1="+scopeID)
	golden(t, "describe_ipam_scopes", 200, st, ct, body)

	st, ct, body = call(t, srv, "Action=DescribeIpamScopes&Version=2016-11-15&Filter.1.Name=ipam-scope-type&Filter.1.Value.1=public")
	golden(t, "describe_ipam_scopes_default", 200, st, ct, body)

	st, ct, body = call(t, srv, "Action=DescribeIpams&Version=2016-11-15&Filter.1.Name=tier&Filter.1.Value.1=free")
	golden(t, "describe_ipams_empty", 200, st, ct, body)

	st, ct, body = call(t, srv, "Action=DescribeIpams&Version=2016-11-15&IpamId.1=ipam-0123456789abcdef0")
	golden(t, "error_ipam_not_found", 400, st, ct, body)

	st, ct, body = call(t, srv, "Action=DeleteIpamScope&Version=2016-11-15&DryRun=true&IpamScopeId="+scopeID)
	golden(t, "error_dry_run", 412, st, ct, body)
}
