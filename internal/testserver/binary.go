package testserver

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// Binary builds ./cmd/ipamd once per test process and returns its path, for
// tests that run the real binary (kill -9, signals, flags, several nodes).
// Packages that use it call RemoveBinary from TestMain.
func Binary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "ipamd-test-bin-"); build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "ipamd")
		out, err := exec.Command("go", "build", "-o", build.bin, "github.com/ipamd/ipamd/cmd/ipamd").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

// RemoveBinary deletes what Binary built.
func RemoveBinary() {
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
}

// FreePort returns a loopback address that was free a moment ago, for a
// process that must be told its --listen address.
func FreePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
