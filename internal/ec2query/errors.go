// Package ec2query is the EC2 Query wire codec: it decodes form-encoded
// requests into typed parameters and encodes XML responses and errors the
// way boto3, the AWS CLI and aws-sdk-go-v2 expect them (reference §13).
package ec2query

import (
	"fmt"
	"unicode/utf8"
)

// Error codes produced while decoding. All are client errors (HTTP 400).
const (
	CodeMissingParameter      = "MissingParameter"
	CodeInvalidParameterValue = "InvalidParameterValue"
	CodeUnknownParameter      = "UnknownParameter"
	CodeInvalidParameter      = "InvalidParameter" // malformed parameter name
	CodeMissingAction         = "MissingAction"
)

// Error is a client error found while decoding; the API layer maps Code to
// an HTTP status (all are 400).
type Error struct{ Code, Message string }

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// maxEcho bounds how much of a client-supplied value is echoed back in an
// error message, so a 1 MB garbage value does not become a 1 MB error body.
const maxEcho = 100

// echo shortens s for inclusion in a message, cutting on a rune boundary.
func echo(s string) string { return Echo(s) }

// Echo shortens client input for an error message: at most 100 bytes, cut
// on a rune boundary, so a megabyte of garbage never becomes the answer.
func Echo(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
