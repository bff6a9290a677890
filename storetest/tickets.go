package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"bianque"
)

func newTicket(t *testing.T, s bianque.Store, tenantID string, mod func(*bianque.Ticket)) *bianque.Ticket {
	t.Helper()
	now := at()
	tk := &bianque.Ticket{TenantID: tenantID, Type: bianque.TicketThreat, Title: "Brute force against VPN"}
	bianque.NewTicket(tk, now)
	if mod != nil {
		mod(tk)
	}
	first := &bianque.TimelineEntry{At: now, Kind: bianque.TimelineCreated, ActorName: "system", ToState: tk.State}
	must(t, s.CreateTicket(ctx, tk, first), "create ticket")
	return tk
}

func testTickets(t *testing.T, s bianque.Store) {
	a, b := newTenant(t, s), newTenant(t, s)
	now := at()
	due := now.Add(72 * time.Hour)
	tk := &bianque.Ticket{
		TenantID: a.ID, Type: bianque.TicketVulnerability, Severity: bianque.SeverityMajor, Title: "CVE-2024-3400 on edge firewall",
		Description: "PAN-OS GlobalProtect command injection", Source: "finding:01abc", AssetIDs: []string{"a1", "a2"},
		CreatedBy: "u1", DueAt: &due,
	}
	bianque.NewTicket(tk, now)
	first := &bianque.TimelineEntry{At: now, ActorID: "u1", ActorName: "analyst1", Kind: bianque.TimelineCreated, ToState: bianque.StateNew, Note: "from scan"}
	must(t, s.CreateTicket(ctx, tk, first), "create ticket")
	if tk.Number != 1 || tk.Version != 1 {
		t.Fatalf("first ticket: number %d version %d, want 1 1", tk.Number, tk.Version)
	}
	if first.ID == "" || first.TenantID != a.ID || first.TicketID != tk.ID {
		t.Fatalf("first entry not bound to the ticket: %+v", first)
	}
	got, err := s.Ticket(ctx, a.ID, tk.ID)
	must(t, err, "read ticket")
	same(t, "ticket", got, tk)

	// Tenant isolation: B sees nothing of A's ticket, changes nothing.
	_, err = s.Ticket(ctx, b.ID, tk.ID)
	wantCode(t, err, bianque.ENOTFOUND, "ticket through another tenant")
	_, err = s.Timeline(ctx, b.ID, tk.ID)
	wantCode(t, err, bianque.ENOTFOUND, "timeline through another tenant")
	stolen := *got
	stolen.TenantID = b.ID
	stolen.Title = "stolen"
	wantCode(t, s.UpdateTicket(ctx, &stolen, nil), bianque.ENOTFOUND, "update through another tenant")
	wantCode(t, s.AddTimelineEntry(ctx, &bianque.TimelineEntry{TenantID: b.ID, TicketID: tk.ID, Kind: bianque.TimelineComment, Note: "x"}),
		bianque.ENOTFOUND, "comment through another tenant")
	list, _, err := s.Tickets(ctx, bianque.TicketFilter{TenantIDs: []string{b.ID}})
	must(t, err, "list B's tickets")
	if len(list) != 0 {
		t.Fatalf("B lists A's tickets: %v", ids(list))
	}

	// Per-tenant numbering.
	tb := newTicket(t, s, b.ID, nil)
	ta2 := newTicket(t, s, a.ID, nil)
	if tb.Number != 1 || ta2.Number != 2 {
		t.Fatalf("numbers per tenant: B got %d (want 1), A got %d (want 2)", tb.Number, ta2.Number)
	}
	orphan := &bianque.Ticket{TenantID: bianque.NewIDAt(at()), Type: bianque.TicketThreat, Title: "x"}
	bianque.NewTicket(orphan, at())
	wantCode(t, s.CreateTicket(ctx, orphan, nil), bianque.ENOTFOUND, "ticket of a missing tenant")
	dupID := *ta2
	wantCode(t, s.CreateTicket(ctx, &dupID, nil), bianque.ECONFLICT, "duplicate ticket ID")
	wantCode(t, s.CreateTicket(ctx, &bianque.Ticket{TenantID: a.ID}, nil), bianque.EINVALID, "invalid ticket")

	// Update with the state machine and a timeline entry.
	p := &bianque.Principal{UserID: "u2", Username: "analyst2", Role: bianque.RoleAnalyst, Tenants: []string{a.ID}}
	entry, err := bianque.ApplyAction(p, tk, bianque.ActionAcknowledge, "looking", at())
	must(t, err, "acknowledge")
	tk.AssigneeID = "u2"
	must(t, s.UpdateTicket(ctx, tk, entry), "update ticket")
	if tk.Version != 2 {
		t.Fatalf("version after update: %d want 2", tk.Version)
	}
	got, err = s.Ticket(ctx, a.ID, tk.ID)
	must(t, err, "read updated ticket")
	same(t, "updated ticket", got, tk)

	stale := *got
	stale.Version = 1
	stale.Title = "lost update"
	wantCode(t, s.UpdateTicket(ctx, &stale, &bianque.TimelineEntry{Kind: bianque.TimelineUpdate}), bianque.ECONFLICT, "stale version")
	got, err = s.Ticket(ctx, a.ID, tk.ID)
	must(t, err, "read after stale update")
	if got.Title == "lost update" || got.Version != 2 {
		t.Fatalf("a stale update changed the ticket: %+v", got)
	}

	comment := &bianque.TimelineEntry{TenantID: a.ID, TicketID: tk.ID, At: at(), ActorName: "hospital", Kind: bianque.TimelineComment, Note: "补丁已安装"}
	must(t, s.AddTimelineEntry(ctx, comment), "comment")
	tl, err := s.Timeline(ctx, a.ID, tk.ID)
	must(t, err, "timeline")
	if len(tl) != 3 {
		t.Fatalf("timeline has %d entries, want 3 (created, acknowledge, comment); the stale update must add none", len(tl))
	}
	same(t, "timeline[0]", tl[0], first)
	same(t, "timeline[1]", tl[1], entry)
	same(t, "timeline[2]", tl[2], comment)

	// Close and count.
	entry, err = bianque.ApplyAction(p, tk, bianque.ActionFalsePositive, "benign scanner", at())
	must(t, err, "false positive")
	must(t, s.UpdateTicket(ctx, tk, entry), "update to false positive")
	newTicket(t, s, a.ID, func(x *bianque.Ticket) { x.Severity = bianque.SeverityMajor; x.Type = bianque.TicketIncident })
	closed := newTicket(t, s, a.ID, func(x *bianque.Ticket) { x.State = bianque.StateClosed })
	_ = closed
	c, err := s.CountOpenTickets(ctx, []string{a.ID})
	must(t, err, "count open tickets")
	wantCounts := &bianque.TicketCounts{
		ByType:     map[bianque.TicketType]int{bianque.TicketVulnerability: 1, bianque.TicketThreat: 1, bianque.TicketIncident: 1},
		BySeverity: map[bianque.Severity]int{bianque.SeverityMajor: 2, bianque.SeverityGeneral: 1},
		ByState:    map[bianque.TicketState]int{bianque.StateFalsePositive: 1, bianque.StateNew: 2},
	}
	same(t, "open counts of A", c, wantCounts)
	c, err = s.CountOpenTickets(ctx, []string{a.ID, b.ID})
	must(t, err, "count open tickets of A and B")
	if c.ByType[bianque.TicketThreat] != 2 {
		t.Fatalf("counts over two tenants: %+v", c)
	}
	_, err = s.CountOpenTickets(ctx, nil)
	wantCode(t, err, bianque.EINVALID, "counts without tenants")
	_, _, err = s.Tickets(ctx, bianque.TicketFilter{})
	wantCode(t, err, bianque.EINVALID, "ticket list without tenants")
}

func testTicketFilters(t *testing.T, s bianque.Store) {
	a, b := newTenant(t, s), newTenant(t, s)
	t0 := at()
	mk := func(tenant string, mod func(*bianque.Ticket)) string { return newTicket(t, s, tenant, mod).ID }
	threat := mk(a.ID, func(x *bianque.Ticket) { x.Title = "SSH brute force from 203.0.113.9" })
	vuln := mk(a.ID, func(x *bianque.Ticket) {
		x.Type, x.Severity, x.Title, x.Source = bianque.TicketVulnerability, bianque.SeverityMajor, "Unpatched PACS server", "finding:f1"
	})
	t1 := at()
	inc := mk(a.ID, func(x *bianque.Ticket) {
		x.Type, x.State, x.AssigneeID, x.Description = bianque.TicketIncident, bianque.StateEscalated, "u-resp", "勒索软件 on HIS database"
	})
	closed := mk(a.ID, func(x *bianque.Ticket) { x.State, x.AssigneeID = bianque.StateClosed, "u-resp" })
	other := mk(b.ID, func(x *bianque.Ticket) { x.Title = "SSH brute force on B" })
	t2 := at()

	A := []string{a.ID}
	cases := []struct {
		name string
		f    bianque.TicketFilter
		want []string
	}{
		{"tenant", bianque.TicketFilter{TenantIDs: A}, []string{closed, inc, vuln, threat}},
		{"two tenants", bianque.TicketFilter{TenantIDs: []string{a.ID, b.ID}}, []string{other, closed, inc, vuln, threat}},
		{"type", bianque.TicketFilter{TenantIDs: A, Types: []bianque.TicketType{bianque.TicketIncident, bianque.TicketVulnerability}}, []string{inc, vuln}},
		{"state", bianque.TicketFilter{TenantIDs: A, States: []bianque.TicketState{bianque.StateEscalated}}, []string{inc}},
		{"severity", bianque.TicketFilter{TenantIDs: A, Severities: []bianque.Severity{bianque.SeverityMajor}}, []string{vuln}},
		{"assignee", bianque.TicketFilter{TenantIDs: A, AssigneeID: "u-resp"}, []string{closed, inc}},
		{"source", bianque.TicketFilter{TenantIDs: A, Source: "finding:f1"}, []string{vuln}},
		{"open", bianque.TicketFilter{TenantIDs: A, Open: ptr(true)}, []string{inc, vuln, threat}},
		{"not open", bianque.TicketFilter{TenantIDs: A, Open: ptr(false)}, []string{closed}},
		{"created from", bianque.TicketFilter{TenantIDs: A, CreatedFrom: t1}, []string{closed, inc}},
		{"created to", bianque.TicketFilter{TenantIDs: A, CreatedFrom: t0, CreatedTo: t1}, []string{vuln, threat}},
		{"created range empty", bianque.TicketFilter{TenantIDs: A, CreatedFrom: t2}, nil},
		{"query title any case", bianque.TicketFilter{TenantIDs: A, Query: "ssh BRUTE"}, []string{threat}},
		{"query description cjk", bianque.TicketFilter{TenantIDs: A, Query: "勒索"}, []string{inc}},
		{"query is not a pattern", bianque.TicketFilter{TenantIDs: A, Query: "%"}, nil},
		{"query across tenants stays in tenant", bianque.TicketFilter{TenantIDs: []string{b.ID}, Query: "ssh"}, []string{other}},
		{"combined", bianque.TicketFilter{TenantIDs: A, Open: ptr(true), AssigneeID: "u-resp", Types: []bianque.TicketType{bianque.TicketIncident}}, []string{inc}},
		{"foreign tenant only", bianque.TicketFilter{TenantIDs: []string{bianque.NewIDAt(at())}}, nil},
	}
	for _, c := range cases {
		got, next, err := s.Tickets(ctx, c.f)
		must(t, err, c.name)
		if next != "" {
			t.Errorf("%s: unexpected next cursor", c.name)
		}
		if !slices.Equal(ids(got), c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%s: got %v want %v", c.name, ids(got), c.want)
		}
	}
}

func testTicketNumbersConcurrent(t *testing.T, s bianque.Store) {
	tenants := []*bianque.Tenant{newTenant(t, s), newTenant(t, s)}
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	var mu sync.Mutex
	numbers := map[string][]int64{}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tn := tenants[w%2]
			for i := range each {
				now := at()
				tk := &bianque.Ticket{TenantID: tn.ID, Type: bianque.TicketThreat, Title: fmt.Sprintf("w%d-%d", w, i)}
				bianque.NewTicket(tk, now)
				if err := s.CreateTicket(ctx, tk, &bianque.TimelineEntry{At: now, Kind: bianque.TimelineCreated}); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				numbers[tn.ID] = append(numbers[tn.ID], tk.Number)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent create: %v", err)
	}
	for _, tn := range tenants {
		got := numbers[tn.ID]
		slices.Sort(got)
		if len(got) != workers/2*each {
			t.Fatalf("tenant %s: %d tickets", tn.Code, len(got))
		}
		for i, n := range got {
			if n != int64(i+1) {
				t.Fatalf("tenant %s: numbers are not 1..%d without gaps or duplicates: %v", tn.Code, len(got), got)
			}
		}
		stored, _, err := s.Tickets(ctx, bianque.TicketFilter{TenantIDs: []string{tn.ID}, Page: bianque.Page{Limit: 1000}})
		must(t, err, "list")
		for _, tk := range stored {
			tl, err := s.Timeline(ctx, tn.ID, tk.ID)
			must(t, err, "timeline")
			if len(tl) != 1 {
				t.Fatalf("ticket %d has %d timeline entries, want 1", tk.Number, len(tl))
			}
		}
	}
}
