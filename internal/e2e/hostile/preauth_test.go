package hostile

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ipamd/ipamd/internal/api"
	"github.com/ipamd/ipamd/internal/e2e/ec2raw"
	"github.com/ipamd/ipamd/internal/testserver"
)

// TestBadSignatureFlood: a flood of badly signed requests from one address
// costs at most its failure burst of signature checks (plus the requests
// already in flight when it ran out), then is refused before verification
// with 503 RequestLimitExceeded; a well-signed client on another address is
// never refused meanwhile; and the flood leaves a handful of log lines, not
// one per request. The clock stands still, so the bounds are exact.
func TestBadSignatureFlood(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	const burst = 20
	lim := &api.SourceLimiter{FailureRate: 1, FailureBurst: burst, Now: clock.Now}
	srv := testserver.Start(t, testserver.Options{Sources: lim})

	const workers, perWorker, goodCalls = 8, 250, 200
	start := time.Now()
	attacker := &ec2raw.Client{URL: srv.URL, AccessKey: "test", Secret: "wrong", HTTP: testserver.HTTPFrom("127.0.0.3")}
	var verified, refused atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range perWorker {
				resp, err := attacker.Call("DescribeIpams", nil)
				switch {
				case err != nil:
					t.Errorf("flood: %v", err)
					return
				case resp.Status == 403 && resp.Envelope.Code == "SignatureDoesNotMatch":
					verified.Add(1)
				case resp.Status == 503 && resp.Envelope.Code == "RequestLimitExceeded":
					refused.Add(1)
				default:
					t.Errorf("flood: %d %s", resp.Status, resp.Envelope.Code)
					return
				}
			}
		})
	}
	good := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1,
		HTTPClient: testserver.HTTPFrom("127.0.0.2")})
	for i := range goodCalls {
		if _, err := good.DescribeIpams(ctx, &ec2.DescribeIpamsInput{}); err != nil {
			t.Fatalf("well-signed call %d during the flood: %v", i, err)
		}
	}
	wg.Wait()

	if n := verified.Load(); n > burst+workers || n < burst {
		t.Errorf("%d bad signatures were checked; want %d..%d (the burst, plus what was in flight)", n, burst, burst+workers)
	}
	if n := verified.Load() + refused.Load(); n != workers*perWorker {
		t.Errorf("%d flood answers counted, want %d", n, workers*perWorker)
	}
	logs := srv.Logs()
	// At most 3 lines per 10 s window of the log sampler (real time: a
	// slow machine may see the flood span two windows).
	windows := int(time.Since(start)/(10*time.Second)) + 1
	if n := strings.Count(logs, "remote=127.0.0.3"); n > 3*windows {
		t.Errorf("the flood of %d requests wrote %d log lines in %d window(s), want at most 3 a window", workers*perWorker, n, windows)
	}
	if n := strings.Count(logs, "remote=127.0.0.2"); n != goodCalls {
		t.Errorf("%d log lines for %d well-signed calls", n, goodCalls)
	}

	// The flooding address is refused even when it signs right, until its
	// debt is paid off at the failure rate; then it is served again.
	right := &ec2raw.Client{URL: srv.URL, AccessKey: "test", Secret: "test", HTTP: testserver.HTTPFrom("127.0.0.3")}
	resp, err := right.Call("DescribeIpams", nil)
	expectCode(t, "well-signed from the flooding address", resp, err, 503, "RequestLimitExceeded")
	clock.Advance(2 * burst * time.Second)
	if resp, err := right.Call("DescribeIpams", nil); err != nil || resp.Status != 200 {
		t.Fatalf("after the debt is paid: %v %+v", err, resp)
	}
}

// BenchmarkSignedUnderFlood times one well-signed DescribeIpams (from
// 127.0.0.2) while 8 goroutines flood the server with badly signed ones
// from 127.0.0.3, with the default per-source failure limit and without
// it, against no flood at all; flood-req/s is what the flood got answered.
func BenchmarkSignedUnderFlood(b *testing.B) {
	for _, tc := range []struct {
		name  string
		flood bool
		lim   *api.SourceLimiter
	}{
		{"flood=none", false, &api.SourceLimiter{FailureRate: 1, FailureBurst: 20}},
		{"flood=8/limited", true, &api.SourceLimiter{FailureRate: 1, FailureBurst: 20}},
		{"flood=8/unlimited", true, nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := testserver.Start(b, testserver.Options{Sources: tc.lim})
			good := &ec2raw.Client{URL: srv.URL, AccessKey: "test", Secret: "test", HTTP: testserver.HTTPFrom("127.0.0.2")}
			bad := &ec2raw.Client{URL: srv.URL, AccessKey: "test", Secret: "wrong", HTTP: testserver.HTTPFrom("127.0.0.3")}
			// The flood replays one badly signed request: an attacker need not
			// sign, so the client's cost stays out of the server's way.
			body := []byte(ec2raw.Form(map[string]string{"Action": "DescribeIpams", "Version": api.APIVersion}))
			proto := bad.Request(body)
			if err := bad.Sign(proto, body); err != nil {
				b.Fatal(err)
			}
			var flooded atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range 8 {
				if !tc.flood {
					break
				}
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						r := proto.Clone(ctx)
						r.Body = io.NopCloser(bytes.NewReader(body))
						if _, err := bad.Do(r); err == nil {
							flooded.Add(1)
						}
					}
				})
			}
			start := time.Now()
			b.ResetTimer()
			for range b.N {
				resp, err := good.Call("DescribeIpams", nil)
				if err != nil || resp.Status != 200 {
					b.Fatalf("well-signed call: %v %+v", err, resp)
				}
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			b.ReportMetric(float64(flooded.Load())/time.Since(start).Seconds(), "flood-req/s")
		})
	}
}
