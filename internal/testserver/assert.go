package testserver

import (
	"errors"
	"slices"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// WantErr asserts that err is the EC2 error code with HTTP 400 and returns
// its message.
func WantErr(t testing.TB, err error, code string) string {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
		t.Fatalf("%s: not an HTTP 400 answer: %v", code, err)
	}
	return ae.ErrorMessage()
}

// Must fails the test on err.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// AllowErr reports (without stopping the test, so goroutines may call it)
// an err that is neither nil nor an HTTP 400 answer with one of codes:
// for random operations whose refusals are part of the game, an
// InternalError or a lost connection still fails the test.
func AllowErr(t testing.TB, err error, codes ...string) {
	t.Helper()
	if err == nil {
		return
	}
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || !errors.As(err, &re) || re.HTTPStatusCode() != 400 || !slices.Contains(codes, ae.ErrorCode()) {
		t.Errorf("got %v, want success or one of %v", err, codes)
	}
}
