// Command bianque is the Bianque security operations platform: the server,
// the hospital-side collector, and offline tools for each engine.
//
// Every subcommand lives in its own file and registers itself; main only
// dispatches. Run "bianque help" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand. Run returns an error to print and exit 1;
// errUsage prints the subcommand's usage and exits 2.
type command struct {
	Name    string
	Summary string // one line for "bianque help"
	Usage   string // full help text, printed before the flags
	Run     func(ctx context.Context, env *cmdEnv, args []string) error
}

// cmdEnv is what a subcommand may touch of the outside world; tests replace it.
type cmdEnv struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

var errUsage = errors.New("usage")

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.Name]; dup {
		panic("bianque: duplicate command " + c.Name)
	}
	commands[c.Name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &cmdEnv{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(run(ctx, env, os.Args[1:]))
}

// run dispatches args and returns the exit status.
func run(ctx context.Context, env *cmdEnv, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fmt.Fprintln(env.Stdout, strings.TrimSpace(c.Usage))
				return 0
			}
		}
		printHelp(env.Stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "bianque: unknown command %q\n\n", args[0])
		printHelp(env.Stderr)
		return 2
	}
	err := c.Run(ctx, env, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(env.Stderr, "bianque %s: %v\n", c.Name, err)
		return 1
	}
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `Bianque — security operations for hospitals.

Usage: bianque <command> [flags]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].Summary)
	}
	fmt.Fprint(w, `
Run "bianque <command> --help" for a command's flags. Every flag can also be
set by the environment variable named in its help (flags win).
Quick start: bianque serve --demo, then open http://127.0.0.1:8080/.
`)
}
