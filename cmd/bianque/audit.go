package main

import (
	"context"
	"encoding/json"
	"fmt"

	"bianque/service"
)

func init() {
	register(&command{
		Name:    "audit",
		Summary: "verify the hash-chained audit log",
		Usage: `Usage: bianque audit verify [--db URL] [--data DIR] [--json]

Reads every audit chain of the database (the platform's and each tenant's)
and checks each entry's hash, each link to the previous entry, the sequence
numbers and the chain heads. It lists every edited, deleted or reordered
entry and exits with status 1 if it found any; 0 means the log is intact.`,
		Run: runAudit,
	})
}

func runAudit(ctx context.Context, env *cmdEnv, args []string) error {
	c := commands["audit"]
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(env.Stderr, "bianque audit: the only subcommand is verify")
		return errUsage
	}
	fs := newFlagSet(env, c)
	data := fs.String("data", "BIANQUE_DATA", "./data", "data directory (SQLite database)")
	db := fs.String("db", "BIANQUE_DB", "", dbFlagUsage)
	fieldKey := fs.String("field-key", "BIANQUE_FIELD_KEY", "", fieldKeyUsage)
	asJSON := fs.Bool("json", "", false, "print the report as JSON")
	if err := fs.parse(args[1:]); err != nil {
		return err
	}
	key, err := parseFieldKey(*fieldKey)
	if err != nil {
		return err
	}
	store, where, err := openStore(ctx, *db, *data, key)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := service.VerifyAudit(ctx, store, nil)
	if err != nil {
		return fmt.Errorf("verify %s: %w", where, err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, p := range rep.Problems {
			chain := "platform"
			if p.TenantID != "" {
				chain = "tenant " + p.TenantID
			}
			fmt.Fprintf(env.Stdout, "%s, entry %d: %s\n", chain, p.Seq, p.Problem)
		}
		fmt.Fprintf(env.Stdout, "%s: %d chains, %d entries, %d problems\n", where, rep.Chains, rep.Entries, len(rep.Problems))
	}
	if !rep.OK() {
		return fmt.Errorf("audit log verification failed: %d problems", len(rep.Problems))
	}
	return nil
}
