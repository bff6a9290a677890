package storetest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bianque"
)

func folder(t *testing.T, s bianque.Store) bianque.AlertFolder {
	t.Helper()
	f, ok := s.(bianque.AlertFolder)
	if !ok {
		t.Fatalf("%T does not implement bianque.AlertFolder", s)
	}
	return f
}

func ruleStore(t *testing.T, s bianque.Store) bianque.RuleStore {
	t.Helper()
	r, ok := s.(bianque.RuleStore)
	if !ok {
		t.Fatalf("%T does not implement bianque.RuleStore", s)
	}
	return r
}

func indicatorStore(t *testing.T, s bianque.Store) interface {
	bianque.IndicatorStore
	bianque.IndicatorScanner
} {
	t.Helper()
	is, ok := s.(interface {
		bianque.IndicatorStore
		bianque.IndicatorScanner
	})
	if !ok {
		t.Fatalf("%T does not implement the indicator store", s)
	}
	return is
}

func feedStore(t *testing.T, s bianque.Store) bianque.IntelFeedStore {
	t.Helper()
	f, ok := s.(bianque.IntelFeedStore)
	if !ok {
		t.Fatalf("%T does not implement bianque.IntelFeedStore", s)
	}
	return f
}

func revision(t *testing.T, s bianque.Store, name string) int64 {
	t.Helper()
	n, err := ruleStore(t, s).DetectionRevision(ctx, name)
	must(t, err, "revision "+name)
	return n
}

var foldOpts = bianque.AlertFoldOptions{Window: 10 * time.Minute, TrendBucket: time.Minute, MaxEvents: 3, TicketLevel: bianque.LevelHigh}

// testAlertFold: repeats within the window fold into one alert (count,
// trend, events bounded, highest level), after the window or after an
// analyst closed it a new alert starts, the ticket is claimed once, tenants
// never share a window, and concurrent folds of one key give one alert
// whose count is the number of folds.
func testAlertFold(t *testing.T, s bianque.Store) {
	f, as := folder(t, s), alertStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	t0 := base.Add(time.Hour)
	cand := func(tenant string, at time.Time, level bianque.AlertLevel) *bianque.Alert {
		al := newAlert(tenant, "fold-rule", level)
		al.FirstSeen, al.LastSeen, al.Trend, al.DedupKey = at, at, nil, "key-1"
		al.Events = []bianque.AlertEvent{{Time: at, Ref: at.Format(time.RFC3339)}}
		return al
	}
	r1, err := f.FoldAlert(ctx, cand(a.ID, t0, bianque.LevelMedium), foldOpts)
	must(t, err, "first fold")
	if !r1.Created || r1.OpenTicket || r1.Alert.Count != 1 || r1.Alert.Version != 1 || r1.Alert.Status != bianque.AlertOpen {
		t.Fatalf("first fold %+v (alert %+v)", r1, r1.Alert)
	}
	for i := 1; i <= 4; i++ {
		r, err := f.FoldAlert(ctx, cand(a.ID, t0.Add(time.Duration(i)*90*time.Second), bianque.LevelMedium), foldOpts)
		must(t, err, "fold repeat")
		if r.Created || r.Alert.ID != r1.Alert.ID || r.OpenTicket {
			t.Fatalf("repeat %d: %+v", i, r)
		}
	}
	// A repeat at a higher level raises the alert and claims the ticket, once.
	r, err := f.FoldAlert(ctx, cand(a.ID, t0.Add(8*time.Minute), bianque.LevelHigh), foldOpts)
	must(t, err, "fold high")
	if r.Created || !r.OpenTicket || r.Alert.Level != bianque.LevelHigh {
		t.Fatalf("raising repeat %+v", r)
	}
	r, err = f.FoldAlert(ctx, cand(a.ID, t0.Add(9*time.Minute), bianque.LevelHigh), foldOpts)
	must(t, err, "fold high again")
	if r.OpenTicket {
		t.Fatalf("the ticket was claimed twice")
	}
	must(t, f.SetAlertTicket(ctx, a.ID, r1.Alert.ID, "ticket-1"), "set ticket")
	must(t, f.SetAlertTicket(ctx, a.ID, r1.Alert.ID, "ticket-2"), "set ticket again")
	wantCode(t, f.SetAlertTicket(ctx, b.ID, r1.Alert.ID, "ticket-x"), bianque.ENOTFOUND, "set ticket through another tenant")
	got, err := as.Alert(ctx, a.ID, r1.Alert.ID)
	must(t, err, "read folded")
	if got.Count != 7 || got.TicketID != "ticket-1" || len(got.Events) != 3 || !got.LastSeen.Equal(t0.Add(9*time.Minute)) ||
		!got.FirstSeen.Equal(t0) || got.Level != bianque.LevelHigh {
		t.Fatalf("folded alert: count %d ticket %q events %d last %s level %s", got.Count, got.TicketID, len(got.Events), got.LastSeen, got.Level)
	}
	total := 0
	for i, p := range got.Trend {
		total += p.Count
		if i > 0 && !got.Trend[i-1].Start.Before(p.Start) {
			t.Fatalf("trend out of order: %v", got.Trend)
		}
	}
	if total != 7 || len(got.Trend) < 5 {
		t.Fatalf("trend %v", got.Trend)
	}
	// Another tenant with the same key gets its own alert.
	rb, err := f.FoldAlert(ctx, cand(b.ID, t0, bianque.LevelMedium), foldOpts)
	must(t, err, "fold B")
	if !rb.Created || rb.Alert.ID == r1.Alert.ID {
		t.Fatalf("tenant B folded into A's alert")
	}
	// After the window: a new alert.
	late, err := f.FoldAlert(ctx, cand(a.ID, t0.Add(9*time.Minute+11*time.Minute), bianque.LevelMedium), foldOpts)
	must(t, err, "fold late")
	if !late.Created || late.Alert.ID == r1.Alert.ID {
		t.Fatalf("a repeat after the window folded into the old alert")
	}
	// Closed by an analyst: a new occurrence is a new alert.
	cl, _ := as.Alert(ctx, a.ID, late.Alert.ID)
	cl.Status = bianque.AlertClosed
	must(t, as.UpdateAlert(ctx, cl), "close")
	again, err := f.FoldAlert(ctx, cand(a.ID, t0.Add(21*time.Minute), bianque.LevelMedium), foldOpts)
	must(t, err, "fold after close")
	if !again.Created {
		t.Fatalf("a repeat folded into a closed alert")
	}
	// Acknowledged alerts still absorb repeats and keep the analyst's status.
	ack, _ := as.Alert(ctx, a.ID, again.Alert.ID)
	ack.Status = bianque.AlertAcknowledged
	must(t, as.UpdateAlert(ctx, ack), "acknowledge")
	r, err = f.FoldAlert(ctx, cand(a.ID, t0.Add(22*time.Minute), bianque.LevelMedium), foldOpts)
	must(t, err, "fold into acknowledged")
	if r.Created || r.Alert.Status != bianque.AlertAcknowledged || r.Alert.Count != 2 {
		t.Fatalf("fold into an acknowledged alert: %+v", r.Alert)
	}
	bad := cand(a.ID, t0, bianque.LevelMedium)
	bad.DedupKey = ""
	_, err = f.FoldAlert(ctx, bad, foldOpts)
	wantCode(t, err, bianque.EINVALID, "fold without key")
	_, err = f.FoldAlert(ctx, cand("no-such-tenant", t0, bianque.LevelMedium), foldOpts)
	wantCode(t, err, bianque.ENOTFOUND, "fold for a missing tenant")

	// Concurrent folds of one key (several nodes): one alert, every occurrence counted, one ticket claim.
	const workers, each = 6, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids, claims := map[string]bool{}, 0
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				c := cand(a.ID, t0.Add(time.Hour+time.Duration(w*each+i)*time.Second), bianque.LevelCritical)
				c.DedupKey = "key-concurrent"
				r, err := f.FoldAlert(ctx, c, foldOpts)
				if err != nil {
					t.Errorf("concurrent fold: %v", err)
					return
				}
				mu.Lock()
				ids[r.Alert.ID] = true
				if r.OpenTicket {
					claims++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(ids) != 1 || claims != 1 {
		t.Fatalf("concurrent folds made %d alerts and %d ticket claims, want 1 and 1", len(ids), claims)
	}
	for id := range ids {
		got, err := as.Alert(ctx, a.ID, id)
		must(t, err, "read concurrent")
		if got.Count != workers*each {
			t.Fatalf("concurrent folds counted %d, want %d", got.Count, workers*each)
		}
	}
	// Batches: several keys in one transaction; concurrent batches over
	// the same keys in opposite orders do not deadlock; a candidate that
	// cannot be stored fails alone.
	keys := []string{"batch-a", "batch-b", "batch-c", "batch-d"}
	var bw sync.WaitGroup
	for w := range 4 {
		bw.Go(func() {
			for i := range 5 {
				var cs []*bianque.Alert
				for k := range keys {
					key := keys[k]
					if w%2 == 1 {
						key = keys[len(keys)-1-k]
					}
					c := cand(a.ID, t0.Add(2*time.Hour+time.Duration(w*5+i)*time.Second), bianque.LevelLow)
					c.DedupKey = key
					cs = append(cs, c)
				}
				res, err := f.FoldAlerts(ctx, cs, foldOpts)
				if err != nil || len(res) != len(cs) {
					t.Errorf("batch fold: %v", err)
					return
				}
			}
		})
	}
	bw.Wait()
	for _, k := range keys {
		got, _, err := as.Alerts(ctx, bianque.AlertFilter{TenantIDs: []string{a.ID}, Since: t0.Add(2 * time.Hour)})
		must(t, err, "list")
		n := 0
		for _, al := range got {
			if al.DedupKey == k {
				n += al.Count
			}
		}
		if n != 20 {
			t.Fatalf("key %s folded %d occurrences, want 20", k, n)
		}
	}
	mixed := []*bianque.Alert{cand(a.ID, t0.Add(3*time.Hour), bianque.LevelLow), cand("no-such-tenant", t0.Add(3*time.Hour), bianque.LevelLow)}
	mixed[0].DedupKey = "mixed-ok"
	res, err := f.FoldAlerts(ctx, mixed, foldOpts)
	if err == nil || len(res) != 2 || res[0] == nil || !res[0].Created || res[1] != nil {
		t.Fatalf("a batch with a bad candidate: %v %+v", err, res)
	}

	n, err := f.DeleteAlertWindows(ctx, t0.Add(30*time.Minute))
	must(t, err, "delete windows")
	if n != 2 { // A's key-1 and B's key-1; the concurrent key is later
		t.Fatalf("deleted %d windows, want 2", n)
	}
}

// testAlertFilters2: the filters of the alert list beyond status, level and rule.
func testAlertFilters2(t *testing.T, s bianque.Store) {
	as := alertStore(t, s)
	a := newTenant(t, s)
	mk := func(level bianque.AlertLevel, techs []string, att, vic string, seen time.Time, kind bianque.AlertKind) *bianque.Alert {
		al := newAlert(a.ID, "r-"+string(level), level)
		al.Techniques, al.Attacker.IP, al.Victim.IP, al.FirstSeen, al.LastSeen, al.Kind = techs, att, vic, seen, seen, kind
		must(t, as.CreateAlert(ctx, al), "create")
		return al
	}
	t0 := base.Add(2 * time.Hour)
	x1 := mk(bianque.LevelHigh, []string{"T1110.001"}, "203.0.113.7", "10.0.0.5", t0, bianque.AlertRule)
	x2 := mk(bianque.LevelMedium, []string{"T1110", "T1021.002"}, "203.0.113.8", "10.0.0.5", t0.Add(time.Hour), bianque.AlertCorrelation)
	x3 := mk(bianque.LevelHigh, []string{"T11100"}, "203.0.113.7", "10.0.0.6", t0.Add(2*time.Hour), bianque.AlertIndicator)
	x4 := mk(bianque.LevelLow, nil, "", "10.0.0.6", t0.Add(3*time.Hour), bianque.AlertRule)
	ids := func(f bianque.AlertFilter) []string {
		t.Helper()
		f.TenantIDs = []string{a.ID}
		list, _, err := as.Alerts(ctx, f)
		must(t, err, "list")
		var out []string
		for _, al := range list {
			out = append(out, al.ID)
		}
		slices.Sort(out)
		return out
	}
	want := func(what string, got []string, als ...*bianque.Alert) {
		t.Helper()
		var w []string
		for _, al := range als {
			w = append(w, al.ID)
		}
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s: %v, want %v", what, got, w)
		}
	}
	want("technique T1110 (with sub-techniques, not T11100)", ids(bianque.AlertFilter{Technique: "t1110"}), x1, x2)
	want("technique T1110.001", ids(bianque.AlertFilter{Technique: "T1110.001"}), x1)
	want("technique T1021", ids(bianque.AlertFilter{Technique: "T1021"}), x2)
	want("attacker", ids(bianque.AlertFilter{AttackerIP: "203.0.113.7"}), x1, x3)
	want("victim", ids(bianque.AlertFilter{VictimIP: "10.0.0.6"}), x3, x4)
	want("level", ids(bianque.AlertFilter{Level: bianque.LevelHigh}), x1, x3)
	want("kind", ids(bianque.AlertFilter{Kind: bianque.AlertCorrelation}), x2)
	want("time range", ids(bianque.AlertFilter{Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)}), x2, x3)
	want("combined", ids(bianque.AlertFilter{AttackerIP: "203.0.113.7", Level: bianque.LevelHigh, Since: t0.Add(time.Minute)}), x3)
	_, _, err := as.Alerts(ctx, bianque.AlertFilter{TenantIDs: []string{a.ID}, Technique: "1110' OR 1=1"})
	wantCode(t, err, bianque.EINVALID, "malformed technique")
}

// testRuleStore: rule settings, custom rule files and protection periods,
// per tenant, with the revision counter moving on every write.
func testRuleStore(t *testing.T, s bianque.Store) {
	rs := ruleStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	rev0 := revision(t, s, bianque.RevisionRules)

	c, err := rs.RuleConfig(ctx, a.ID)
	must(t, err, "empty config")
	if c.TenantID != a.ID || len(c.Disabled)+len(c.Enabled)+len(c.Levels) != 0 {
		t.Fatalf("empty config %+v", c)
	}
	_, err = rs.RuleConfig(ctx, "no-such-tenant")
	wantCode(t, err, bianque.ENOTFOUND, "config of a missing tenant")
	c, err = rs.UpdateRuleConfig(ctx, a.ID, func(c *bianque.RuleConfig) error {
		c.Disabled = []string{"r2", "r1", "r2"}
		c.Levels = map[string]bianque.AlertLevel{"r3": bianque.LevelCritical}
		return nil
	})
	must(t, err, "update config")
	if !slices.Equal(c.Disabled, []string{"r1", "r2"}) || c.UpdatedAt.IsZero() {
		t.Fatalf("updated config %+v", c)
	}
	_, err = rs.UpdateRuleConfig(ctx, a.ID, func(c *bianque.RuleConfig) error {
		c.Enabled = []string{"r1"} // also disabled: invalid
		return nil
	})
	wantCode(t, err, bianque.EINVALID, "enabled and disabled")
	_, err = rs.UpdateRuleConfig(ctx, "no-such-tenant", func(c *bianque.RuleConfig) error { return nil })
	wantCode(t, err, bianque.ENOTFOUND, "update config of a missing tenant")
	got, err := rs.RuleConfig(ctx, a.ID)
	must(t, err, "read config")
	if !slices.Equal(got.Disabled, []string{"r1", "r2"}) || got.Levels["r3"] != bianque.LevelCritical || len(got.Enabled) != 0 {
		t.Fatalf("stored config %+v (a failed update must change nothing)", got)
	}
	if gb, _ := rs.RuleConfig(ctx, b.ID); len(gb.Disabled) != 0 {
		t.Fatalf("B sees A's settings")
	}
	// Concurrent read-modify-write updates lose nothing.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := rs.UpdateRuleConfig(ctx, b.ID, func(c *bianque.RuleConfig) error {
				c.Disabled = append(c.Disabled, "c"+string(rune('a'+i)))
				return nil
			}); err != nil {
				t.Errorf("concurrent update: %v", err)
			}
		})
	}
	wg.Wait()
	if gb, _ := rs.RuleConfig(ctx, b.ID); len(gb.Disabled) != 8 {
		t.Fatalf("concurrent updates kept %v", gb.Disabled)
	}
	all, err := rs.RuleConfigs(ctx)
	must(t, err, "every config")
	if len(all) != 2 {
		t.Fatalf("%d configs, want 2", len(all))
	}

	// Custom rule files: replace by name, tenant isolation.
	f1 := &bianque.CustomRule{TenantID: a.ID, Name: "his.yml", Content: "title: x", RuleIDs: []string{"c-1"}, CreatedBy: "u1"}
	must(t, rs.PutCustomRule(ctx, f1), "put custom")
	id1, created := f1.ID, f1.CreatedAt
	f1b := &bianque.CustomRule{TenantID: a.ID, Name: "his.yml", Content: "title: y", RuleIDs: []string{"c-2"}}
	must(t, rs.PutCustomRule(ctx, f1b), "replace custom")
	if f1b.ID != id1 || !f1b.CreatedAt.Equal(created) {
		t.Fatalf("replacing by name changed the ID or creation time")
	}
	must(t, rs.PutCustomRule(ctx, &bianque.CustomRule{TenantID: b.ID, Name: "his.yml", Content: "title: b"}), "B's custom")
	wantCode(t, rs.PutCustomRule(ctx, &bianque.CustomRule{TenantID: a.ID, Name: "empty", Content: " "}), bianque.EINVALID, "empty custom")
	wantCode(t, rs.PutCustomRule(ctx, &bianque.CustomRule{TenantID: "no-such-tenant", Name: "x", Content: "x"}), bianque.ENOTFOUND, "custom of a missing tenant")
	ca, err := rs.CustomRules(ctx, a.ID)
	must(t, err, "list custom")
	if len(ca) != 1 || ca[0].Content != "title: y" || !slices.Equal(ca[0].RuleIDs, []string{"c-2"}) {
		t.Fatalf("A's custom rules %+v", ca)
	}
	if every, _ := rs.CustomRules(ctx, ""); len(every) != 2 {
		t.Fatalf("every tenant's custom rules: %d", len(every))
	}
	_, err = rs.CustomRule(ctx, b.ID, id1)
	wantCode(t, err, bianque.ENOTFOUND, "custom through another tenant")
	wantCode(t, rs.DeleteCustomRule(ctx, b.ID, id1), bianque.ENOTFOUND, "delete custom through another tenant")
	must(t, rs.DeleteCustomRule(ctx, a.ID, id1), "delete custom")

	// Protection periods.
	t0 := base.Add(24 * time.Hour)
	p := &bianque.ProtectionPeriod{TenantID: a.ID, Name: "两会", PreparationStart: t0, LiveStart: t0.Add(24 * time.Hour),
		ClosingStart: t0.Add(72 * time.Hour), End: t0.Add(96 * time.Hour), ExtraRules: []string{"hunt-1"},
		LevelRaise: map[bianque.ProtectionPhase]int{bianque.PhaseLive: 1}, MinLevel: bianque.LevelMedium}
	must(t, rs.PutProtectionPeriod(ctx, p), "create period")
	early := &bianque.ProtectionPeriod{TenantID: a.ID, Name: "earlier", PreparationStart: t0.Add(-48 * time.Hour), LiveStart: t0.Add(-47 * time.Hour),
		ClosingStart: t0.Add(-46 * time.Hour), End: t0.Add(-45 * time.Hour)}
	must(t, rs.PutProtectionPeriod(ctx, early), "create early period")
	wantCode(t, rs.PutProtectionPeriod(ctx, &bianque.ProtectionPeriod{TenantID: a.ID, Name: "bad", PreparationStart: t0, LiveStart: t0.Add(-time.Hour),
		ClosingStart: t0, End: t0.Add(time.Hour)}), bianque.EINVALID, "phases out of order")
	ps, err := rs.ProtectionPeriods(ctx, a.ID)
	must(t, err, "list periods")
	if len(ps) != 2 || ps[0].ID != early.ID || ps[1].LevelRaise[bianque.PhaseLive] != 1 || ps[1].ExtraRules[0] != "hunt-1" {
		t.Fatalf("periods %+v", ps)
	}
	p.Name = "两会 2026"
	must(t, rs.PutProtectionPeriod(ctx, p), "update period")
	foreign := *p
	foreign.TenantID = b.ID
	wantCode(t, rs.PutProtectionPeriod(ctx, &foreign), bianque.ENOTFOUND, "update through another tenant")
	gp, err := rs.ProtectionPeriod(ctx, a.ID, p.ID)
	must(t, err, "read period")
	if gp.Name != "两会 2026" || !gp.End.Equal(p.End) {
		t.Fatalf("period %+v", gp)
	}
	_, err = rs.ProtectionPeriod(ctx, b.ID, p.ID)
	wantCode(t, err, bianque.ENOTFOUND, "period through another tenant")
	wantCode(t, rs.DeleteProtectionPeriod(ctx, b.ID, p.ID), bianque.ENOTFOUND, "delete period through another tenant")
	must(t, rs.DeleteProtectionPeriod(ctx, a.ID, early.ID), "delete period")
	if every, _ := rs.ProtectionPeriods(ctx, ""); len(every) != 1 {
		t.Fatalf("every period: %d", len(every))
	}
	if rev := revision(t, s, bianque.RevisionRules); rev < rev0+16 {
		t.Fatalf("rules revision moved from %d to %d over 16+ writes", rev0, rev)
	}
	r0 := revision(t, s, bianque.RevisionRuleReload)
	must(t, rs.BumpDetectionRevision(ctx, bianque.RevisionRuleReload), "bump")
	if r := revision(t, s, bianque.RevisionRuleReload); r != r0+1 {
		t.Fatalf("reload revision %d after bump from %d", r, r0)
	}
}

// testIndicators: upsert by (scope, type, value), tenant and platform
// scopes, filters, paging, expiry and the scan detection loads from.
func testIndicators(t *testing.T, s bianque.Store) {
	is := indicatorStore(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	now := base.Add(time.Hour)
	rev0 := revision(t, s, bianque.RevisionIndicators)
	ind := func(tenant string, typ bianque.IndicatorType, v string, tags ...string) *bianque.Indicator {
		return &bianque.Indicator{TenantID: tenant, Type: typ, Value: v, Tags: tags, Confidence: 80, Source: "feed-x"}
	}
	batch := []*bianque.Indicator{
		ind("", bianque.IndicatorIP, "198.51.100.7", "apt29"),
		ind("", bianque.IndicatorDomain, "Evil.Example.", "emotet", "TLP:Amber"),
		ind(a.ID, bianque.IndicatorIP, "198.51.100.7", "local"),
		ind(a.ID, bianque.IndicatorSHA256, strings.Repeat("AB", 32)),
		ind(b.ID, bianque.IndicatorURL, "HTTP://Bad.Example:80/x"),
	}
	batch[3].ValidUntil = now.Add(time.Hour)
	n, err := is.UpsertIndicators(ctx, batch)
	must(t, err, "upsert")
	if n != 5 {
		t.Fatalf("%d new, want 5", n)
	}
	if batch[1].Value != "evil.example" || batch[4].Value != "http://bad.example/x" {
		t.Fatalf("values not normalised: %q %q", batch[1].Value, batch[4].Value)
	}
	// Same scope, type and value: replaced, not added.
	again := ind("", bianque.IndicatorIP, "198.51.100.7", "apt29", "cozy")
	again.Confidence = 95
	n, err = is.UpsertIndicators(ctx, []*bianque.Indicator{again})
	must(t, err, "upsert again")
	if n != 0 || again.ID != batch[0].ID {
		t.Fatalf("re-upsert: %d new, id %s vs %s", n, again.ID, batch[0].ID)
	}
	_, err = is.UpsertIndicators(ctx, []*bianque.Indicator{ind(a.ID, bianque.IndicatorIP, "not-an-ip")})
	wantCode(t, err, bianque.EINVALID, "invalid indicator")
	_, err = is.UpsertIndicators(ctx, []*bianque.Indicator{ind("no-such-tenant", bianque.IndicatorIP, "192.0.2.1")})
	wantCode(t, err, bianque.ENOTFOUND, "indicator of a missing tenant")

	list := func(f bianque.IndicatorFilter) []*bianque.Indicator {
		t.Helper()
		out, _, err := is.Indicators(ctx, f)
		must(t, err, "list indicators")
		return out
	}
	if got := list(bianque.IndicatorFilter{}); len(got) != 2 || got[0].TenantID != "" {
		t.Fatalf("platform indicators: %d", len(got))
	}
	if got := list(bianque.IndicatorFilter{TenantID: a.ID}); len(got) != 2 {
		t.Fatalf("A's indicators: %d", len(got))
	}
	if got := list(bianque.IndicatorFilter{Tag: "cozy"}); len(got) != 1 || got[0].Confidence != 95 {
		t.Fatalf("tag filter: %+v", got)
	}
	if got := list(bianque.IndicatorFilter{Tag: "tlp:amber"}); len(got) != 1 || got[0].Type != bianque.IndicatorDomain {
		t.Fatalf("tag filter (case): %+v", got)
	}
	if got := list(bianque.IndicatorFilter{Query: "EVIL"}); len(got) != 1 {
		t.Fatalf("value search: %d", len(got))
	}
	if got := list(bianque.IndicatorFilter{TenantID: a.ID, Type: bianque.IndicatorSHA256}); len(got) != 1 {
		t.Fatalf("type filter: %d", len(got))
	}
	// Paging walks everything once.
	many := make([]*bianque.Indicator, 23)
	for i := range many {
		many[i] = ind(b.ID, bianque.IndicatorIP, "192.0.2."+itoa(i+1))
	}
	_, err = is.UpsertIndicators(ctx, many)
	must(t, err, "upsert many")
	seen := map[string]bool{}
	f := bianque.IndicatorFilter{TenantID: b.ID, Page: bianque.Page{Limit: 5}}
	for {
		page, next, err := is.Indicators(ctx, f)
		must(t, err, "page")
		for _, in := range page {
			if seen[in.ID] {
				t.Fatalf("indicator twice in paging")
			}
			seen[in.ID] = true
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	if len(seen) != 24 {
		t.Fatalf("paging saw %d of 24", len(seen))
	}

	_, err = is.Indicator(ctx, b.ID, batch[3].ID)
	wantCode(t, err, bianque.ENOTFOUND, "indicator through another tenant")
	_, err = is.Indicator(ctx, "", batch[3].ID)
	wantCode(t, err, bianque.ENOTFOUND, "tenant indicator as platform")
	wantCode(t, is.DeleteIndicator(ctx, b.ID, batch[2].ID), bianque.ENOTFOUND, "delete through another tenant")
	wantCode(t, is.DeleteIndicator(ctx, "", batch[2].ID), bianque.ENOTFOUND, "delete tenant indicator as platform")
	must(t, is.DeleteIndicator(ctx, a.ID, batch[2].ID), "delete")

	// The scan detection loads: not the expired ones.
	count := func(at time.Time) int {
		n := 0
		must(t, is.ScanIndicators(ctx, at, func(*bianque.Indicator) error { n++; return nil }), "scan")
		return n
	}
	if n := count(now); n != 27 {
		t.Fatalf("scan at now: %d, want 27", n)
	}
	if n := count(now.Add(2 * time.Hour)); n != 26 {
		t.Fatalf("scan after expiry: %d, want 26", n)
	}
	gone, err := is.DeleteExpiredIndicators(ctx, now.Add(2*time.Hour))
	must(t, err, "delete expired")
	if gone != 1 {
		t.Fatalf("deleted %d expired, want 1", gone)
	}
	if rev := revision(t, s, bianque.RevisionIndicators); rev < rev0+5 {
		t.Fatalf("indicator revision %d after writes from %d", rev, rev0)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// testFeeds: feeds per tenant and platform-wide, the password never in
// the document nor returned except to the poller, due feeds, poll records.
func testFeeds(t *testing.T, s bianque.Store) {
	fs := feedStore(t, s)
	r := raw(t, s)
	a, b := newTenant(t, s), newTenant(t, s)
	now := base.Add(time.Hour)
	fa := &bianque.IntelFeed{TenantID: a.ID, Name: "hospital ISAC", Kind: bianque.FeedTAXII, URL: "https://taxii.example/api1/",
		Collection: "91a7b528-80eb-42ed-a74d-c6fbd5a26116", Username: "bq", Password: "s3cret-feed-pw", NextPollAt: now}
	must(t, fs.CreateIntelFeed(ctx, fa), "create feed")
	if !fa.HasPassword || time.Duration(fa.Every) != bianque.DefaultFeedEvery {
		t.Fatalf("created feed %+v", fa)
	}
	fp := &bianque.IntelFeed{Name: "provider MISP", Kind: bianque.FeedMISP, URL: "https://misp.example/feeds/1", NextPollAt: now.Add(time.Hour)}
	must(t, fs.CreateIntelFeed(ctx, fp), "create platform feed")
	wantCode(t, fs.CreateIntelFeed(ctx, &bianque.IntelFeed{TenantID: a.ID, Name: "hospital ISAC", Kind: bianque.FeedMISP, URL: "https://x.example"}),
		bianque.ECONFLICT, "same name")
	wantCode(t, fs.CreateIntelFeed(ctx, &bianque.IntelFeed{TenantID: a.ID, Name: "x", Kind: bianque.FeedTAXII, URL: "https://x.example"}),
		bianque.EINVALID, "TAXII without collection")
	wantCode(t, fs.CreateIntelFeed(ctx, &bianque.IntelFeed{TenantID: a.ID, Name: "y", Kind: bianque.FeedMISP, URL: "file:///etc/passwd"}),
		bianque.EINVALID, "not http")

	rows, err := r.QueryRaw(ctx, "SELECT data FROM intel_feeds WHERE id = '"+fa.ID+"'")
	must(t, err, "raw read")
	for rows.Next() {
		var data string
		must(t, rows.Scan(&data), "scan")
		if strings.Contains(data, "s3cret") {
			t.Fatalf("feed document holds the password: %s", data)
		}
	}
	rows.Close()
	ga, err := fs.IntelFeeds(ctx, a.ID)
	must(t, err, "list feeds")
	if len(ga) != 1 || ga[0].Password != "" || !ga[0].HasPassword || ga[0].Collection != fa.Collection {
		t.Fatalf("A's feeds %+v", ga)
	}
	if gp, _ := fs.IntelFeeds(ctx, ""); len(gp) != 1 || gp[0].ID != fp.ID {
		t.Fatalf("platform feeds %+v", gp)
	}
	if gb, _ := fs.IntelFeeds(ctx, b.ID); len(gb) != 0 {
		t.Fatalf("B sees feeds")
	}
	_, err = fs.IntelFeed(ctx, b.ID, fa.ID)
	wantCode(t, err, bianque.ENOTFOUND, "feed through another tenant")

	due, err := fs.DueIntelFeeds(ctx, now)
	must(t, err, "due feeds")
	if len(due) != 1 || due[0].ID != fa.ID || due[0].Password != "s3cret-feed-pw" {
		t.Fatalf("due feeds %+v", due)
	}
	cursor := now.Add(-time.Minute)
	must(t, fs.UpdateIntelFeedPoll(ctx, a.ID, fa.ID, cursor, "imported 3", 3, now, now.Add(time.Hour)), "record poll")
	wantCode(t, fs.UpdateIntelFeedPoll(ctx, b.ID, fa.ID, cursor, "x", 0, now, now), bianque.ENOTFOUND, "poll through another tenant")
	if due, _ := fs.DueIntelFeeds(ctx, now.Add(30*time.Minute)); len(due) != 0 {
		t.Fatalf("feed due again before its period")
	}
	got, _ := fs.IntelFeed(ctx, a.ID, fa.ID)
	if !got.Cursor.Equal(cursor) || got.LastStatus != "imported 3" || got.LastCount != 3 || got.LastPollAt == nil {
		t.Fatalf("after poll %+v", got)
	}
	must(t, fs.ScheduleIntelFeed(ctx, a.ID, fa.ID, now), "poll now")
	if due, _ := fs.DueIntelFeeds(ctx, now); len(due) != 1 || due[0].Password != "s3cret-feed-pw" {
		t.Fatalf("rescheduled feed not due, or lost its password: %+v", due)
	}
	wantCode(t, fs.DeleteIntelFeed(ctx, b.ID, fa.ID), bianque.ENOTFOUND, "delete through another tenant")
	wantCode(t, fs.DeleteIntelFeed(ctx, "", fa.ID), bianque.ENOTFOUND, "delete tenant feed as platform")
	must(t, fs.DeleteIntelFeed(ctx, a.ID, fa.ID), "delete feed")
}

// testFeedEncryption: with a field key, a feed's password is ciphertext in
// its column and decrypts for the poller.
func testFeedEncryption(t *testing.T, s bianque.Store) {
	fs := feedStore(t, s)
	f := &bianque.IntelFeed{Name: "enc", Kind: bianque.FeedMISP, URL: "https://misp.example/", Password: "feed-password-1"}
	must(t, fs.CreateIntelFeed(ctx, f), "create feed")
	rows, err := raw(t, s).QueryRaw(ctx, "SELECT password FROM intel_feeds WHERE id = '"+f.ID+"'")
	must(t, err, "raw read")
	var stored string
	for rows.Next() {
		must(t, rows.Scan(&stored), "scan")
	}
	rows.Close()
	if stored == "" || strings.Contains(stored, "feed-password") {
		t.Fatalf("feed password stored as %q", stored)
	}
	due, err := fs.DueIntelFeeds(ctx, f.NextPollAt)
	must(t, err, "due")
	if len(due) != 1 || due[0].Password != "feed-password-1" {
		t.Fatalf("due feed password %+v", due)
	}
}

// populateDetection gives tenant tn a row in every detection table.
func populateDetection(t *testing.T, s bianque.Store, tn *bianque.Tenant) {
	t.Helper()
	now := at()
	c := newAlert(tn.ID, "fold", bianque.LevelLow)
	c.DedupKey = "k"
	_, err := folder(t, s).FoldAlert(ctx, c, foldOpts)
	must(t, err, "fold")
	rs := ruleStore(t, s)
	_, err = rs.UpdateRuleConfig(ctx, tn.ID, func(c *bianque.RuleConfig) error { c.Disabled = []string{"x"}; return nil })
	must(t, err, "rule config")
	must(t, rs.PutCustomRule(ctx, &bianque.CustomRule{TenantID: tn.ID, Name: "f.yml", Content: "title: t"}), "custom rule")
	must(t, rs.PutProtectionPeriod(ctx, &bianque.ProtectionPeriod{TenantID: tn.ID, Name: "p", PreparationStart: now, LiveStart: now,
		ClosingStart: now.Add(time.Hour), End: now.Add(2 * time.Hour)}), "period")
	_, err = indicatorStore(t, s).UpsertIndicators(ctx, []*bianque.Indicator{{TenantID: tn.ID, Type: bianque.IndicatorIP, Value: "192.0.2.9"}})
	must(t, err, "indicator")
	must(t, feedStore(t, s).CreateIntelFeed(ctx, &bianque.IntelFeed{TenantID: tn.ID, Name: "f", Kind: bianque.FeedMISP, URL: "https://m.example/"}), "feed")
}

// detectionTables are the tenant tables of migration 0201.
var detectionTables = []string{"alert_windows", "rule_configs", "custom_rules", "protection_periods", "indicators", "intel_feeds"}
