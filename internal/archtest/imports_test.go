// Package archtest holds the test that keeps the layers' imports pointing
// inward (docs/architecture.md).
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/ipamd/ipamd/"

// prometheus is the metrics library: only internal/metrics (and the binary)
// may use it. (Its collectors package imports database/sql, for its DB
// stats collector; internal/metrics is kept from the stores by name.)
const prometheus = "github.com/prometheus/"

// forbidden lists, per package, what it must never depend on, directly or
// through anything it imports.
var forbidden = map[string][]string{
	"internal/cidr":            {"net/http", "database/sql", "encoding/xml", "log/slog", module + "internal/"},
	"internal/ipam":            {"net/http", "database/sql", "encoding/xml", prometheus, module + "internal/api", module + "internal/store", module + "internal/ec2query", module + "internal/sigv4", module + "internal/metrics", module + "internal/audit"},
	"internal/ec2query":        {"database/sql", module + "internal/"},
	"internal/sigv4":           {"database/sql", "encoding/xml", module + "internal/"},
	"internal/audit":           {"net/http", "database/sql", "encoding/xml", module + "internal/"},
	"internal/api":             {"database/sql", prometheus, module + "internal/store", module + "internal/metrics"},
	"internal/metrics":         {"encoding/xml", module + "internal/api", module + "internal/store", module + "internal/ec2query", module + "internal/sigv4"},
	"internal/console":         {"database/sql", module + "internal/store"},
	"internal/store/sqlite":    {"net/http", module + "internal/api", module + "internal/ec2query"},
	"internal/store/postgres":  {"net/http", module + "internal/api", module + "internal/ec2query"},
	"internal/store/migration": {"net/http", "database/sql", module + "internal/"},
	"internal/store/vpcdoc":    {"net/http", "database/sql", module + "internal/api", module + "internal/ec2query", module + "internal/store/sqlite", module + "internal/store/postgres"},
	"internal/dump":            {"net/http", "database/sql", "encoding/xml", module + "internal/api", module + "internal/store"},
}

func TestImportsPointInward(t *testing.T) {
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", module+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == module+pkg {
				continue
			}
			for _, b := range bad {
				if dep == b || (strings.HasSuffix(b, "/") && strings.HasPrefix(dep, b)) ||
					strings.HasPrefix(dep, b+"/") {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
