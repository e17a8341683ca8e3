package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// A URL presigned over the hash of the empty body (what most presigners do
// outside S3) verifies like one presigned with UNSIGNED-PAYLOAD; another
// hash does not.
func TestPresignedPayloadHash(t *testing.T) {
	empty := sha256.Sum256(nil)
	other := sha256.Sum256([]byte("x"))
	q := "Action=DescribeIpams&Version=2016-11-15"
	for _, tt := range []struct {
		name, payload string
		ok            bool
	}{
		{"unsigned", "UNSIGNED-PAYLOAD", true},
		{"empty body hash", hex.EncodeToString(empty[:]), true},
		{"other hash", hex.EncodeToString(other[:]), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, body := signGET(t, q, 300, signOpts{at: testNow, payload: tt.payload})
			id, err := testVerifier().Verify(r, body)
			if tt.ok && (err != nil || id.AccountID != "123456789012") {
				t.Fatalf("Verify = %v, %v; want account 123456789012", id, err)
			}
			if !tt.ok {
				if e, isErr := err.(*Error); !isErr || e.Code != CodeSignatureDoesNotMatch {
					t.Fatalf("Verify err = %v, want SignatureDoesNotMatch", err)
				}
			}
		})
	}
}
