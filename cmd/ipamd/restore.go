package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/ipamd/ipamd/internal/store/sqlite"
)

// restore: ipamd restore --from FILE --data-dir DIR, into an empty directory.
func restore(args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	dir := fs.String("data-dir", envOr("IPAMD_DATA_DIR", "./ipamd-data"), "empty or new data directory to restore into ($IPAMD_DATA_DIR)")
	from := fs.String("from", "", "backup file written by ipamd backup")
	if err := parseSub(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: --from FILE is required")
	}
	if err := sqlite.Restore(context.Background(), *from, *dir); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(os.Stderr, "ipamd: restored %s into %s; start ipamd serve --data-dir %s\n", *from, *dir, *dir)
	return nil
}
