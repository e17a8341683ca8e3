package ipam

import (
	"errors"
	"fmt"
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
)

// Codes lists every Code, so the API layer can prove its table is complete.
var Codes = []Code{
	CodeInternal, CodeIpamNotFound, CodeScopeNotFound, CodePoolNotFound, CodeAllocationNotFound,
	CodeInvalidParameterValue, CodeInvalidParameterCombination, CodeMissingParameter,
	CodeDependencyViolation, CodeIncorrectState, CodeResourceLimitExceeded,
	CodeIdempotentParameterMismatch, CodeInvalidPaginationToken, CodeDryRun, CodeUnsupported,
	CodeInvalidID, CodeUnavailable, CodeRequestLimitExceeded, CodeTagLimitExceeded,
	CodeVpcNotFound, CodeSubnetNotFound, CodeVpcAssociationNotFound, CodeVpcRange, CodeSubnetRange,
	CodeSubnetConflict, CodeCidrLimitExceeded, CodeNetworkAclNotFound,
	CodeRouteTableNotFound, CodeSecurityGroupNotFound, CodeNetworkInterfaceNotFound, CodeVpcEndpointNotFound,
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

func ipamNotFound(id string) *Error {
	return errorf(CodeIpamNotFound, "The ipam ID '%s' does not exist", echo(id))
}

func scopeNotFound(id string) *Error {
	return errorf(CodeScopeNotFound, "The ipam-scope ID '%s' does not exist", echo(id))
}

func poolNotFound(id string) *Error {
	return errorf(CodePoolNotFound, "The ipam-pool ID '%s' does not exist", echo(id))
}

func allocationNotFound(id string) *Error {
	return errorf(CodeAllocationNotFound, "The IPAM pool allocation (%s) does not exist.", echo(id))
}

func invalidValue(format string, args ...any) *Error {
	return errorf(CodeInvalidParameterValue, format, args...)
}

func invalidCombination(format string, args ...any) *Error {
	return errorf(CodeInvalidParameterCombination, format, args...)
}
