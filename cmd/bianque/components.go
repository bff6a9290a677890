package main

import (
	"context"
	"fmt"
	"os/user"
	"path/filepath"
	"text/tabwriter"
	"time"

	"bianque"
	"bianque/ingest"
	"bianque/pki"
)

func init() {
	register(&command{
		Name:    "components",
		Summary: "list, approve, reject or revoke connected components",
		Usage: `Usage: bianque components list TENANT [--state S]
       bianque components approve|reject|revoke TENANT COMPONENT_ID
       bianque components ca
       (each with [--data DIR] [--db URL] [--ca-dir DIR])

The operator's counterpart of the portal's device page, working on the
database directly (on the platform host): list a tenant's components (by
tenant code), approve an enrolling collector (the platform CA signs its
certificate request), reject one, or revoke one (its certificate is refused
from the next connection on). "ca" prints the CA certificate's SHA-256
fingerprint, which collectors pin with --ca-pin. Every change is recorded
in the tenant's audit chain as done by "cli:<system user>".`,
		Run: runComponents,
	})
}

func runComponents(ctx context.Context, env *cmdEnv, args []string) error {
	c := commands["components"]
	if len(args) == 0 {
		return errUsage
	}
	verb := args[0]
	fs := newFlagSet(env, c)
	data := fs.String("data", "BIANQUE_DATA", "./data", "data directory (SQLite database)")
	db := fs.String("db", "BIANQUE_DB", "", dbFlagUsage)
	fieldKey := fs.String("field-key", "BIANQUE_FIELD_KEY", "", fieldKeyUsage)
	caDir := fs.String("ca-dir", "BIANQUE_CA_DIR", "", "directory of the platform CA (default <data>/ca)")
	state := fs.String("state", "", "", "list only components in this state")
	// Flags may follow the positional arguments.
	var pos []string
	rest := args[1:]
	for len(rest) > 0 {
		if err := fs.parse(rest); err != nil {
			return err
		}
		rest = fs.Args()
		if len(rest) > 0 {
			pos = append(pos, rest[0])
			rest = rest[1:]
		}
	}
	if *caDir == "" {
		*caDir = filepath.Join(*data, "ca")
	}
	ca, err := pki.LoadOrCreateCA(*caDir, bianque.SystemClock{})
	if err != nil {
		return err
	}
	if verb == "ca" {
		fmt.Fprintf(env.Stdout, "%s\n", ca.Fingerprint())
		return nil
	}
	key, err := parseFieldKey(*fieldKey)
	if err != nil {
		return err
	}
	store, _, err := openStore(ctx, *db, *data, key)
	if err != nil {
		return err
	}
	defer store.Close()
	comps, ok := store.(bianque.ComponentStore)
	if !ok {
		return fmt.Errorf("the store keeps no components")
	}
	need := 2
	if verb == "list" {
		need = 1
	}
	if len(pos) != need {
		return errUsage
	}
	tenant, err := store.TenantByCode(ctx, pos[0])
	if err != nil {
		return fmt.Errorf("tenant %q: %w", pos[0], err)
	}
	actor := "cli"
	if u, err := user.Current(); err == nil {
		actor = "cli:" + u.Username
	}
	enr := &ingest.Enroller{Components: comps, CA: ca, Revoked: &pki.RevocationList{}, Clock: bianque.SystemClock{}}
	var done *bianque.Component
	switch verb {
	case "list":
		f := bianque.ComponentFilter{TenantIDs: []string{tenant.ID}, Page: bianque.Page{Limit: bianque.MaxPageLimit}}
		if *state != "" {
			f.States = []bianque.ComponentState{bianque.ComponentState(*state)}
		}
		cs, _, err := comps.Components(ctx, f)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tKIND\tSTATE\tLAST SEEN\tEVENTS\tERRORS")
		for _, c := range cs {
			seen := "-"
			if c.LastSeen != nil {
				seen = c.LastSeen.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\n", c.ID, c.Name, c.Kind, c.State, seen, c.Stats.EventsTotal, c.Stats.ErrorsTotal)
		}
		return tw.Flush()
	case "approve":
		done, err = enr.Approve(ctx, tenant.ID, pos[1], actor)
	case "reject":
		done, err = enr.Reject(ctx, tenant.ID, pos[1], actor)
	case "revoke":
		done, err = enr.Revoke(ctx, tenant.ID, pos[1], actor)
	default:
		return errUsage
	}
	if err != nil {
		return err
	}
	if err := store.AppendAudit(ctx, &bianque.AuditEntry{TenantID: tenant.ID, At: time.Now().UTC(), ActorName: actor,
		Action: "component." + verb, ObjectType: "component", ObjectID: done.ID,
		Detail: fmt.Sprintf(`{"name":%q,"state":%q,"cert_serial":%q}`, done.Name, done.State, done.CertSerial)}); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	fmt.Fprintf(env.Stdout, "%s %s: %s\n", done.ID, done.Name, done.State)
	return nil
}
