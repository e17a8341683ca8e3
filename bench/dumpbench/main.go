// Command dumpbench measures ipamd export and import at scale: it fills a
// SQLite store with -n allocations of one pool (and -tokens client-token
// records, as the SDKs leave one per AllocateIpamPoolCidr) directly through
// the store, then times four runs of the ipamd binary, reading each one's
// peak resident memory from the kernel (rusage):
//
//	export SQLite -> file, import file -> PostgreSQL,
//	export PostgreSQL -> file, import file -> SQLite
//
//	cd bench && go run ./dumpbench -n 1000000
package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

func main() {
	n := flag.Int("n", 1000000, "allocations")
	tokens := flag.Int("tokens", -1, "client-token records (default: as many as allocations)")
	admin := flag.String("database-url", envOr("IPAMD_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"admin URL of the PostgreSQL server (a database is created and dropped)")
	bin := flag.String("ipamd", "", "ipamd binary (default: build ../cmd/ipamd)")
	flag.Parse()
	if *tokens < 0 {
		*tokens = *n
	}
	if err := run(*n, *tokens, *admin, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "dumpbench:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

func run(n, tokens int, admin, bin string) error {
	tmp, err := os.MkdirTemp("", "dumpbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "ipamd")
		build := exec.Command("go", "build", "-o", bin, "./cmd/ipamd")
		build.Dir = ".." // the main module: run from bench/
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build: %v\n%s", err, out)
		}
	}
	src := filepath.Join(tmp, "src")
	t0 := time.Now()
	if err := fill(src, n, tokens); err != nil {
		return err
	}
	fmt.Printf("filled %d allocations and %d client tokens in %.1fs; database %s\n", n, tokens,
		time.Since(t0).Seconds(), size(filepath.Join(src, sqlite.FileName)))

	db, drop, err := newDatabase(admin)
	if err != nil {
		return err
	}
	defer drop()
	f1, f2 := filepath.Join(tmp, "from-sqlite.dump"), filepath.Join(tmp, "from-postgres.dump")
	fmt.Println()
	fmt.Println("| step | seconds | peak RSS | dump size |")
	fmt.Println("|---|---:|---:|---:|")
	for _, s := range []struct {
		name string
		args []string
		file string
	}{
		{"export SQLite → file", []string{"export", "--data-dir", src, "--out", f1}, f1},
		{"import file → PostgreSQL", []string{"import", "--database-url", db, "--in", f1}, f1},
		{"export PostgreSQL → file", []string{"export", "--database-url", db, "--out", f2}, f2},
		{"import file → SQLite", []string{"import", "--data-dir", filepath.Join(tmp, "dst"), "--in", f2}, f2},
	} {
		cmd := exec.Command(bin, s.args...)
		cmd.Env = append(os.Environ(), "IPAMD_DATABASE_URL=")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		peak := watchPeak(cmd.Process.Pid)
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("%s: %v\n%s", s.name, err, out.Bytes())
		}
		fmt.Printf("| %s | %.1f | %d MB | %s |\n", s.name, time.Since(start).Seconds(), <-peak>>10, size(s.file))
	}
	return nil
}

// watchPeak polls the process's VmHWM (peak resident set of its own image:
// rusage's maxrss would count the parent's memory copied at fork) every
// 20 ms until it exits, and sends the last value in KiB.
func watchPeak(pid int) <-chan int64 {
	ch := make(chan int64, 1)
	go func() {
		var peak int64
		for {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			if err != nil {
				break
			}
			for _, l := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
					if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64); err == nil && kb > peak {
						peak = kb
					}
				}
			}
			if strings.Contains(string(b), "State:\tZ") {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		ch <- peak
	}()
	return ch
}

func size(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%d MB", fi.Size()>>20)
}

// fill writes one IPAM, scope and /8 pool with n /32 allocations (with a
// description and a tag, as loadgen makes) and tokens client-token records.
func fill(dir string, n, tokens int) error {
	s, err := sqlite.Open(dir)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	const owner = "111122223333"
	pool := &ipam.Pool{ID: "ipam-pool-bench", OwnerID: owner, IpamID: "ipam-bench", ScopeID: "ipam-scope-bench",
		ScopeType: "private", IpamRegion: "us-east-1", State: ipam.StateCreateComplete, AddressFamily: "ipv4"}
	err = s.Update(ctx, func(tx ipam.Tx) error {
		if err := tx.InsertIPAM(&ipam.IPAM{ID: pool.IpamID, OwnerID: owner, Region: "us-east-1", State: ipam.StateCreateComplete,
			PrivateDefaultScopeID: pool.ScopeID, ScopeCount: 1}); err != nil {
			return err
		}
		if err := tx.InsertScope(&ipam.Scope{ID: pool.ScopeID, OwnerID: owner, IpamID: pool.IpamID, Type: "private",
			IpamRegion: "us-east-1", IsDefault: true, PoolCount: 1, State: ipam.StateCreateComplete}); err != nil {
			return err
		}
		if err := tx.InsertPool(pool); err != nil {
			return err
		}
		return tx.InsertPoolCIDR(&ipam.PoolCIDR{ID: "ipam-pool-cidr-bench", PoolID: pool.ID,
			CIDR: netip.MustParsePrefix("10.0.0.0/8"), State: ipam.CidrProvisioned, Seq: 1})
	})
	if err != nil {
		return err
	}
	const chunk = 50000
	for lo := 0; lo < max(n, tokens); lo += chunk {
		hi := min(lo+chunk, max(n, tokens))
		err := s.Update(ctx, func(itx ipam.Tx) error {
			tx := itx.(ipam.BulkTx)
			var as []*ipam.Allocation
			var recs []*ipam.TokenRecord
			for i := lo; i < hi; i++ {
				if i < n {
					var b [4]byte
					binary.BigEndian.PutUint32(b[:], 10<<24+uint32(i))
					as = append(as, &ipam.Allocation{ID: fmt.Sprintf("ipam-pool-alloc-%032x", i), PoolID: pool.ID, OwnerID: owner,
						CIDR: netip.PrefixFrom(netip.AddrFrom4(b), 32), ResourceType: ipam.ResourceCustom, ResourceOwner: owner,
						Description: "bench", Tags: []ipam.Tag{{Key: "n", Value: fmt.Sprint(i)}}})
				}
				if i < tokens {
					recs = append(recs, &ipam.TokenRecord{OwnerID: owner, Action: "AllocateIpamPoolCidr",
						Token: fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i), ParamsHash: fmt.Sprintf("%064x", i),
						Result: []byte(fmt.Sprintf(`{"id":"ipam-pool-alloc-%032x","cidr":"10.%d.%d.%d/32"}`, i, i>>16&255, i>>8&255, i&255))})
				}
			}
			if err := tx.InsertAllocations(as); err != nil {
				return err
			}
			return tx.PutClientTokens(recs)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// newDatabase creates a fresh database on the server at admin.
func newDatabase(admin string) (string, func(), error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	_, _ = crand.Read(b[:])
	name := "dumpbench_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	drop := func() {
		if c, err := pgx.Connect(ctx, admin); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}
