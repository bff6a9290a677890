package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"bianque"
)

func init() { registerFeature("events", (*Server).eventRoutes) }

// EventView is one stored event as the API returns it.
type EventView struct {
	TenantID string `json:"tenant_id"`
	// Ref identifies the event in its tenant (GET …/events/{ref}).
	Ref string `json:"ref"`
	// Event is the normalized event: nested ECS JSON.
	Event map[string]any `json:"event"`
}

// eventList is the answer of events.search.
type eventList struct {
	Items      []EventView `json:"items"`
	NextCursor string      `json:"next_cursor"`
	// Scanned is how many stored events the search looked at.
	Scanned int64 `json:"scanned"`
}

func eventView(se *bianque.StoredEvent) (EventView, error) {
	v := EventView{TenantID: se.TenantID, Ref: se.Ref}
	b, err := se.Event.MarshalJSON()
	if err != nil {
		return v, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // nanosecond counters stay exact
	return v, dec.Decode(&v.Event)
}

var eventQueryParams = []Param{
	{Name: "tenant", Type: "string", Description: "tenant IDs, comma-separated (default: every hospital the caller may read events of)"},
	{Name: "from", Type: "date-time", Description: "events at or after this time (@timestamp)"},
	{Name: "to", Type: "date-time", Description: "events before this time"},
	{Name: "filter", Type: "string", Description: "field filters on ECS names, repeatable, all must match (case-insensitive): " +
		"field=value, field!=value, field^=prefix, field? (present); a list field matches by any of its values"},
	{Name: "q", Type: "string", Description: `free text: every word (or "quoted phrase") must occur in some value of the event, ignoring case`},
}

// eventQuery reads the parameters of an event search.
func eventQuery(r *http.Request) (bianque.EventQuery, error) {
	q := bianque.EventQuery{TenantIDs: queryList(r, "tenant"), Text: r.URL.Query().Get("q")}
	var err error
	if q.From, err = queryTime(r, "from"); err != nil {
		return q, err
	}
	if q.To, err = queryTime(r, "to"); err != nil {
		return q, err
	}
	for _, s := range r.URL.Query()["filter"] {
		if s == "" {
			continue
		}
		f, err := bianque.ParseFieldFilter(s)
		if err != nil {
			return q, err
		}
		q.Filters = append(q.Filters, f)
	}
	pg, err := page(r)
	if err != nil {
		return q, err
	}
	q.Cursor, q.Limit = pg.Cursor, pg.Limit
	// Without ?tenant= the service searches every hospital the caller may read.
	return q, q.ValidateTerms()
}

func (s *Server) eventRoutes() {
	if svc := s.svc.Events; svc != nil {
		s.eventAPI(svc)
	}
	if svc := s.svc.Export; svc != nil {
		s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/export", ID: "tenants.export", Tag: "tenants", Access: Authenticated,
			Scope: ScopePlatform, Perm: bianque.PermTenantManage,
			Summary: "Everything a hospital holds as one tar.gz archive (R2.4): its rows of every table as NDJSON (credentials left out), " +
				"its events as NDJSON, and manifest.json (written last). Platform administrators; recorded in the audit log.",
			Result: Download("application/gzip")},
			func(w http.ResponseWriter, r *http.Request) (any, error) {
				tenant := r.PathValue("tenant")
				// Authorize before the first byte: errors after it cannot change the status.
				if err := principalOf(r).AuthorizePlatform(bianque.PermTenantManage); err != nil {
					return nil, err
				}
				if s.svc.Tenants != nil {
					if _, err := s.svc.Tenants.Tenant(r.Context(), tenant); err != nil {
						return nil, err
					}
				}
				w.Header().Set("Content-Type", "application/gzip")
				w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bianque-export-%s-%s.tar.gz"`,
					tenant, s.clock.Now().UTC().Format("20060102T150405Z")))
				w.Header().Set("Cache-Control", "no-store")
				if _, err := svc.ExportTenant(r.Context(), tenant, w); err != nil {
					s.log.Error("tenant export failed midway; the archive is truncated", "tenant", tenant, "err", err)
				}
				return streamed{}, nil
			})
	}
}

func (s *Server) eventAPI(svc bianque.EventService) {
	s.api(Route{Method: "GET", Path: "/api/v1/events", ID: "events.search", Tag: "events", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermEventRead,
		Summary: "Search stored events across the caller's hospitals (or ?tenant=), newest first: time range, field filters, free text, " +
			"cursor paging. A search by provider staff is recorded in each hospital's audit log.",
		Query: append(eventQueryParams, pageParams...), Result: eventList{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			q, err := eventQuery(r)
			if err != nil {
				return nil, err
			}
			p, err := svc.SearchEvents(r.Context(), q)
			if err != nil {
				return nil, err
			}
			out := eventList{Items: make([]EventView, 0, len(p.Events)), NextCursor: p.Next, Scanned: p.Scanned}
			for _, e := range p.Events {
				v, err := eventView(e)
				if err != nil {
					return nil, err
				}
				out.Items = append(out.Items, v)
			}
			return out, nil
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/events/{ref}", ID: "events.get", Tag: "events", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermEventRead, Summary: "One stored event by the ref a search returned.", Result: EventView{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			e, err := svc.Event(r.Context(), r.PathValue("tenant"), r.PathValue("ref"))
			if err != nil {
				return nil, err
			}
			return eventView(e)
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/event-partitions", ID: "events.partitions", Tag: "events", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermEventRead,
		Summary: "A hospital's stored days of events (UTC), oldest first, with event counts and sizes; retention drops whole days.",
		Result:  bianque.EventPartition{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			parts, err := svc.EventPartitions(r.Context(), r.PathValue("tenant"))
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(parts), NextCursor: ""}, nil
		})
}
