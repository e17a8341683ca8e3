// Command ipamd is a self-hosted IP address manager that speaks the AWS EC2
// IPAM API. Subcommands: serve, version.
package main

import (
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
	switch os.Args[1] {
	case "serve":
		if err := serve(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "ipamd:", err)
			os.Exit(1)
		}
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
  version   print the version
`)
}
