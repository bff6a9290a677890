package detect

import (
	"testing"
)

func TestDebugPlan(t *testing.T) {
	e := New(Options{})
	e.Load(processCreationRules(t))
	evs := corpusEvents(t, true)
	rs := e.Rules()
	for _, ev := range evs {
		rs.plan(e.mapping.Classify(ev))
	}
	p := (*rs.plans.Load())
	for _, pl := range p {
		if pl == nil { continue }
		for _, sc := range pl.scans {
			t.Logf("%s: needles %d states %d classes %d bytes %d", rs.fieldName(sc.fid), sc.ac.Needles(), sc.ac.States(), sc.ac.Bytes()/ (4*sc.ac.States()), sc.ac.Bytes())
		}
	}
	bytes := 0
	for _, ev := range evs {
		ev.Range(func(k string, v any) bool { if s, ok := v.(string); ok { bytes += len(s) }; return true })
	}
	t.Logf("avg bytes per event (all values) %d", bytes/len(evs))
}
