package http_test

import (
	"context"
	"net/url"
	"time"

	"bianque"
	"bianque/event"
	"bianque/storetest"
)

// The event routes in the authorization matrix: search, one event, the
// days stored, and the tenant export of platform administrators.

func init() {
	for id, c := range map[string]caseFunc{
		"events.search": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			e.eventsIn(foreign)
			q := url.Values{"tenant": {tn.ID}, "q": {"FGT60F"}, "filter": {"event.action=accept", "source.ip^=10."}, "limit": {"5"}}
			return one(request{method: "GET", path: "/api/v1/events?" + q.Encode()})
		},
		"events.get": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			return one(request{method: "GET", path: tenantPath(tn, "/events/"+e.eventsIn(foreign))})
		},
		"events.partitions": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			e.eventsIn(foreign)
			return one(request{method: "GET", path: tenantPath(tn, "/event-partitions")})
		},
		"tenants.export": func(e *matrixEnv, role bianque.Role, foreign bool) []request {
			tn, _, _, _ := e.side(foreign)
			e.eventsIn(foreign)
			return one(request{method: "GET", path: tenantPath(tn, "/export")})
		},
	} {
		if matrixCases[id] != nil {
			panic("matrix case " + id + " twice")
		}
		matrixCases[id] = c
	}
}

// eventsIn stores a few events in the tenant (once), B's carrying the
// marker, and returns the ref of one of them.
func (e *matrixEnv) eventsIn(foreign bool) string {
	e.t.Helper()
	if ref, ok := e.eventRefs[foreign]; ok {
		return ref
	}
	tn, _, _, _ := e.side(foreign)
	evs := storetest.FortiGateEvents(e.t, tn.ID, e.clk.Now().Add(-30*time.Minute), 20)
	for _, ev := range evs {
		ev.Set(event.Message, e.title(foreign, ev.Str(event.Message)))
	}
	es := e.st.(bianque.EventStore)
	if _, err := es.AppendEvents(context.Background(), tn.ID, evs); err != nil {
		e.t.Fatal(err)
	}
	p, err := es.SearchEvents(context.Background(), bianque.EventQuery{TenantIDs: []string{tn.ID}, Limit: 1})
	if err != nil || len(p.Events) != 1 {
		e.t.Fatalf("search fixture events: %v", err)
	}
	e.eventRefs[foreign] = p.Events[0].Ref
	return p.Events[0].Ref
}
