package ipam

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies a domain error. The API layer owns the one table that maps
// each Code to an EC2 error code string and HTTP status.
type Code int

const (
	CodeInternal Code = iota
	CodeIpamNotFound
	CodeScopeNotFound
	CodePoolNotFound
	CodeAllocationNotFound
	CodeInvalidParameterValue
	CodeInvalidParameterCombination
	CodeMissingParameter
	CodeDependencyViolation
	CodeIncorrectState
	CodeResourceLimitExceeded
	CodeIdempotentParameterMismatch
	CodeInvalidPaginationToken
	CodeDryRun
	CodeUnsupported
	CodeInvalidID   // an id of the wrong kind (e.g. a pool id given to CreateTags as an unknown type)
	CodeUnavailable // the store cannot be reached
	CodeRequestLimitExceeded
	CodeTagLimitExceeded
	// An id that cannot name a resource of its kind: a wrong prefix, or
	// anything but 1..64 lower-case hex digits after it (docs/behaviour.md).
	CodeIpamIDMalformed
	CodeScopeIDMalformed
	CodePoolIDMalformed
	CodeAllocationIDMalformed
	CodeVpcNotFound
	CodeSubnetNotFound
	CodeVpcAssociationNotFound
	CodeVpcRange    // a VPC CIDR of the wrong size or overlapping the VPC's others
	CodeSubnetRange // a subnet CIDR of the wrong size or outside its VPC's CIDRs
	CodeSubnetConflict
	CodeCidrLimitExceeded
	CodeNetworkAclNotFound
	CodeRouteTableNotFound
	CodeSecurityGroupNotFound
	CodeNetworkInterfaceNotFound
	CodeVpcEndpointNotFound
	CodeVpcIDMalformed
	CodeSubnetIDMalformed
	CodeDiscoveryNotFound
	CodeDiscoveryAssociationNotFound
	CodeDiscoveryIDMalformed
	CodeDiscoveryAssociationIDMalformed
)

// Codes lists every Code, so the API layer can prove its table is complete.
var Codes = []Code{
	CodeInternal, CodeIpamNotFound, CodeScopeNotFound, CodePoolNotFound, CodeAllocationNotFound,
	CodeInvalidParameterValue, CodeInvalidParameterCombination, CodeMissingParameter,
	CodeDependencyViolation, CodeIncorrectState, CodeResourceLimitExceeded,
	CodeIdempotentParameterMismatch, CodeInvalidPaginationToken, CodeDryRun, CodeUnsupported,
	CodeInvalidID, CodeUnavailable, CodeRequestLimitExceeded, CodeTagLimitExceeded,
	CodeIpamIDMalformed, CodeScopeIDMalformed, CodePoolIDMalformed, CodeAllocationIDMalformed,
	CodeVpcNotFound, CodeSubnetNotFound, CodeVpcAssociationNotFound, CodeVpcRange, CodeSubnetRange,
	CodeSubnetConflict, CodeCidrLimitExceeded, CodeNetworkAclNotFound,
	CodeRouteTableNotFound, CodeSecurityGroupNotFound, CodeNetworkInterfaceNotFound, CodeVpcEndpointNotFound,
	CodeVpcIDMalformed, CodeSubnetIDMalformed,
	CodeDiscoveryNotFound, CodeDiscoveryAssociationNotFound, CodeDiscoveryIDMalformed, CodeDiscoveryAssociationIDMalformed,
}

// Error is a domain error with a message fit to show a client.
type Error struct {
	Code    Code
	Message string
	// Cause is the underlying failure of an internal or unavailable error:
	// for the log, never for the client.
	Cause error
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Cause }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is returned by a Store when a row does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnavailable is wrapped by a Store when the database cannot be reached;
// the service turns it into CodeUnavailable.
var ErrUnavailable = errors.New("store unavailable")

// ErrConflict is wrapped by a Store when a uniqueness or exclusion constraint
// refuses a write (the backstop against overlapping allocations) or a
// transaction could not be serialized; the service retries or reports it.
var ErrConflict = errors.New("store conflict")

// ErrOverlapFound is wrapped by a Store when a transaction's
// OverlapExpecter check found a stored block overlapping a new one: it
// was rolled back, and the service runs it again, asking first.
var ErrOverlapFound = errors.New("store: a stored block overlaps a new one")

// AsError returns err as a domain *Error, classifying store failures.
func AsError(err error) *Error {
	var e *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return e
	case errors.Is(err, ErrUnavailable):
		return &Error{Code: CodeUnavailable, Message: "The service is unavailable. Please try again shortly.", Cause: err}
	default:
		return &Error{Code: CodeInternal, Message: "An internal error has occurred.", Cause: err}
	}
}

var errDryRun = &Error{Code: CodeDryRun, Message: "Request would have succeeded, but DryRun flag is set."}

// The not-found errors tell a malformed id from one that is well formed but
// names nothing (or another account's resource): a malformed id never
// exists, so checking its shape only on the not-found path costs nothing.

func ipamNotFound(id string) *Error {
	if malformedID(id, "ipam-") {
		return malformed(CodeIpamIDMalformed, "ipam", id, "ipam-")
	}
	return errorf(CodeIpamNotFound, "The ipam ID '%s' does not exist", echo(id))
}

func scopeNotFound(id string) *Error {
	if malformedID(id, "ipam-scope-") {
		return malformed(CodeScopeIDMalformed, "ipam-scope", id, "ipam-scope-")
	}
	return errorf(CodeScopeNotFound, "The ipam-scope ID '%s' does not exist", echo(id))
}

func poolNotFound(id string) *Error {
	if malformedID(id, "ipam-pool-") {
		return malformed(CodePoolIDMalformed, "ipam-pool", id, "ipam-pool-")
	}
	return errorf(CodePoolNotFound, "The ipam-pool ID '%s' does not exist", echo(id))
}

func allocationNotFound(id string) *Error {
	if malformedID(id, "ipam-pool-alloc-") {
		return malformed(CodeAllocationIDMalformed, "ipam-pool-allocation", id, "ipam-pool-alloc-")
	}
	return errorf(CodeAllocationNotFound, "The IPAM pool allocation (%s) does not exist.", echo(id))
}

// maxIDDigits bounds the hex digits of a well-formed id (AWS's have 8 or
// 17, ipamd's up to 33).
const maxIDDigits = 64

// malformedID reports whether id cannot be an id with prefix: prefix then
// 1..maxIDDigits lower-case hex digits.
func malformedID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || rest == "" || len(rest) > maxIDDigits {
		return true
	}
	for i := range len(rest) {
		if c := rest[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return true
		}
	}
	return false
}

func malformed(code Code, kind, id, prefix string) *Error {
	return errorf(code, "The %s ID '%s' is malformed: expected '%s' followed by hexadecimal digits.", kind, echo(id), prefix)
}

func invalidValue(format string, args ...any) *Error {
	return errorf(CodeInvalidParameterValue, format, args...)
}

func invalidCombination(format string, args ...any) *Error {
	return errorf(CodeInvalidParameterCombination, format, args...)
}
