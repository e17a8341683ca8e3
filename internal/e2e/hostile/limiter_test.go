package hostile

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/ipamd/ipamd/internal/api"
	"github.com/ipamd/ipamd/internal/testserver"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func isThrottled(err error) bool {
	var ae smithy.APIError
	var re *awshttp.ResponseError
	return errors.As(err, &ae) && ae.ErrorCode() == "RequestLimitExceeded" &&
		errors.As(err, &re) && re.HTTPStatusCode() == 503
}

// TestRateLimits: per-account token buckets, one for mutating and one for
// other calls, answered 503 RequestLimitExceeded, which the SDK sees as
// such; refused calls change nothing; buckets refill with the clock.
func TestRateLimits(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	lim := &api.Limiter{MutatingRate: 1, MutatingBurst: 2, ReadRate: 2, ReadBurst: 3, Now: clock.Now}
	srv := testserver.Start(t, testserver.Options{Creds: twoAccounts(), Limiter: lim})
	a, b := srv.ClientFor(alice.AccessKey, alice.SecretKey), srv.ClientFor(bob.AccessKey, bob.SecretKey)

	// Mutating: a burst of 2.
	out, err := a.CreateIpam(ctx, &ec2.CreateIpamInput{})
	if err != nil {
		t.Fatal(err)
	}
	ipamID := out.Ipam.IpamId
	if _, err := a.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: ipamID}); err != nil {
		t.Fatal(err)
	}
	_, err = a.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: ipamID, Description: aws.String("limited")})
	if !isThrottled(err) {
		t.Fatalf("third mutating call: %v, want 503 RequestLimitExceeded", err)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && !strings.Contains(ae.ErrorMessage(), "limit") {
		t.Errorf("message %q", ae.ErrorMessage())
	}

	// Reads have their own bucket (burst 3), untouched by the mutating one.
	for i := range 3 {
		scopes, err := a.DescribeIpamScopes(ctx, &ec2.DescribeIpamScopesInput{})
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if len(scopes.IpamScopes) != 3 {
			t.Errorf("the throttled CreateIpamScope created a scope: %d scopes", len(scopes.IpamScopes))
		}
	}
	if _, err := a.DescribeIpams(ctx, &ec2.DescribeIpamsInput{}); !isThrottled(err) {
		t.Fatalf("fourth read: %v, want 503 RequestLimitExceeded", err)
	}

	// Another account has buckets of its own.
	if _, err := b.CreateIpam(ctx, &ec2.CreateIpamInput{}); err != nil {
		t.Fatalf("Bob throttled by Alice's calls: %v", err)
	}
	if _, err := b.DescribeIpams(ctx, &ec2.DescribeIpamsInput{}); err != nil {
		t.Fatalf("Bob throttled by Alice's reads: %v", err)
	}

	// Refill: one mutating token per second, never beyond the burst.
	clock.Advance(time.Second)
	if _, err := a.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: ipamID, Description: aws.String("one")}); err != nil {
		t.Fatalf("after 1 s: %v", err)
	}
	if _, err := a.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: ipamID, Description: aws.String("two")}); !isThrottled(err) {
		t.Fatalf("second call after 1 s: %v", err)
	}
	clock.Advance(time.Hour)
	for i := range 2 {
		if _, err := a.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: ipamID, Description: aws.String("x")}); err != nil {
			t.Fatalf("after an hour, call %d: %v", i, err)
		}
	}
	if _, err := a.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: ipamID, Description: aws.String("y")}); !isThrottled(err) {
		t.Fatalf("burst exceeded after an hour: %v", err)
	}

	// What the limit refused did not happen.
	got, err := b.DescribeIpams(ctx, &ec2.DescribeIpamsInput{}) // Bob's read bucket has tokens
	if err != nil || len(got.Ipams) != 1 {
		t.Fatalf("Bob: %v %+v", err, got)
	}
	clock.Advance(time.Hour)
	ai, err := a.DescribeIpams(ctx, &ec2.DescribeIpamsInput{IpamIds: []string{*ipamID}})
	if err != nil || *ai.Ipams[0].Description != "x" {
		t.Fatalf("Alice's IPAM after throttled modifies: %v %+v", err, ai)
	}

	// Failed authentication is refused before the limiter and spends nothing.
	clock.Advance(time.Hour)
	bad := srv.ClientFor(alice.AccessKey, "wrong")
	for range 5 {
		if _, err := bad.CreateIpamScope(ctx, &ec2.CreateIpamScopeInput{IpamId: ipamID}); err == nil || isThrottled(err) {
			t.Fatalf("bad signature: %v", err)
		}
	}
	for i := range 2 {
		if _, err := a.ModifyIpam(ctx, &ec2.ModifyIpamInput{IpamId: ipamID, Description: aws.String("z")}); err != nil {
			t.Fatalf("after bad-signature calls, call %d: %v", i, err)
		}
	}
}

// With the SDK's standard retryer a throttled call is retried (it is a
// throttling code) and succeeds once the bucket has refilled.
func TestRateLimitRetriedBySDK(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	lim := &api.Limiter{ReadRate: 1, ReadBurst: 1, Now: clock.Now}
	srv := testserver.Start(t, testserver.Options{Creds: twoAccounts(), Limiter: lim})
	backoff := &clockBackoff{clock: clock}
	c := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(alice.AccessKey, alice.SecretKey, ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = backoff
		}),
	})
	if _, err := c.DescribeIpams(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeIpams(ctx, nil); err != nil {
		t.Fatalf("retried call: %v", err)
	}
	if backoff.retries != 1 {
		t.Errorf("the SDK retried %d times, want once", backoff.retries)
	}
}

// clockBackoff "waits" by advancing the fake clock a second.
type clockBackoff struct {
	clock   *fakeClock
	retries int
}

func (b *clockBackoff) BackoffDelay(int, error) (time.Duration, error) {
	b.retries++
	b.clock.Advance(time.Second)
	return 0, nil
}
