package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// flagSet is a flag.FlagSet whose flags can take their defaults from
// environment variables; the variable is named in the flag's help.
type flagSet struct {
	*flag.FlagSet
	env *cmdEnv
}

func newFlagSet(env *cmdEnv, c *command) *flagSet {
	fs := flag.NewFlagSet("bianque "+c.Name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, strings.TrimSpace(c.Usage))
		fmt.Fprintln(env.Stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return &flagSet{FlagSet: fs, env: env}
}

func (f *flagSet) lookupEnv(name string) (string, bool) {
	if name == "" || f.env.Getenv == nil {
		return "", false
	}
	v := f.env.Getenv(name)
	return v, v != ""
}

func envHelp(usage, env string) string {
	if env == "" {
		return usage
	}
	return usage + " (env " + env + ")"
}

// String defines a string flag with an environment default.
func (f *flagSet) String(name, env, def, usage string) *string {
	if v, ok := f.lookupEnv(env); ok {
		def = v
	}
	return f.FlagSet.String(name, def, envHelp(usage, env))
}

// Bool defines a bool flag with an environment default ("1", "true", ...).
func (f *flagSet) Bool(name, env string, def bool, usage string) *bool {
	if v, ok := f.lookupEnv(env); ok {
		if b, err := strconv.ParseBool(v); err == nil {
			def = b
		}
	}
	return f.FlagSet.Bool(name, def, envHelp(usage, env))
}

// Int defines an int flag with an environment default.
func (f *flagSet) Int(name, env string, def int, usage string) *int {
	if v, ok := f.lookupEnv(env); ok {
		if n, err := strconv.Atoi(v); err == nil {
			def = n
		}
	}
	return f.FlagSet.Int(name, def, envHelp(usage, env))
}

// Duration defines a duration flag with an environment default.
func (f *flagSet) Duration(name, env string, def time.Duration, usage string) *time.Duration {
	if v, ok := f.lookupEnv(env); ok {
		if d, err := time.ParseDuration(v); err == nil {
			def = d
		}
	}
	return f.FlagSet.Duration(name, def, envHelp(usage, env))
}

// parse parses args; a bad flag prints usage and yields errUsage.
func (f *flagSet) parse(args []string) error {
	if err := f.FlagSet.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errUsage
	}
	return nil
}
