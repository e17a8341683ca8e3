package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Backup writes a consistent snapshot of the store in dir to the file dest,
// which must not exist. It may run in another process while a server uses
// the store: VACUUM INTO reads inside one read transaction, which in WAL
// mode never blocks the writer, so the server keeps answering (the backup
// waits at most for busy_timeout on a schema lock, never the writer for the
// backup). The copy is written beside dest, fsynced, checked, and renamed
// into place, so dest is either absent or a whole, valid database.
func Backup(ctx context.Context, dir, dest string) error {
	src := filepath.Join(dir, FileName)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no store in %s: %w", dir, err)
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("%s exists; backup never overwrites a file", dest)
	}
	tmp := dest + ".partial"
	_ = os.Remove(tmp) // a crashed earlier run's leftover
	db, err := sql.Open("sqlite", src+"?"+commonPragmas)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("snapshot of %s: %w", src, err)
	}
	if err := checkDatabase(ctx, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncFile(filepath.Dir(dest))
}

// Restore copies the backup file src into dir as the store's database. dir
// must be empty or absent: a non-empty directory is refused and left as it
// was. The backup is checked first; migrations run when a server next opens
// the store, so a backup made by an older release restores too.
func Restore(ctx context.Context, src, dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty (%d entries, e.g. %s): restore only into an empty or new directory", dir, len(entries), entries[0].Name())
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := checkDatabase(ctx, src); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	dst := filepath.Join(dir, FileName)
	tmp := dst + ".partial"
	if err := copyFile(src, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncFile(dir)
}

// checkDatabase reports whether path is an intact ipamd SQLite database.
func checkDatabase(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return fmt.Errorf("%s is not a SQLite database: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("%s is damaged: %s", path, res)
	}
	var v int
	if err := db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return fmt.Errorf("%s is not an ipamd store: %w", path, err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := out.ReadFrom(in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncFile fsyncs a file or directory (a directory after a rename in it).
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
