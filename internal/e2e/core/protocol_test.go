package core

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ipamd/ipamd/internal/testserver"
)

const formType = "application/x-www-form-urlencoded"

var (
	errBodyRE = regexp.MustCompile(`^<\?xml version="1.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>([^<]+)</Code>` +
		`<Message>([^<]+)</Message></Error></Errors><RequestID>([^<]+)</RequestID></Response>$`)
	okBodyRE = regexp.MustCompile(`^<\?xml version="1.0" encoding="UTF-8"\?>\n<([A-Za-z]+)Response ` +
		`xmlns="http://ec2\.amazonaws\.com/doc/2016-11-15/"><requestId>([^<]+)</requestId>.*</([A-Za-z]+)Response>$`)
)

type rawResp struct {
	status int
	header http.Header
	body   string
}

// request builds a POST of body to srv, signed with akid/secret unless
// akid is empty.
func request(t *testing.T, srv *testserver.Server, body, contentType, akid, secret string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if akid != "" {
		sum := sha256.Sum256([]byte(body))
		err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, req,
			hex.EncodeToString(sum[:]), "ec2", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
	}
	return req
}

func do(t *testing.T, req *http.Request) rawResp {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResp{res.StatusCode, res.Header, string(b)}
}

// post sends body signed with the development credentials.
func post(t *testing.T, srv *testserver.Server, body string) rawResp {
	t.Helper()
	return do(t, request(t, srv, body, formType, "test", "test"))
}

// wantEnvelope asserts r is exactly the EC2 error envelope with code and
// status, and returns its message.
func wantEnvelope(t *testing.T, r rawResp, status int, code string) string {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/xml;charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	m := errBodyRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("not an EC2 error envelope: %q", r.body)
	}
	if m[1] != code {
		t.Errorf("code %s (%s), want %s", m[1], m[2], code)
	}
	if !requestIDR.MatchString(m[3]) || r.header.Get("X-Amzn-Requestid") != m[3] {
		t.Errorf("RequestID %q, header %q", m[3], r.header.Get("X-Amzn-Requestid"))
	}
	return m[2]
}

// wantSuccess asserts r is a 200 EC2 response of action.
func wantSuccess(t *testing.T, r rawResp, action string) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/xml;charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	m := okBodyRE.FindStringSubmatch(r.body)
	if m == nil || m[1] != action || m[3] != action {
		t.Fatalf("not a %sResponse: %q", action, r.body)
	}
	if !requestIDR.MatchString(m[2]) || r.header.Get("X-Amzn-Requestid") != m[2] {
		t.Errorf("requestId %q, header %q", m[2], r.header.Get("X-Amzn-Requestid"))
	}
}

// TestProtocolDispatchErrors: requests that are signed correctly but wrong
// at the EC2 Query level.
func TestProtocolDispatchErrors(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	wantSuccess(t, post(t, srv, "Action=DescribeIpams&Version=2016-11-15"), "DescribeIpams")
	for _, tc := range []struct {
		name, body, code, inMsg string
	}{
		{"unknown action", "Action=DescribeWidgets&Version=2016-11-15", "InvalidAction", "DescribeWidgets"},
		{"action is case-sensitive", "Action=describeipams&Version=2016-11-15", "InvalidAction", "describeipams"},
		{"unimplemented IPAM op", "Action=CreateIpamResourceDiscovery&Version=2016-11-15", "UnsupportedOperation", "CreateIpamResourceDiscovery"},
		{"unimplemented IPAM op 2", "Action=GetIpamDiscoveredPublicAddresses&Version=2016-11-15", "UnsupportedOperation", "GetIpamDiscoveredPublicAddresses"},
		{"missing action", "Version=2016-11-15", "MissingAction", "Action"},
		{"empty action", "Action=&Version=2016-11-15", "MissingAction", "Action"},
		{"missing version", "Action=DescribeIpams", "MissingParameter", "Version"},
		{"wrong version", "Action=DescribeIpams&Version=2014-01-01", "InvalidParameterValue", "2014-01-01"},
		{"MaxResults not a number", "Action=DescribeIpams&Version=2016-11-15&MaxResults=abc", "InvalidParameterValue", "MaxResults"},
		{"MaxResults out of range", "Action=DescribeIpams&Version=2016-11-15&MaxResults=4", "InvalidParameterValue", "4"},
		{"DryRun not a boolean", "Action=DescribeIpams&Version=2016-11-15&DryRun=yes", "InvalidParameterValue", "DryRun"},
		{"missing required", "Action=ModifyIpam&Version=2016-11-15&Description=x", "MissingParameter", "IpamId"},
		{"empty required", "Action=DeleteIpamScope&Version=2016-11-15&IpamScopeId=", "MissingParameter", "IpamScopeId"},
		{"unknown parameter", "Action=DescribeIpams&Version=2016-11-15&Colour=red", "UnknownParameter", "Colour"},
		{"parameter of another op", "Action=DescribeIpams&Version=2016-11-15&Cascade=true", "UnknownParameter", "Cascade"},
		{"repeated parameter", "Action=DescribeIpams&Version=2016-11-15&MaxResults=5&MaxResults=6", "InvalidParameterValue", "MaxResults"},
		{"bad list index", "Action=DescribeIpams&Version=2016-11-15&IpamId.x=ipam-0123456789abcdef0", "InvalidParameter", "IpamId.x"},
		{"bad percent escape", "Action=DescribeIpams&Version=2016-11-15&NextToken=%zz", "InvalidParameterValue", "NextToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := wantEnvelope(t, post(t, srv, tc.body), 400, tc.code)
			if !strings.Contains(msg, tc.inMsg) {
				t.Errorf("message %q does not mention %q", msg, tc.inMsg)
			}
		})
	}
	// Nothing was created by any of them.
	r := post(t, srv, "Action=DescribeIpams&Version=2016-11-15")
	if !strings.Contains(r.body, "<ipamSet></ipamSet>") {
		t.Errorf("IPAMs exist after refused requests: %s", r.body)
	}
}

// TestProtocolSuccessBody: the success envelope, empty lists as empty
// elements, and the GET query form.
func TestProtocolSuccessBody(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	r := post(t, srv, "Action=CreateIpam&Version=2016-11-15&Description=a+%26+b&OperatingRegion.1.RegionName=us-west-2")
	wantSuccess(t, r, "CreateIpam")
	for _, want := range []string{
		"<description>a &amp; b</description>",
		"<operatingRegionSet><item><regionName>us-west-2</regionName></item><item><regionName>us-east-1</regionName></item></operatingRegionSet>",
		"<state>create-in-progress</state>", "<tagSet></tagSet>", "<scopeCount>2</scopeCount>", "<ownerId>000000000000</ownerId>",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("CreateIpam body lacks %s:\n%s", want, r.body)
		}
	}
	r = post(t, srv, "Action=DescribeIpamScopes&Version=2016-11-15&Filter.1.Name=is-default&Filter.1.Value.1=false")
	wantSuccess(t, r, "DescribeIpamScopes")
	if !strings.Contains(r.body, "</requestId><ipamScopeSet></ipamScopeSet></DescribeIpamScopesResponse>") {
		t.Errorf("empty list body: %s", r.body)
	}
}

// TestProtocolContentType: a POST body must be form-encoded.
func TestProtocolContentType(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	body := "Action=DescribeIpams&Version=2016-11-15"
	for _, ct := range []string{"application/json", "text/plain", "", "multipart/form-data; boundary=x"} {
		wantEnvelope(t, do(t, request(t, srv, body, ct, "test", "test")), 400, "InvalidParameterValue")
	}
	// boto3's charset parameter is fine.
	wantSuccess(t, do(t, request(t, srv, body, formType+"; charset=utf-8", "test", "test")), "DescribeIpams")
	// Only GET and POST exist.
	req := request(t, srv, body, formType, "test", "test")
	req.Method = http.MethodPut
	wantEnvelope(t, do(t, req), 405, "InvalidRequest")
}

// TestProtocolSigV4: reference §14 failures, each with only one thing wrong.
func TestProtocolSigV4(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	body := "Action=DescribeIpams&Version=2016-11-15"

	wantEnvelope(t, do(t, request(t, srv, body, formType, "", "")), 401, "MissingAuthenticationToken")
	wantEnvelope(t, do(t, request(t, srv, body, formType, "test", "wrong")), 403, "SignatureDoesNotMatch")
	msg := wantEnvelope(t, do(t, request(t, srv, body, formType, "AKIDUNKNOWN", "test")), 401, "AuthFailure")
	if msg != "AWS was not able to validate the provided access credentials" {
		t.Errorf("AuthFailure message %q", msg)
	}

	// Body changed after signing.
	req := request(t, srv, body, formType, "test", "test")
	req.Body = io.NopCloser(strings.NewReader(body + "&DryRun=true"))
	req.ContentLength = int64(len(body) + len("&DryRun=true"))
	wantEnvelope(t, do(t, req), 403, "SignatureDoesNotMatch")

	// Signed 20 minutes ago: outside the 15-minute skew window.
	old, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	old.Header.Set("Content-Type", formType)
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, old,
		hex.EncodeToString(sum[:]), "ec2", "us-east-1", time.Now().Add(-20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantEnvelope(t, do(t, old), 400, "RequestExpired")

	// Signed for another service.
	other, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	other.Header.Set("Content-Type", formType)
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, other,
		hex.EncodeToString(sum[:]), "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	wantEnvelope(t, do(t, other), 403, "SignatureDoesNotMatch")

	// A garbage Authorization header.
	bad := request(t, srv, body, formType, "", "")
	bad.Header.Set("Authorization", "Bearer abc")
	wantEnvelope(t, do(t, bad), 400, "IncompleteSignature")

	// Signature errors come before anything about the request itself.
	wantEnvelope(t, do(t, request(t, srv, "Action=Nope", formType, "", "")), 401, "MissingAuthenticationToken")
	wantEnvelope(t, do(t, request(t, srv, "Action=CreateIpam&Version=2016-11-15", formType, "test", "wrong")), 403, "SignatureDoesNotMatch")
	if r := post(t, srv, "Action=DescribeIpams&Version=2016-11-15"); !strings.Contains(r.body, "<ipamSet></ipamSet>") {
		t.Errorf("a refused CreateIpam created something: %s", r.body)
	}
}

// TestProtocolPresignedGET: the query-string auth form with Action in the query.
func TestProtocolPresignedGET(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	id := aws.ToString(createIpam(t, newClient(srv.URL), &ec2CreateIpamDesc).IpamId)
	presign := func(q url.Values, secret string) string {
		t.Helper()
		q.Set("X-Amz-Expires", "300")
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/?"+q.Encode(), nil)
		u, _, err := v4.NewSigner().PresignHTTP(ctx, aws.Credentials{AccessKeyID: "test", SecretAccessKey: secret}, req,
			"UNSIGNED-PAYLOAD", "ec2", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	get := func(u string) rawResp {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		return do(t, req)
	}
	u := presign(url.Values{"Action": {"DescribeIpams"}, "Version": {"2016-11-15"}, "IpamId.1": {id}}, "test")
	r := get(u)
	wantSuccess(t, r, "DescribeIpams")
	if !strings.Contains(r.body, "<ipamId>"+id+"</ipamId>") || !strings.Contains(r.body, "<description>presigned</description>") {
		t.Errorf("presigned DescribeIpams body: %s", r.body)
	}
	// Tampering with the signed query breaks the signature.
	wantEnvelope(t, get(strings.Replace(u, "DescribeIpams", "DeleteIpam", 1)), 403, "SignatureDoesNotMatch")
	wantEnvelope(t, get(presign(url.Values{"Action": {"DescribeIpams"}, "Version": {"2016-11-15"}}, "wrong")), 403, "SignatureDoesNotMatch")
	// Query-level errors through GET use the same envelope.
	wantEnvelope(t, get(presign(url.Values{"Action": {"Nope"}, "Version": {"2016-11-15"}}, "test")), 400, "InvalidAction")
	// An unsigned GET is refused.
	wantEnvelope(t, get(srv.URL+"/?Action=DescribeIpams&Version=2016-11-15"), 401, "MissingAuthenticationToken")
}

// TestProtocolBodyLimit: bodies over 1 MiB get 413 without the server
// waiting for (or reading) the whole body.
func TestProtocolBodyLimit(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	host := strings.TrimPrefix(srv.URL, "http://")

	// Declared 2 MiB, only a few bytes sent, connection left open: the
	// answer must come from the header alone.
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_, err = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: "+host+"\r\nContent-Type: "+formType+
		"\r\nContent-Length: 2097152\r\n\r\nAction=DescribeIpams&Version=2016-11-15&Description=")
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no prompt answer to an oversized declared body: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("413 took %v", el)
	}
	wantEnvelope(t, rawResp{res.StatusCode, res.Header, string(b)}, 413, "RequestEntityTooLarge")

	// No Content-Length (chunked) and one byte over: counted while reading.
	over := "Action=DescribeIpams&Version=2016-11-15&Description=" + strings.Repeat("a", 1<<20)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", io.MultiReader(strings.NewReader(over[:1<<20+1])))
	req.Header.Set("Content-Type", formType)
	req.ContentLength = -1
	wantEnvelope(t, do(t, req), 413, "RequestEntityTooLarge")

	// Exactly 1 MiB is within the limit: it gets as far as parameter checks
	// (DescribeIpams has no Description).
	exact := over[:1<<20]
	wantEnvelope(t, post(t, srv, exact), 400, "UnknownParameter")
}

// TestHealthz: the liveness endpoint needs no signature.
func TestHealthz(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	res, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || string(b) != "ok\n" {
		t.Errorf("/healthz: %d %q", res.StatusCode, b)
	}
}
