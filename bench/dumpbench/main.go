// Command dumpbench measures ipamd export and import at scale: it fills a
// SQLite store with -n allocations of one pool (and -tokens client-token
// records, as the SDKs leave one per AllocateIpamPoolCidr) directly through
// the store, then times four runs of the ipamd binary, reading each one's
// peak resident memory (VmHWM) and CPU time, and the CPU time of the
// PostgreSQL backends serving it when the server runs on this machine:
//
//	export SQLite -> file, import file -> PostgreSQL,
//	export PostgreSQL -> file, import file -> SQLite
//
//	cd bench && go run ./dumpbench -n 1000000 [-work DIR]
//
// The CPU columns matter on a shared machine: wall-clock seconds grow with
// the load average, CPU seconds barely do.
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
	work := flag.String("work", "", "keep the source store and the dumps in this directory (default: a temporary one,\n"+
		"removed at the end); a source store already there from an earlier run with the same -n is reused, not refilled")
	flag.Parse()
	if *tokens < 0 {
		*tokens = *n
	}
	if err := run(*n, *tokens, *admin, *bin, *work); err != nil {
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

func run(n, tokens int, admin, bin, work string) error {
	tmp := work
	if tmp == "" {
		var err error
		if tmp, err = os.MkdirTemp("", "dumpbench"); err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
	} else {
		// The outputs of an earlier run: every step refuses an existing target.
		for _, f := range []string{"from-sqlite.dump", "from-postgres.dump", "dst"} {
			if err := os.RemoveAll(filepath.Join(tmp, f)); err != nil {
				return err
			}
		}
	}
	if bin == "" {
		bin = filepath.Join(tmp, "ipamd")
		build := exec.Command("go", "build", "-o", bin, "./cmd/ipamd")
		build.Dir = ".." // the main module: run from bench/
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build: %v\n%s", err, out)
		}
	}
	src := filepath.Join(tmp, fmt.Sprintf("src-%d-%d", n, tokens))
	if _, err := os.Stat(filepath.Join(src, "filled")); err == nil {
		fmt.Printf("reusing %s\n", src)
	} else {
		if err := os.RemoveAll(src); err != nil {
			return err
		}
		t0 := time.Now()
		if err := fill(src, n, tokens); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(src, "filled"), nil, 0o600); err != nil {
			return err
		}
		fmt.Printf("filled %d allocations and %d client tokens in %.1fs; database %s\n", n, tokens,
			time.Since(t0).Seconds(), size(filepath.Join(src, sqlite.FileName)))
	}

	db, drop, err := newDatabase(admin)
	if err != nil {
		return err
	}
	defer drop()
	f1, f2 := filepath.Join(tmp, "from-sqlite.dump"), filepath.Join(tmp, "from-postgres.dump")
	fmt.Println()
	fmt.Println("| step | seconds | ipamd CPU s | PostgreSQL backend CPU s | peak RSS | dump size |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
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
		backend := watchBackends(admin, dbName(db))
		err := cmd.Wait()
		server := backend()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", s.name, err, out.Bytes())
		}
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		fmt.Printf("| %s | %.1f | %.1f | %s | %d MB | %s |\n", s.name, time.Since(start).Seconds(), cpu.Seconds(),
			server, <-peak>>10, size(s.file))
	}
	return nil
}

func dbName(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(p.Path, "/")
}

// watchBackends polls, every 100 ms until the returned function is called,
// the CPU time (user+system, /proc/PID/stat) of the PostgreSQL backends
// serving database db, and returns their total then; "-" if it read none
// (no backend ran, or the server is not on this machine). The time a
// backend spends after its last poll is missed: at most 100 ms each.
func watchBackends(admin, db string) func() string {
	stop, done := make(chan struct{}), make(chan string, 1)
	go func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			done <- "-"
			return
		}
		defer conn.Close(ctx)
		ticks := map[int64]int64{}
		for {
			rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1`, db)
			if err == nil {
				for rows.Next() {
					var pid int64
					if rows.Scan(&pid) == nil {
						if t, ok := procTicks(pid); ok {
							ticks[pid] = t
						}
					}
				}
				rows.Close()
			}
			select {
			case <-stop:
				if len(ticks) == 0 {
					done <- "-"
					return
				}
				var sum int64
				for _, t := range ticks {
					sum += t
				}
				done <- fmt.Sprintf("%.1f", float64(sum)/100) // USER_HZ is 100 on Linux
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() string { close(stop); return <-done }
}

// procTicks is utime+stime of a process in clock ticks.
func procTicks(pid int64) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	return u + s, err1 == nil && err2 == nil
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
