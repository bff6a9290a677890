package main

import (
	"context"
	"fmt"
	"time"

	"bianque/auth"
)

func init() {
	register(&command{
		Name:    "totp",
		Summary: "print the current TOTP code of a secret (for demo accounts)",
		Usage: `Usage: bianque totp SECRET

Prints the current six-digit code of a base32 TOTP secret and how many
seconds it stays valid, like an authenticator app would. Meant for the demo
accounts that "bianque serve --demo" prints; real accounts belong in an app.`,
		Run: func(ctx context.Context, env *cmdEnv, args []string) error {
			fs := newFlagSet(env, commands["totp"])
			if err := fs.parse(args); err != nil {
				return err
			}
			if fs.NArg() != 1 {
				fmt.Fprintln(env.Stderr, "bianque totp: give one secret")
				return errUsage
			}
			secret, err := auth.ParseTOTPSecret(fs.Arg(0))
			if err != nil {
				return err
			}
			now := time.Now()
			o := auth.TOTP{Secret: secret}
			left := 30 - now.Unix()%30
			fmt.Fprintf(env.Stdout, "%s (valid %ds more)\n", o.Code(now), left)
			return nil
		},
	})
}
