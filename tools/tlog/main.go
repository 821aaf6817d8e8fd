// Command tlog runs the Data Rights Ledger's evidence log: a C2SP tlog-tiles log (RFC 6962 hashing) written by
// Tessera on its POSIX storage (one writer) or its MySQL storage (several writers on one MariaDB or MySQL database),
// with checkpoints signed as C2SP signed notes under the ledger's log key.
//
// Subcommands:
//
//	tlog serve   --storage DIR --key FILE --listen 127.0.0.1:PORT   the log: POST /add, static tiles, entries, checkpoint
//	tlog bench   --storage DIR --key FILE --duration 60s             Tessera's own writer, for the benchmark beside the API
//	             --storage mysql://USER:PASSWORD@tcp(127.0.0.1:PORT)/DATABASE   either, on Tessera's MySQL storage
//	tlog vectors                                                     transparency-dev/merkle's reference vectors as JSON
//
// The ledger writes through this program only; it never writes a tile itself.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tlog serve|bench|vectors [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "bench":
		err = bench(os.Args[2:])
	case "--version", "version":
		fmt.Println(version())
	case "vectors":
		err = vectors(os.Stdout)
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlog:", err)
		os.Exit(1)
	}
}

// version names the Tessera release this build pins, as `drl doctor` reports it.
func version() string {
	tessera := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/transparency-dev/tessera" {
				tessera = dep.Version
			}
		}
	}
	return "tlog version 1 (Tessera " + tessera + ", POSIX or MySQL storage)"
}
