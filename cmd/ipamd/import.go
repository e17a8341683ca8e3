package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ipamd/ipamd/internal/dump"
	"github.com/ipamd/ipamd/internal/ipam"
)

// importDump: ipamd import [--data-dir DIR | --database-url URL] --in FILE|-,
// into an empty store.
func importDump(args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	cfg := storeFlags(fs, "to load (must be empty)")
	in := fs.String("in", "", "dump file written by ipamd export, or - for standard input")
	if err := parseSub(fs, args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("import: --in FILE (or -) is required")
	}
	var r io.Reader = os.Stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		r = f
	}
	return withStore(cfg, func(ctx context.Context, store ipam.Store, where string) error {
		stats, err := dump.Import(ctx, store, r)
		if err != nil {
			return fmt.Errorf("import into %s: %w (nothing was loaded)", where, err)
		}
		fmt.Fprintf(os.Stderr, "ipamd: imported into %s: %s\n", where, statsLine(stats))
		return nil
	})
}
