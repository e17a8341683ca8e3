// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in
// the Authorization-header form and the presigned-query form (reference §14).
//
// Decisions where AWS behaviour is unconfirmed:
//   - Unknown access key → AuthFailure (401). A wrong signature, a scope
//     with the wrong service/terminator/date, or a body hash that does not
//     match → SignatureDoesNotMatch (403). Structurally malformed auth data
//     (bad Authorization syntax, unsorted/duplicate/upper-case
//     SignedHeaders, host or date not signed, a signed header absent from
//     the request, bad X-Amz-Expires) → IncompleteSignature (400).
//   - Signing time outside ±MaxSkew (header form), or a presigned URL used
//     before X-Amz-Date−MaxSkew or after X-Amz-Date+X-Amz-Expires →
//     RequestExpired (400), "Request has expired.".
//   - The region in the scope is accepted as sent and used verbatim.
//   - UNSIGNED-PAYLOAD (explicit, or implied by a presigned URL) is only
//     accepted when the body is empty: an EC2 body is the whole operation.
//   - X-Amz-Security-Token is accepted (and ignored) only when signed.
package sigv4

import "net/http"

// Error codes returned by Verify, with their HTTP statuses.
const (
	CodeAuthFailure           = "AuthFailure"                // 401: unknown access key
	CodeSignatureDoesNotMatch = "SignatureDoesNotMatch"      // 403: wrong signature or scope
	CodeIncompleteSignature   = "IncompleteSignature"        // 400: malformed auth data
	CodeRequestExpired        = "RequestExpired"             // 400: outside clock skew / presign expiry
	CodeMissingAuthToken      = "MissingAuthenticationToken" // 401: not signed at all
)

// Error is an authentication failure; Status is the HTTP status to send.
type Error struct {
	Code, Message string
	Status        int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

const (
	msgAuthFailure = "AWS was not able to validate the provided access credentials"
	msgMismatch    = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgExpired = "Request has expired."
)

func authFailure() *Error {
	return &Error{CodeAuthFailure, msgAuthFailure, http.StatusUnauthorized}
}

func mismatch(msg string) *Error {
	return &Error{CodeSignatureDoesNotMatch, msg, http.StatusForbidden}
}

func incomplete(msg string) *Error {
	return &Error{CodeIncompleteSignature, msg, http.StatusBadRequest}
}

func expired() *Error {
	return &Error{CodeRequestExpired, msgExpired, http.StatusBadRequest}
}

func missingToken() *Error {
	return &Error{CodeMissingAuthToken, "Request is missing Authentication Token", http.StatusUnauthorized}
}
