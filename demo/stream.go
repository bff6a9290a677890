package demo

import (
	"context"
	"math/rand/v2"
	"time"

	"bianque"
)

// Stream raises a new ticket every interval (in a random demo hospital, as
// the analyst on duty) and now and then has the analyst acknowledge the
// oldest new ticket, until ctx ends. Errors are passed to report and do not
// stop the stream.
func Stream(ctx context.Context, tickets bianque.TicketService, users bianque.UserStore, interval time.Duration, report func(error)) {
	analyst, err := users.UserByUsername(ctx, "analyst")
	if err != nil {
		report(err)
		return
	}
	actx := bianque.NewContextWithPrincipal(ctx, analyst.Principal())
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		tenants := analyst.Tenants
		if len(tenants) == 0 {
			return
		}
		sc := scenarios[rng.IntN(len(scenarios))]
		if sc.tt == bianque.TicketEmergency {
			sc = scenarios[0] // emergencies come from the hospitals, not the analyst
		}
		t := &bianque.Ticket{TenantID: tenants[rng.IntN(len(tenants))], Type: sc.tt, Severity: sc.sev, Title: sc.title,
			Description: sc.desc, Category: sc.category, Source: "demo"}
		if err := tickets.CreateTicket(actx, t); err != nil {
			report(err)
			continue
		}
		if rng.IntN(2) == 0 {
			open := true
			news, _, err := tickets.Tickets(actx, bianque.TicketFilter{States: []bianque.TicketState{bianque.StateNew}, Open: &open, Page: bianque.Page{Limit: 20}})
			if err != nil {
				report(err)
				continue
			}
			if len(news) > 0 {
				oldest := news[len(news)-1]
				if _, err := tickets.Act(actx, oldest.TenantID, oldest.ID, bianque.ActionAcknowledge, ""); err != nil {
					report(err)
				}
			}
		}
	}
}
