package api_test

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ipamd/ipamd/internal/api"
	"github.com/ipamd/ipamd/internal/e2e/ec2raw"
	"github.com/ipamd/ipamd/internal/testserver"
)

const compatDoc = "../../docs/compatibility.md"

type compatRow struct {
	op, status, notes string
	ipam              bool // listed in the IPAM table (vs. "Other EC2 operations")
}

var rowRE = regexp.MustCompile("^\\| `([A-Za-z0-9]+)` \\| (implemented|partial|not implemented) \\| (.*) \\|$")

// readCompatDoc parses the two tables of docs/compatibility.md.
func readCompatDoc(t *testing.T) []compatRow {
	t.Helper()
	f, err := os.Open(compatDoc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []compatRow
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			section = line
			continue
		}
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		m := rowRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("%s: malformed table row: %s", compatDoc, line)
			continue
		}
		switch section {
		case "## IPAM operations", "## Other EC2 operations ipamd serves":
		default:
			t.Errorf("%s: operation row under unexpected heading %q: %s", compatDoc, section, line)
		}
		rows = append(rows, compatRow{op: m[1], status: m[2], notes: strings.TrimSpace(m[3]), ipam: section == "## IPAM operations"})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no operation rows", compatDoc)
	}
	return rows
}

func TestCompatibilityDocMatchesHandler(t *testing.T) {
	rows := readCompatDoc(t)
	dispatched, unsupported := api.DispatchedActions(), api.UnsupportedActions()
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.op] {
			t.Errorf("%s listed twice", r.op)
		}
		seen[r.op] = true
		if r.ipam != strings.Contains(r.op, "Ipam") {
			t.Errorf("%s is in the wrong table", r.op)
		}
		if r.status != "implemented" && r.notes == "" {
			t.Errorf("%s is %s but says nothing about what is missing", r.op, r.status)
		}
		served, refused := slices.Contains(dispatched, r.op), slices.Contains(unsupported, r.op)
		switch r.status {
		case "implemented", "partial":
			if !served {
				t.Errorf("%s is documented as %s but the handler does not dispatch it", r.op, r.status)
			}
		case "not implemented":
			if !refused {
				t.Errorf("%s is documented as not implemented but is not in the handler's unsupported list", r.op)
			}
			if served {
				t.Errorf("%s is documented as not implemented but the handler dispatches it", r.op)
			}
		}
		if r.status == "partial" && !strings.Contains(r.notes, "UnsupportedOperation") && r.ipam {
			t.Errorf("%s is partial: its note must name what answers UnsupportedOperation", r.op)
		}
	}
	for _, op := range dispatched {
		if !seen[op] {
			t.Errorf("the handler dispatches %s, which %s does not list", op, compatDoc)
		}
		if slices.Contains(unsupported, op) {
			t.Errorf("%s is both dispatched and in the unsupported list", op)
		}
	}
	for _, op := range unsupported {
		if !seen[op] {
			t.Errorf("the handler refuses %s as unsupported, which %s does not list", op, compatDoc)
		}
	}
}

// modelOperations asks the installed botocore for the EC2 operation names.
func modelOperations(t *testing.T) []string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed; cannot compare docs/compatibility.md with the botocore model")
	}
	out, err := exec.Command(py, "-c", `
import sys
try:
    import botocore.session
except ImportError:
    sys.exit(3)
m = botocore.session.get_session().get_service_model("ec2")
print(m.metadata["apiVersion"])
print("\n".join(m.operation_names))
`).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Skip("botocore is not installed for python3; cannot compare docs/compatibility.md with the model")
	}
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) < 100 || lines[0] != api.APIVersion {
		t.Fatalf("unexpected botocore output (%d lines, version %q)", len(lines), lines[0])
	}
	return lines[1:]
}

func TestCompatibilityDocMatchesModel(t *testing.T) {
	model := modelOperations(t)
	rows := readCompatDoc(t)
	doc := map[string]compatRow{}
	for _, r := range rows {
		doc[r.op] = r
	}
	n := 0
	for _, op := range model {
		if !strings.Contains(op, "Ipam") {
			continue
		}
		n++
		if _, ok := doc[op]; !ok {
			t.Errorf("the botocore model has %s, which %s does not list", op, compatDoc)
		}
	}
	for _, r := range rows {
		if !slices.Contains(model, r.op) {
			t.Errorf("%s lists %s, which is not an operation of the botocore EC2 model", compatDoc, r.op)
		}
	}
	ipamRows := 0
	for _, r := range rows {
		if r.ipam {
			ipamRows++
		}
	}
	if ipamRows != n {
		t.Errorf("%s lists %d IPAM operations; the model has %d", compatDoc, ipamRows, n)
	}
	t.Logf("botocore model: %d IPAM operations", n)
}

// Every unsupported action answers 400 UnsupportedOperation naming itself,
// through the real handler; an action outside the API is InvalidAction.
func TestUnsupportedOperationsAnswer(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := &ec2raw.Client{URL: srv.URL, AccessKey: "test", Secret: "test"}
	unsupported := api.UnsupportedActions()
	if len(unsupported) == 0 {
		t.Fatal("no unsupported actions")
	}
	for _, op := range unsupported {
		resp, err := c.Call(op, nil)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		if resp.Status != 400 || resp.Envelope.Code != "UnsupportedOperation" || !strings.Contains(resp.Envelope.Message, op) {
			t.Errorf("%s: %d %s %q, want 400 UnsupportedOperation naming it", op, resp.Status, resp.Envelope.Code, resp.Envelope.Message)
		}
	}
	for _, op := range []string{"RunInstances", "CreateIpamFoo", "describeipams"} {
		resp, err := c.Call(op, nil)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		if resp.Status != 400 || resp.Envelope.Code != "InvalidAction" {
			t.Errorf("%s: %d %s, want 400 InvalidAction", op, resp.Status, resp.Envelope.Code)
		}
	}
}

// readPrefixes are the action-name prefixes of EC2's non-mutating request
// bucket (AWS's request throttling page); every other action is mutating.
var readPrefixes = []string{"Describe", "Get", "List", "Search"}

// TestActionTable: every action in the one table is an operation of the
// botocore EC2 model, and its rate-limit bucket follows EC2's naming rule.
func TestActionTable(t *testing.T) {
	acts := api.Actions()
	for _, a := range acts {
		read := slices.ContainsFunc(readPrefixes, func(p string) bool { return strings.HasPrefix(a.Name, p) })
		if a.Served && a.Mutating == read {
			t.Errorf("%s: mutating=%v, but EC2 counts %s calls as %s", a.Name, a.Mutating, a.Name,
				map[bool]string{true: "reads", false: "mutating"}[read])
		}
	}
	model := modelOperations(t)
	for _, a := range acts {
		if !slices.Contains(model, a.Name) {
			t.Errorf("the action table names %s, which is not an operation of the botocore EC2 model", a.Name)
		}
	}
}
