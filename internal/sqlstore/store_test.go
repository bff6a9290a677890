package sqlstore

import (
	"slices"
	"testing"
)

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT ? , ?":                         "SELECT $1 , $2",
		"WHERE a = '?' AND b = ? AND \"?\"":    "WHERE a = '?' AND b = $1 AND \"?\"",
		"INSERT INTO t VALUES (?, 'it''s', ?)": "INSERT INTO t VALUES ($1, 'it''s', $2)",
		"no params":                            "no params",
	} {
		if got := Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeleteOrder(t *testing.T) {
	tables := []string{"assets", "asset_identities", "tickets", "ticket_timeline", "users", "user_tenants", "alerts"}
	refs := map[string][]string{
		"asset_identities": {"assets", "tenants"},
		"ticket_timeline":  {"tickets", "tenants"},
		"user_tenants":     {"users", "tenants"},
		"alerts":           {"tickets", "alerts"}, // self-reference ignored
	}
	order := deleteOrder(tables, refs)
	if len(order) != len(tables) {
		t.Fatalf("order %v lost tables", order)
	}
	pos := func(s string) int { return slices.Index(order, s) }
	for child, parents := range refs {
		for _, p := range parents {
			if pos(p) >= 0 && p != child && pos(child) > pos(p) {
				t.Errorf("%s must be deleted before %s: %v", child, p, order)
			}
		}
	}
}
