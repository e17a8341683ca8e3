// Command ipamd is a self-hosted IP address manager that speaks the AWS EC2
// IPAM API. Subcommands: serve, backup, restore, export,
// import, version.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	commands := map[string]func([]string) error{"serve": serve, "backup": backup, "restore": restore,
		"export": export, "import": importDump}
	if run, ok := commands[os.Args[1]]; ok {
		if err := run(os.Args[2:]); err != nil && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ipamd:", err)
			os.Exit(1)
		}
		return
	}
	switch os.Args[1] {
	case "version", "--version", "-v":
		fmt.Println("ipamd", version)
	case "help", "-h", "--help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "ipamd: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: ipamd <command> [flags]

commands:
  serve     run the EC2 IPAM API server (ipamd serve -h for flags)
  backup    snapshot a SQLite store to a file while it serves (--data-dir, --out)
  restore   restore a backup into an empty data directory (--from, --data-dir)
  export    write the whole state of a store (SQLite or PostgreSQL) as a dump (--out)
  import    load a dump into an empty store, e.g. SQLite -> PostgreSQL (--in)
  version   print the version
`)
}
