package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// backup: ipamd backup --data-dir DIR --out FILE, while a server may run.
func backup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	dir := fs.String("data-dir", envOr("IPAMD_DATA_DIR", "./ipamd-data"), "data directory of the SQLite store to back up ($IPAMD_DATA_DIR)")
	out := fs.String("out", "", "file to write the snapshot to; must not exist")
	if err := parseSub(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: --out FILE is required")
	}
	if os.Getenv("IPAMD_DATABASE_URL") != "" {
		return errors.New("backup copies the SQLite store; for PostgreSQL use pg_dump (docs/deployment.md)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := sqlite.Backup(ctx, *dir, *out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(os.Stderr, "ipamd: backed up %s to %s\n", *dir, *out)
	return nil
}

// envOr is $env, or def when it is unset.
func envOr(env, def string) string {
	if v, ok := os.LookupEnv(env); ok {
		return v
	}
	return def
}

// parseSub parses a subcommand's flags and refuses stray arguments.
func parseSub(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected arguments: %v", fs.Name(), fs.Args())
	}
	return nil
}
