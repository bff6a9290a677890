package storetest

import (
	"fmt"
	"testing"

	"bianque"
)

// walk pages through a list and checks it yields total items, newest first,
// each once, in pages of at most limit.
func walk[T any](t *testing.T, name string, total, limit int, list func(cursor string) ([]T, string, error), id func(T) string) {
	t.Helper()
	seen := map[string]bool{}
	var prev string
	cursor := ""
	pages := 0
	for {
		items, next, err := list(cursor)
		must(t, err, name)
		pages++
		if len(items) > limit {
			t.Fatalf("%s: page of %d items, limit %d", name, len(items), limit)
		}
		for _, it := range items {
			k := id(it)
			if seen[k] {
				t.Fatalf("%s: %s returned twice", name, k)
			}
			seen[k] = true
			if prev != "" && k >= prev {
				t.Fatalf("%s: %s after %s is not newest first", name, k, prev)
			}
			prev = k
		}
		if next == "" {
			break
		}
		if len(items) != limit {
			t.Fatalf("%s: short page of %d with a next cursor", name, len(items))
		}
		cursor = next
		if pages > total+1 {
			t.Fatalf("%s: paging does not end", name)
		}
	}
	if len(seen) != total {
		t.Fatalf("%s: walked %d items, want %d", name, len(seen), total)
	}
	if want := (total + limit - 1) / limit; pages != max(want, 1) {
		t.Fatalf("%s: %d pages, want %d", name, pages, want)
	}
}

func testPagination(t *testing.T, s bianque.Store) {
	a, b := newTenant(t, s), newTenant(t, s)
	for i := range 23 {
		newTicket(t, s, a.ID, nil)
		newAsset(t, s, a.ID, nil)
		if i%3 == 0 {
			newTicket(t, s, b.ID, nil)
		}
		newUser(t, s, fmt.Sprintf("pager%02d", i), bianque.RoleHospitalViewer, a.ID)
	}
	for _, limit := range []int{1, 5, 23, 50} {
		walk(t, fmt.Sprintf("tickets/%d", limit), 23, limit, func(c string) ([]*bianque.Ticket, string, error) {
			return s.Tickets(ctx, bianque.TicketFilter{TenantIDs: []string{a.ID}, Page: bianque.Page{Limit: limit, Cursor: c}})
		}, func(x *bianque.Ticket) string { return x.ID })
		walk(t, fmt.Sprintf("assets/%d", limit), 23, limit, func(c string) ([]*bianque.Asset, string, error) {
			return s.Assets(ctx, bianque.AssetFilter{TenantIDs: []string{a.ID}, Page: bianque.Page{Limit: limit, Cursor: c}})
		}, func(x *bianque.Asset) string { return x.ID })
		walk(t, fmt.Sprintf("users/%d", limit), 23, limit, func(c string) ([]*bianque.User, string, error) {
			return s.Users(ctx, bianque.UserFilter{TenantID: a.ID, Page: bianque.Page{Limit: limit, Cursor: c}})
		}, func(x *bianque.User) string { return x.ID })
	}
	walk(t, "tickets of two tenants", 23+8, 4, func(c string) ([]*bianque.Ticket, string, error) {
		return s.Tickets(ctx, bianque.TicketFilter{TenantIDs: []string{a.ID, b.ID}, Page: bianque.Page{Limit: 4, Cursor: c}})
	}, func(x *bianque.Ticket) string { return x.ID })
	walk(t, "tenants", 2, 1, func(c string) ([]*bianque.Tenant, string, error) {
		return s.Tenants(ctx, bianque.TenantFilter{Page: bianque.Page{Limit: 1, Cursor: c}})
	}, func(x *bianque.Tenant) string { return x.ID })
	// The default limit applies when none is given, and MaxPageLimit caps it.
	list, _, err := s.Tickets(ctx, bianque.TicketFilter{TenantIDs: []string{a.ID}, Page: bianque.Page{Limit: -1}})
	must(t, err, "default limit")
	if len(list) != 23 {
		t.Fatalf("default limit: %d", len(list))
	}
}
