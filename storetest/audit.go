package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"bianque"
)

// chain reads one chain and its head.
func chain(t *testing.T, s bianque.Store, tenantID string) (*bianque.AuditHead, []*bianque.AuditEntry) {
	t.Helper()
	heads, err := s.AuditHeads(ctx)
	must(t, err, "audit heads")
	var head *bianque.AuditHead
	for _, h := range heads {
		if h.TenantID == tenantID {
			head = h
		}
	}
	var entries []*bianque.AuditEntry
	must(t, s.ScanAudit(ctx, tenantID, func(e *bianque.AuditEntry) error {
		entries = append(entries, e)
		return nil
	}), "scan audit")
	return head, entries
}

func verify(t *testing.T, s bianque.Store, tenantID string) []bianque.AuditProblem {
	t.Helper()
	head, entries := chain(t, s, tenantID)
	return bianque.VerifyAuditChain(head, entries)
}

func appendAudit(t *testing.T, s bianque.Store, tenantID string, n int) []*bianque.AuditEntry {
	t.Helper()
	var out []*bianque.AuditEntry
	for i := range n {
		e := &bianque.AuditEntry{TenantID: tenantID, At: at().Add(time.Duration(i) * 1001 * time.Nanosecond),
			ActorID: "u1", ActorName: "analyst1", ActorRole: bianque.RoleAnalyst, SourceIP: "10.0.0.5",
			Action: "ticket.read", ObjectType: "ticket", ObjectID: fmt.Sprintf("t%d", i)}
		must(t, s.AppendAudit(ctx, e), "append audit")
		out = append(out, e)
	}
	return out
}

func testAudit(t *testing.T, s bianque.Store) {
	ta := newTenant(t, s)
	wantCode(t, s.AppendAudit(ctx, &bianque.AuditEntry{TenantID: ta.ID}), bianque.EINVALID, "entry without action")

	var want []*bianque.AuditEntry
	for i, act := range []string{"ticket.read", "ticket.act", "ticket.read", "asset.update", "ticket.read"} {
		e := &bianque.AuditEntry{
			TenantID: ta.ID,
			// Nanosecond precision on purpose: the hash covers UnixNano.
			At:      base.Add(time.Duration(i)*time.Hour + 123456789*time.Nanosecond + time.Duration(i)),
			ActorID: fmt.Sprintf("u%d", i%2), ActorName: "张三", ActorRole: bianque.RoleAnalyst, SourceIP: "2001:db8::1",
			Action: act, ObjectType: "ticket", ObjectID: "T-1", Detail: `{"state":"triaged"}`,
		}
		must(t, s.AppendAudit(ctx, e), "append")
		if e.Seq != int64(i+1) || e.Hash != e.ComputeHash() {
			t.Fatalf("entry %d: seq %d, hash set %v", i, e.Seq, e.Hash == e.ComputeHash())
		}
		if i > 0 && e.PrevHash != want[i-1].Hash {
			t.Fatalf("entry %d does not link to its predecessor", i)
		}
		want = append(want, e)
	}
	platform := &bianque.AuditEntry{Action: "tenant.create", ObjectType: "tenant", ObjectID: ta.ID}
	must(t, s.AppendAudit(ctx, platform), "append to platform chain")
	if platform.Seq != 1 || platform.PrevHash != "" || platform.At.IsZero() {
		t.Fatalf("platform chain starts at 1 with an empty previous hash and a time: %+v", platform)
	}

	head, got := chain(t, s, ta.ID)
	same(t, "chain", got, want)
	for i := range got {
		if !got[i].At.Equal(want[i].At) || got[i].At.UnixNano() != want[i].At.UnixNano() {
			t.Fatalf("entry %d time: got %v want %v (nanoseconds must survive)", i, got[i].At, want[i].At)
		}
	}
	if p := bianque.VerifyAuditChain(head, got); len(p) != 0 {
		t.Fatalf("untouched chain does not verify: %v", p)
	}
	if p := verify(t, s, ""); len(p) != 0 {
		t.Fatalf("platform chain does not verify: %v", p)
	}
	heads, err := s.AuditHeads(ctx)
	must(t, err, "heads")
	same(t, "heads", heads, []*bianque.AuditHead{{TenantID: "", Seq: 1, Hash: platform.Hash}, {TenantID: ta.ID, Seq: 5, Hash: want[4].Hash}})

	seqs := func(es []*bianque.AuditEntry) string {
		var b strings.Builder
		for _, e := range es {
			fmt.Fprintf(&b, "%d,", e.Seq)
		}
		return b.String()
	}
	cases := []struct {
		name string
		f    bianque.AuditFilter
		want string
	}{
		{"chain", bianque.AuditFilter{TenantID: ta.ID}, "5,4,3,2,1,"},
		{"platform", bianque.AuditFilter{}, "1,"},
		{"actor", bianque.AuditFilter{TenantID: ta.ID, ActorID: "u1"}, "4,2,"},
		{"action", bianque.AuditFilter{TenantID: ta.ID, Action: "ticket.read"}, "5,3,1,"},
		{"from", bianque.AuditFilter{TenantID: ta.ID, From: want[3].At}, "5,4,"},
		{"to", bianque.AuditFilter{TenantID: ta.ID, To: want[1].At}, "1,"},
		{"other chain", bianque.AuditFilter{TenantID: bianque.NewIDAt(at())}, ""},
	}
	for _, c := range cases {
		es, _, err := s.AuditEntries(ctx, c.f)
		must(t, err, c.name)
		if seqs(es) != c.want {
			t.Errorf("%s: got %s want %s", c.name, seqs(es), c.want)
		}
	}
	var all string
	cursor := ""
	for pages := 0; ; pages++ {
		es, next, err := s.AuditEntries(ctx, bianque.AuditFilter{TenantID: ta.ID, Page: bianque.Page{Limit: 2, Cursor: cursor}})
		must(t, err, "audit page")
		all += seqs(es)
		if next == "" {
			if pages != 2 {
				t.Errorf("5 entries by 2 should take 3 pages, took %d", pages+1)
			}
			break
		}
		cursor = next
	}
	if all != "5,4,3,2,1," {
		t.Fatalf("audit pages: %s", all)
	}
	_, _, err = s.AuditEntries(ctx, bianque.AuditFilter{TenantID: ta.ID, Page: bianque.Page{Cursor: "x"}})
	wantCode(t, err, bianque.EINVALID, "bad audit cursor")
}

func testAuditConcurrent(t *testing.T, s bianque.Store) {
	ta, tb := newTenant(t, s), newTenant(t, s)
	// More than one ScanAudit batch (1000) on chain A.
	const workers, each = 8, 130
	var wg sync.WaitGroup
	errs := make(chan error, workers+2)
	for w := range workers + 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tenant, n := ta.ID, each
			if w >= workers {
				tenant, n = tb.ID, 20
				if w == workers+1 {
					tenant = ""
				}
			}
			for i := range n {
				e := &bianque.AuditEntry{TenantID: tenant, At: at(), ActorID: fmt.Sprintf("w%d", w), Action: "ticket.read", ObjectID: fmt.Sprint(i)}
				if err := s.AppendAudit(ctx, e); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent append: %v", err)
	}
	for tenant, n := range map[string]int64{ta.ID: workers * each, tb.ID: 20, "": 20} {
		head, entries := chain(t, s, tenant)
		if head == nil || head.Seq != n || int64(len(entries)) != n {
			t.Fatalf("chain %q: head %+v, %d entries, want %d", tenant, head, len(entries), n)
		}
		if p := bianque.VerifyAuditChain(head, entries); len(p) != 0 {
			t.Fatalf("chain %q after concurrent appends: %d problems, first %v", tenant, len(p), p[0])
		}
	}
}

func testAuditTamper(t *testing.T, s bianque.Store) {
	r := raw(t, s)
	cases := []struct {
		name   string
		tamper func(tenant string, es []*bianque.AuditEntry) []string
		want   string
	}{
		{"edit detail", func(tn string, _ []*bianque.AuditEntry) []string {
			return []string{fmt.Sprintf("UPDATE audit_entries SET detail = 'nothing to see' WHERE tenant_id = '%s' AND seq = 3", tn)}
		}, "edited"},
		{"edit actor", func(tn string, _ []*bianque.AuditEntry) []string {
			return []string{fmt.Sprintf("UPDATE audit_entries SET actor_id = 'someone-else' WHERE tenant_id = '%s' AND seq = 1", tn)}
		}, "edited"},
		{"edit time by a nanosecond", func(tn string, _ []*bianque.AuditEntry) []string {
			return []string{fmt.Sprintf("UPDATE audit_entries SET at_ns = at_ns + 1 WHERE tenant_id = '%s' AND seq = 2", tn)}
		}, "edited"},
		{"delete middle", func(tn string, _ []*bianque.AuditEntry) []string {
			return []string{fmt.Sprintf("DELETE FROM audit_entries WHERE tenant_id = '%s' AND seq = 3", tn)}
		}, "sequence gap"},
		{"delete tail", func(tn string, _ []*bianque.AuditEntry) []string {
			return []string{fmt.Sprintf("DELETE FROM audit_entries WHERE tenant_id = '%s' AND seq = 5", tn)}
		}, "head"},
		{"delete all", func(tn string, _ []*bianque.AuditEntry) []string {
			return []string{fmt.Sprintf("DELETE FROM audit_entries WHERE tenant_id = '%s'", tn)}
		}, "head"},
		{"edit and rehash one entry", func(tn string, es []*bianque.AuditEntry) []string {
			e := *es[2]
			e.Detail = "rewritten"
			return []string{fmt.Sprintf("UPDATE audit_entries SET detail = 'rewritten', hash = '%s' WHERE tenant_id = '%s' AND seq = 3", e.ComputeHash(), tn)}
		}, "previous-hash link broken"},
		{"delete middle and renumber", func(tn string, _ []*bianque.AuditEntry) []string {
			return []string{
				fmt.Sprintf("DELETE FROM audit_entries WHERE tenant_id = '%s' AND seq = 3", tn),
				fmt.Sprintf("UPDATE audit_entries SET seq = seq - 1 WHERE tenant_id = '%s' AND seq > 3", tn),
				fmt.Sprintf("UPDATE audit_heads SET seq = 4 WHERE tenant_id = '%s'", tn),
			}
		}, "edited"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tn := newTenant(t, s)
			es := appendAudit(t, s, tn.ID, 5)
			if p := verify(t, s, tn.ID); len(p) != 0 {
				t.Fatalf("chain does not verify before tampering: %v", p)
			}
			for _, q := range c.tamper(tn.ID, es) {
				n, err := r.ExecRaw(ctx, q)
				must(t, err, "tamper")
				if n == 0 {
					t.Fatalf("tampering statement changed nothing: %s", q)
				}
			}
			probs := verify(t, s, tn.ID)
			if len(probs) == 0 {
				t.Fatalf("verification did not notice: %s", c.name)
			}
			found := false
			for _, p := range probs {
				found = found || strings.Contains(p.Problem, c.want)
			}
			if !found {
				t.Fatalf("problems %v do not mention %q", probs, c.want)
			}
			// Other chains are unaffected.
			if p := verify(t, s, ""); len(p) != 0 {
				t.Fatalf("platform chain: %v", p)
			}
		})
	}
}
