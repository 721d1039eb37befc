// Command switchboard runs the Switchboard server and its administrative tasks:
//
//	switchboard serve                      run the server
//	switchboard token create --role R --user U [--tenant T]
//	                                       print a new API token (and nothing else)
//	switchboard keys rotate                re-encrypt secrets under a new key
//
// Every flag also has a SWITCHBOARD_* environment variable; flags win.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "switchboard:", err)
		}
		os.Exit(1)
	}
}

// errUsage means the usage was already printed.
var errUsage = errors.New("usage")

const usage = `Usage:
  switchboard serve [flags]              run the server (see serve -h)
  switchboard token create --role ADMIN|SUPERVISOR|AGENT --user NAME [--tenant T] [--data-dir D]
  switchboard keys rotate [--data-dir D] re-encrypt stored secrets under a new key
  switchboard bench [flags]              load-test a server and check nothing is lost (see bench -h)
`

// run dispatches a subcommand; main only wires signals and the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch {
	case args[0] == "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case args[0] == "token" && len(args) > 1 && args[1] == "create":
		return tokenCreate(ctx, args[2:], stdout, stderr)
	case args[0] == "keys" && len(args) > 1 && args[1] == "rotate":
		return keysRotate(ctx, args[2:], stdout, stderr)
	case args[0] == "bench":
		return benchCmd(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return errUsage
}
