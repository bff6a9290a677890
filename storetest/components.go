package storetest

import (
	"fmt"
	"slices"
	"testing"

	"bianque"
)

// Components and dead letters (ingestion, migration 0500).

func newComponent(t *testing.T, s bianque.ComponentStore, tenantID string, mod func(*bianque.Component)) *bianque.Component {
	t.Helper()
	now := at()
	c := &bianque.Component{ID: bianque.NewIDAt(now), TenantID: tenantID, Name: "edge collector", Kind: bianque.ComponentCollector,
		State: bianque.ComponentPending, CreatedAt: now, UpdatedAt: now}
	if mod != nil {
		mod(c)
	}
	must(t, s.CreateComponent(ctx, c), "create component")
	return c
}

func componentStore(t *testing.T, s bianque.Store) bianque.ComponentStore {
	t.Helper()
	cs, ok := s.(bianque.ComponentStore)
	if !ok {
		t.Fatalf("%T does not implement bianque.ComponentStore", s)
	}
	return cs
}

func testComponents(t *testing.T, s bianque.Store) {
	cs := componentStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	c := newComponent(t, cs, a.ID, func(c *bianque.Component) {
		c.CSR = "-----BEGIN CERTIFICATE REQUEST-----"
		c.EnrollSecretHash = "secret-hash"
		c.SoftwareVersion = "0.1.0"
		c.Address = "192.0.2.7:50000"
	})
	if c.Version != 1 {
		t.Fatalf("created component has version %d", c.Version)
	}
	got, err := cs.Component(ctx, a.ID, c.ID)
	must(t, err, "read component")
	same(t, "component", got, c)
	if got.EnrollSecretHash != "secret-hash" {
		t.Fatalf("enrol secret hash not kept: %q", got.EnrollSecretHash)
	}
	anyTenant, err := cs.Component(ctx, "", c.ID)
	must(t, err, "read component of any tenant")
	same(t, "component by ID alone", anyTenant, c)
	_, err = cs.Component(ctx, b.ID, c.ID)
	wantCode(t, err, bianque.ENOTFOUND, "component through another tenant")
	wantCode(t, cs.CreateComponent(ctx, &bianque.Component{TenantID: a.ID, Name: "x", Kind: "toaster", State: bianque.ComponentPending}),
		bianque.EINVALID, "unknown kind")

	// Approve with a certificate; stale versions and foreign tenants change nothing.
	got.State, got.CertSerial, got.CertPEM, got.ApprovedBy = bianque.ComponentApproved, "abc123", "PEM", "admin"
	got.CertNotAfter, got.ApprovedAt = ptr(at()), ptr(at())
	must(t, cs.UpdateComponent(ctx, got), "approve")
	if got.Version != 2 {
		t.Fatalf("version after update = %d", got.Version)
	}
	stale := *c
	stale.Name = "stale"
	wantCode(t, cs.UpdateComponent(ctx, &stale), bianque.ECONFLICT, "stale update")
	foreign := *got
	foreign.TenantID = b.ID
	wantCode(t, cs.UpdateComponent(ctx, &foreign), bianque.ENOTFOUND, "update through another tenant")
	bySerial, err := cs.ComponentByCertSerial(ctx, "abc123")
	must(t, err, "by serial")
	same(t, "component by serial", bySerial, got)
	_, err = cs.ComponentByCertSerial(ctx, "")
	wantCode(t, err, bianque.ENOTFOUND, "empty serial")

	// Token components: lookup by hash, unique hash.
	tok := newComponent(t, cs, b.ID, func(c *bianque.Component) {
		c.Kind, c.State, c.TokenHash, c.Product = bianque.ComponentEDR, bianque.ComponentApproved, "tok-hash", "sysmon"
	})
	byTok, err := cs.ComponentByTokenHash(ctx, "tok-hash")
	must(t, err, "by token")
	if byTok.ID != tok.ID || byTok.TokenHash != "tok-hash" {
		t.Fatalf("by token: %+v", byTok)
	}
	_, err = cs.ComponentByTokenHash(ctx, "")
	wantCode(t, err, bianque.ENOTFOUND, "empty token hash")
	wantCode(t, cs.CreateComponent(ctx, &bianque.Component{TenantID: a.ID, Name: "dup", Kind: bianque.ComponentEDR,
		State: bianque.ComponentApproved, TokenHash: "tok-hash"}), bianque.ECONFLICT, "duplicate token hash")

	// Touch adds totals and replaces the latest figures, without a version change.
	seen := at()
	must(t, cs.TouchComponent(ctx, got.ID, seen, "192.0.2.8:1", bianque.ComponentStats{EventsTotal: 10, ErrorsTotal: 1, EventsPerSecond: 2.5, BacklogEvents: 7, LastError: "x"}), "touch")
	must(t, cs.TouchComponent(ctx, got.ID, seen, "", bianque.ComponentStats{EventsTotal: 5, EventsPerSecond: 1.5}), "touch again")
	touched, err := cs.Component(ctx, a.ID, got.ID)
	must(t, err, "read touched")
	want := bianque.ComponentStats{EventsTotal: 15, ErrorsTotal: 1, EventsPerSecond: 1.5}
	same(t, "stats", touched.Stats, want)
	if touched.LastSeen == nil || !touched.LastSeen.Equal(seen) || touched.Address != "192.0.2.8:1" || touched.Version != got.Version {
		t.Fatalf("touched: last seen %v address %q version %d", touched.LastSeen, touched.Address, touched.Version)
	}
	wantCode(t, cs.TouchComponent(ctx, "missing", seen, "", bianque.ComponentStats{}), bianque.ENOTFOUND, "touch missing")

	// Revocation list.
	touched.State = bianque.ComponentRevoked
	must(t, cs.UpdateComponent(ctx, touched), "revoke")
	serials, err := cs.RevokedCertSerials(ctx)
	must(t, err, "revoked serials")
	if !slices.Equal(serials, []string{"abc123"}) {
		t.Fatalf("revoked serials = %v", serials)
	}

	// Lists: tenant scoping, filters, paging.
	for i := range 6 {
		newComponent(t, cs, a.ID, func(c *bianque.Component) {
			c.Name = fmt.Sprintf("fw%d", i)
			c.Kind = bianque.ComponentFirewall
		})
	}
	_, _, err = cs.Components(ctx, bianque.ComponentFilter{})
	wantCode(t, err, bianque.EINVALID, "list without tenants")
	var all []*bianque.Component
	cursor := ""
	for {
		page, next, err := cs.Components(ctx, bianque.ComponentFilter{TenantIDs: []string{a.ID}, Page: bianque.Page{Limit: 4, Cursor: cursor}})
		must(t, err, "list page")
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) != 7 {
		t.Fatalf("tenant a lists %d components, want 7", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID || all[i].TenantID != a.ID {
			t.Fatalf("list order or tenant wrong at %d", i)
		}
	}
	fws, _, err := cs.Components(ctx, bianque.ComponentFilter{TenantIDs: []string{a.ID, b.ID}, Kinds: []bianque.ComponentKind{bianque.ComponentFirewall}})
	must(t, err, "by kind")
	if len(fws) != 6 {
		t.Fatalf("firewalls = %d", len(fws))
	}
	approved, _, err := cs.Components(ctx, bianque.ComponentFilter{TenantIDs: []string{a.ID, b.ID}, States: []bianque.ComponentState{bianque.ComponentApproved}})
	must(t, err, "by state")
	if len(approved) != 1 || approved[0].ID != tok.ID {
		t.Fatalf("approved = %v", approved)
	}
}

func testDeadLetters(t *testing.T, s bianque.Store) {
	ds, ok := s.(bianque.DeadLetterStore)
	if !ok {
		t.Fatalf("%T does not implement bianque.DeadLetterStore", s)
	}
	a, b := newTenant(t, s), newTenant(t, s)
	var batch []*bianque.DeadLetter
	for i := range 5 {
		now := at()
		stage := "parse"
		if i == 4 {
			stage = "mask"
		}
		batch = append(batch, &bianque.DeadLetter{ID: bianque.NewIDAt(now), TenantID: a.ID, ComponentID: "c1", Source: "udp 192.0.2.1:514",
			ReceivedAt: now, Stage: stage, Reason: "unrecognised format", Raw: fmt.Sprintf("garbage %d", i), CreatedAt: now})
	}
	noTenant := &bianque.DeadLetter{ID: bianque.NewIDAt(at()), Stage: "decode", Reason: "no tenant", Raw: "x", ReceivedAt: at(), CreatedAt: at()}
	must(t, ds.AppendDeadLetters(ctx, append(batch, noTenant)), "append dead letters")
	// Redelivered input: the same IDs again are skipped.
	must(t, ds.AppendDeadLetters(ctx, batch[:2]), "append again")
	n, err := ds.CountDeadLetters(ctx, bianque.DeadLetterFilter{TenantIDs: []string{a.ID}})
	must(t, err, "count")
	if n != 5 {
		t.Fatalf("count = %d, want 5", n)
	}
	n, err = ds.CountDeadLetters(ctx, bianque.DeadLetterFilter{TenantIDs: []string{b.ID}})
	must(t, err, "count other tenant")
	if n != 0 {
		t.Fatalf("tenant b sees %d dead letters", n)
	}
	n, err = ds.CountDeadLetters(ctx, bianque.DeadLetterFilter{TenantIDs: []string{a.ID}, Stage: "mask"})
	must(t, err, "count by stage")
	if n != 1 {
		t.Fatalf("mask count = %d", n)
	}
	n, err = ds.CountDeadLetters(ctx, bianque.DeadLetterFilter{TenantIDs: []string{a.ID}, Since: batch[3].CreatedAt})
	must(t, err, "count since")
	if n != 2 {
		t.Fatalf("count since = %d, want 2", n)
	}
	page1, next, err := ds.DeadLetters(ctx, bianque.DeadLetterFilter{TenantIDs: []string{a.ID}, Page: bianque.Page{Limit: 3}})
	must(t, err, "list")
	page2, last, err := ds.DeadLetters(ctx, bianque.DeadLetterFilter{TenantIDs: []string{a.ID}, Page: bianque.Page{Limit: 3, Cursor: next}})
	must(t, err, "list page 2")
	if len(page1) != 3 || len(page2) != 2 || last != "" {
		t.Fatalf("pages %d + %d (last cursor %q)", len(page1), len(page2), last)
	}
	same(t, "newest dead letter", page1[0], batch[4])
	_, _, err = ds.DeadLetters(ctx, bianque.DeadLetterFilter{})
	wantCode(t, err, bianque.EINVALID, "list without tenants")
}
