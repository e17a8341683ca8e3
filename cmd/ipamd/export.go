package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ipamd/ipamd/internal/dump"
	"github.com/ipamd/ipamd/internal/ipam"
	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// storeFlags are the flags that choose a store, as serve's.
func storeFlags(fs *flag.FlagSet, what string) *serveConfig {
	c := &serveConfig{sqliteSync: sqlite.SyncFull}
	fs.StringVar(&c.dataDir, "data-dir", envOr("IPAMD_DATA_DIR", "./ipamd-data"), "SQLite data directory "+what+" ($IPAMD_DATA_DIR)")
	fs.StringVar(&c.databaseURL, "database-url", envOr("IPAMD_DATABASE_URL", ""), "PostgreSQL URL "+what+"; wins over --data-dir ($IPAMD_DATABASE_URL)")
	return c
}

// export: ipamd export [--data-dir DIR | --database-url URL] --out FILE|-.
func export(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	cfg := storeFlags(fs, "to export")
	out := fs.String("out", "", "file to write the dump to (must not exist), or - for standard output")
	if err := parseSub(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("export: --out FILE (or -) is required")
	}
	return withStore(cfg, func(ctx context.Context, store ipam.Store, where string) (err error) {
		var w io.Writer = os.Stdout
		var f *os.File
		if *out != "-" {
			if f, err = os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			w = f
		}
		stats, err := dump.Export(ctx, store, w)
		if f != nil {
			if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
				os.Remove(*out) // never leave a partial dump under the name
			}
		}
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(os.Stderr, "ipamd: exported %s: %s\n", where, statsLine(stats))
		return nil
	})
}

// withStore opens the store cfg names, runs fn with a context that ends on
// SIGINT or SIGTERM, and closes the store.
func withStore(cfg *serveConfig, fn func(ctx context.Context, store ipam.Store, where string) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	store, where, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(ctx, store, where)
}

func statsLine(s dump.Stats) string {
	return fmt.Sprintf("%d IPAMs, %d scopes, %d pools, %d pool CIDRs, %d VPCs, %d subnets, %d allocations, %d client tokens",
		s[dump.KindIPAM], s[dump.KindScope], s[dump.KindPool], s[dump.KindPoolCIDR], s[dump.KindVPC], s[dump.KindSubnet],
		s[dump.KindAllocation], s[dump.KindClientToken])
}
