package bianque_test

import (
	"strings"
	"testing"
	"time"

	"bianque"
)

func chain(n int) (*bianque.AuditHead, []*bianque.AuditEntry) {
	var out []*bianque.AuditEntry
	prev := ""
	for i := 1; i <= n; i++ {
		e := &bianque.AuditEntry{TenantID: "t1", Seq: int64(i), At: time.Unix(int64(i), 0), ActorID: "u", Action: "ticket.read", ObjectID: "x", PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		out = append(out, e)
	}
	return &bianque.AuditHead{TenantID: "t1", Seq: int64(n), Hash: prev}, out
}

func TestVerifyAuditChain(t *testing.T) {
	head, es := chain(5)
	if p := bianque.VerifyAuditChain(head, es); len(p) != 0 {
		t.Fatalf("intact chain: %v", p)
	}
	tamper := []struct {
		name string
		mod  func(h *bianque.AuditHead, es []*bianque.AuditEntry) []*bianque.AuditEntry
		want string
	}{
		{"edited", func(h *bianque.AuditHead, es []*bianque.AuditEntry) []*bianque.AuditEntry {
			es[2].Detail = "changed"
			return es
		}, "edited"},
		{"deleted middle", func(h *bianque.AuditHead, es []*bianque.AuditEntry) []*bianque.AuditEntry {
			return append(es[:2], es[3:]...)
		}, "gap"},
		{"deleted tail", func(h *bianque.AuditHead, es []*bianque.AuditEntry) []*bianque.AuditEntry {
			return es[:4]
		}, "head"},
		{"rehashed edit", func(h *bianque.AuditHead, es []*bianque.AuditEntry) []*bianque.AuditEntry {
			es[1].ActorID = "mallory"
			es[1].Hash = es[1].ComputeHash()
			return es
		}, "link"},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			h, es := chain(5)
			probs := bianque.VerifyAuditChain(h, tc.mod(h, es))
			if len(probs) == 0 {
				t.Fatal("tampering not detected")
			}
			found := false
			for _, p := range probs {
				found = found || strings.Contains(p.Problem, tc.want)
			}
			if !found {
				t.Fatalf("problems %v do not mention %q", probs, tc.want)
			}
		})
	}
}
