package api

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"slices"
	"testing"

	"github.com/ipamd/ipamd/internal/ec2query"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/sigv4"
)

// TestEveryCodeMapped: every domain code has a row with an EC2 code and an
// error status, and no two codes share an EC2 code (a client could not tell
// them apart).
func TestEveryCodeMapped(t *testing.T) {
	if len(codes) != len(ipam.Codes) {
		t.Errorf("table has %d rows, ipam.Codes has %d entries", len(codes), len(ipam.Codes))
	}
	seen := map[string]ipam.Code{}
	for _, c := range ipam.Codes {
		e, ok := codes[c]
		if !ok {
			t.Errorf("code %d has no table row", c)
			continue
		}
		if e.ec2 == "" {
			t.Errorf("code %d maps to an empty EC2 code", c)
		}
		if e.status < 400 || e.status > 599 {
			t.Errorf("code %d (%s) maps to HTTP %d", c, e.ec2, e.status)
		}
		if prev, dup := seen[e.ec2]; dup {
			t.Errorf("codes %d and %d both map to %s", prev, c, e.ec2)
		}
		seen[e.ec2] = c
	}
}

// TestEveryDeclaredCodeListed: ipam.Codes, which TestEveryCodeMapped walks,
// holds every Code constant declared in internal/ipam (read from the source,
// so a new code cannot be declared and forgotten in the list).
func TestEveryDeclaredCodeListed(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../ipam/errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		typed := false // in an iota block, later specs inherit the first's type
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if vs.Type != nil {
				id, ok := vs.Type.(*ast.Ident)
				typed = ok && id.Name == "Code"
			}
			if typed {
				for _, n := range vs.Names {
					declared = append(declared, n.Name)
				}
			}
		}
	}
	if len(declared) < 10 {
		t.Fatalf("found only %d Code constants in ../ipam/errors.go: %v", len(declared), declared)
	}
	if len(declared) != len(ipam.Codes) {
		t.Errorf("errors.go declares %d codes, ipam.Codes lists %d: %v", len(declared), len(ipam.Codes), declared)
	}
	// The constants are iota from 0, so the i-th declared is Code(i).
	for i, name := range declared {
		if !slices.Contains(ipam.Codes, ipam.Code(i)) {
			t.Errorf("%s (Code %d) is missing from ipam.Codes", name, i)
		}
	}
}

// TestToWire pins the mapping of the codes whose wire form is documented
// (reference §12) and of the other error kinds a request can end with.
func TestToWire(t *testing.T) {
	for _, tc := range []struct {
		err      error
		want     wireError
		internal bool
	}{
		{&ipam.Error{Code: ipam.CodeIpamNotFound, Message: "m"}, wireError{400, "InvalidIpamId.NotFound", "m"}, false},
		{&ipam.Error{Code: ipam.CodeScopeNotFound, Message: "m"}, wireError{400, "InvalidIpamScopeId.NotFound", "m"}, false},
		{&ipam.Error{Code: ipam.CodePoolNotFound, Message: "m"}, wireError{400, "InvalidIpamPoolId.NotFound", "m"}, false},
		{&ipam.Error{Code: ipam.CodeAllocationNotFound, Message: "m"}, wireError{400, "InvalidIpamPoolAllocationId.NotFound", "m"}, false},
		{&ipam.Error{Code: ipam.CodeDryRun, Message: "m"}, wireError{412, "DryRunOperation", "m"}, false},
		{&ipam.Error{Code: ipam.CodeIdempotentParameterMismatch, Message: "m"}, wireError{400, "IdempotentParameterMismatch", "m"}, false},
		{&ipam.Error{Code: ipam.CodeInvalidPaginationToken, Message: "m"}, wireError{400, "InvalidPaginationToken", "m"}, false},
		{&ipam.Error{Code: ipam.CodeResourceLimitExceeded, Message: "m"}, wireError{400, "ResourceLimitExceeded", "m"}, false},
		{&ipam.Error{Code: ipam.CodeDependencyViolation, Message: "m"}, wireError{400, "DependencyViolation", "m"}, false},
		{&ipam.Error{Code: ipam.CodeIncorrectState, Message: "m"}, wireError{400, "IncorrectState", "m"}, false},
		{&ipam.Error{Code: ipam.CodeInternal, Message: "m"}, wireError{500, "InternalError", "m"}, true},
		{fmt.Errorf("wrapped: %w", &ipam.Error{Code: ipam.CodeMissingParameter, Message: "m"}), wireError{400, "MissingParameter", "m"}, false},
		{&ec2query.Error{Code: "UnknownParameter", Message: "m"}, wireError{400, "UnknownParameter", "m"}, false},
		{&sigv4.Error{Code: "AuthFailure", Message: "m", Status: 401}, wireError{401, "AuthFailure", "m"}, false},
		// A bare error is ours: its text must not reach the client.
		{errors.New("disk on fire"), wireError{500, "InternalError", "An internal error has occurred."}, true},
		{fmt.Errorf("x: %w", ipam.ErrUnavailable), wireError{http.StatusServiceUnavailable, "ServiceUnavailable",
			"The service is unavailable. Please try again shortly."}, false},
	} {
		got, internal := toWire(tc.err)
		if got != tc.want || internal != tc.internal {
			t.Errorf("toWire(%v) = %+v internal=%v, want %+v internal=%v", tc.err, got, internal, tc.want, tc.internal)
		}
	}
}
