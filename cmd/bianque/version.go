package main

import (
	"context"
	"fmt"
	"runtime"

	"bianque"
)

func init() {
	register(&command{
		Name:    "version",
		Summary: "print the version",
		Usage:   "Usage: bianque version\n\nPrints the release and the Go toolchain it was built with.",
		Run: func(ctx context.Context, env *cmdEnv, args []string) error {
			fmt.Fprintf(env.Stdout, "bianque %s (%s, %s/%s)\n", bianque.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	})
}
