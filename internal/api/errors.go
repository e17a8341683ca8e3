package api

import (
	"errors"
	"net/http"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
)

// wireError is an error as the client sees it. The API layer also returns
// one directly for a request refused before it reaches an operation.
type wireError struct {
	Status  int
	Code    string
	Message string
}

func (e *wireError) Error() string { return e.Code + ": " + e.Message }

type codeEntry struct {
	ec2    string
	status int
}

// codes is the one table from domain error codes to EC2 error codes and
// HTTP statuses. TestEveryCodeMapped keeps it complete.
var codes = map[ipam.Code]codeEntry{
	ipam.CodeInternal:                    {"InternalError", http.StatusInternalServerError},
	ipam.CodeIpamNotFound:                {"InvalidIpamId.NotFound", http.StatusBadRequest},
	ipam.CodeScopeNotFound:               {"InvalidIpamScopeId.NotFound", http.StatusBadRequest},
	ipam.CodePoolNotFound:                {"InvalidIpamPoolId.NotFound", http.StatusBadRequest},
	ipam.CodeAllocationNotFound:          {"InvalidIpamPoolAllocationId.NotFound", http.StatusBadRequest},
	ipam.CodeInvalidParameterValue:       {"InvalidParameterValue", http.StatusBadRequest},
	ipam.CodeInvalidParameterCombination: {"InvalidParameterCombination", http.StatusBadRequest},
	ipam.CodeMissingParameter:            {"MissingParameter", http.StatusBadRequest},
	ipam.CodeDependencyViolation:         {"DependencyViolation", http.StatusBadRequest},
	ipam.CodeIncorrectState:              {"IncorrectState", http.StatusBadRequest},
	ipam.CodeResourceLimitExceeded:       {"ResourceLimitExceeded", http.StatusBadRequest},
	ipam.CodeIdempotentParameterMismatch: {"IdempotentParameterMismatch", http.StatusBadRequest},
	ipam.CodeInvalidPaginationToken:      {"InvalidPaginationToken", http.StatusBadRequest},
	ipam.CodeDryRun:                      {"DryRunOperation", http.StatusPreconditionFailed},
	ipam.CodeUnsupported:                 {"UnsupportedOperation", http.StatusBadRequest},
	ipam.CodeInvalidID:                   {"InvalidID", http.StatusBadRequest},
	ipam.CodeUnavailable:                 {"ServiceUnavailable", http.StatusServiceUnavailable},
	ipam.CodeRequestLimitExceeded:        {"RequestLimitExceeded", http.StatusServiceUnavailable},
	ipam.CodeTagLimitExceeded:            {"TagLimitExceeded", http.StatusBadRequest},
	ipam.CodeIpamIDMalformed:             {"InvalidIpamId.Malformed", http.StatusBadRequest},
	ipam.CodeScopeIDMalformed:            {"InvalidIpamScopeId.Malformed", http.StatusBadRequest},
	ipam.CodePoolIDMalformed:             {"InvalidIpamPoolId.Malformed", http.StatusBadRequest},
	ipam.CodeAllocationIDMalformed:       {"InvalidIpamPoolAllocationId.Malformed", http.StatusBadRequest},
	ipam.CodeVpcNotFound:                 {"InvalidVpcID.NotFound", http.StatusBadRequest},
	ipam.CodeSubnetNotFound:              {"InvalidSubnetID.NotFound", http.StatusBadRequest},
	ipam.CodeVpcAssociationNotFound:      {"InvalidVpcCidrBlockAssociationID.NotFound", http.StatusBadRequest},
	ipam.CodeVpcRange:                    {"InvalidVpc.Range", http.StatusBadRequest},
	ipam.CodeSubnetRange:                 {"InvalidSubnet.Range", http.StatusBadRequest},
	ipam.CodeSubnetConflict:              {"InvalidSubnet.Conflict", http.StatusBadRequest},
	ipam.CodeCidrLimitExceeded:           {"CidrLimitExceeded", http.StatusBadRequest},
	ipam.CodeNetworkAclNotFound:          {"InvalidNetworkAclID.NotFound", http.StatusBadRequest},
	ipam.CodeRouteTableNotFound:          {"InvalidRouteTableID.NotFound", http.StatusBadRequest},
	ipam.CodeSecurityGroupNotFound:       {"InvalidGroup.NotFound", http.StatusBadRequest},
	ipam.CodeNetworkInterfaceNotFound:    {"InvalidNetworkInterfaceID.NotFound", http.StatusBadRequest},
	ipam.CodeVpcIDMalformed:              {"InvalidVpcID.Malformed", http.StatusBadRequest},
	ipam.CodeSubnetIDMalformed:           {"InvalidSubnetID.Malformed", http.StatusBadRequest},
	ipam.CodeVpcEndpointNotFound:         {"InvalidVpcEndpointId.NotFound", http.StatusBadRequest},

	// Resource discovery ids.
	ipam.CodeDiscoveryNotFound:               {"InvalidIpamResourceDiscoveryId.NotFound", http.StatusBadRequest},
	ipam.CodeDiscoveryAssociationNotFound:    {"InvalidIpamResourceDiscoveryAssociationId.NotFound", http.StatusBadRequest},
	ipam.CodeDiscoveryIDMalformed:            {"InvalidIpamResourceDiscoveryId.Malformed", http.StatusBadRequest},
	ipam.CodeDiscoveryAssociationIDMalformed: {"InvalidIpamResourceDiscoveryAssociationId.Malformed", http.StatusBadRequest},
}

// toWire maps any error a request can end with to what the client sees.
// internal reports whether the error is ours, not the client's, so the
// caller logs the details (which never reach the client).
func toWire(err error) (w wireError, internal bool) {
	var we *wireError
	var qe *ec2query.Error
	var se *sigv4.Error
	var de *ipam.Error
	switch {
	case errors.As(err, &we):
		return *we, false
	case errors.As(err, &qe):
		return wireError{http.StatusBadRequest, qe.Code, qe.Message}, false
	case errors.As(err, &se):
		return wireError{se.Status, se.Code, se.Message}, false
	case errors.As(err, &de):
		e, ok := codes[de.Code]
		if !ok {
			e = codes[ipam.CodeInternal]
		}
		return wireError{e.status, e.ec2, de.Message}, de.Code == ipam.CodeInternal
	}
	de = ipam.AsError(err)
	e := codes[de.Code]
	return wireError{e.status, e.ec2, de.Message}, de.Code == ipam.CodeInternal
}
