package http

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"bianque"
	"bianque/event"
)

func init() { registerFeature("portal_events", (*Server).portalEventPages) }

// eventRow is one line of the event search.
type eventRow struct {
	TenantID, TenantName, Ref string
	Time                      time.Time
	Action, Category, Outcome string
	Source, Destination       string
	Observer                  string
	Message                   string
}

type eventsPage struct {
	Rows    []eventRow
	NextURL string
	Tenants []*bianque.Tenant
	Filter  map[string]string
	Scanned int64
	Error   string
}

// eventField is one field of the event detail, with the search that
// filters on its value.
type eventField struct {
	Key, Value string
	FilterURL  string
}

type eventPage struct {
	Event      *bianque.StoredEvent
	TenantName string
	Time       time.Time
	Fields     []eventField
	JSON       string
}

// eventTimeLayout is the format of <input type="datetime-local">.
const eventTimeLayout = "2006-01-02T15:04"

// localTime reads a datetime-local (or date) field in the display zone.
func localTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{eventTimeLayout, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, displayZone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, bianque.Errorf(bianque.EINVALID, "time %q must be YYYY-MM-DDTHH:MM", v)
}

func firstString(e *event.Event, keys ...string) string {
	for _, k := range keys {
		if v, ok := e.Get(k); ok {
			switch x := v.(type) {
			case []string:
				if len(x) > 0 {
					return strings.Join(x, ", ")
				}
			default:
				if s, ok := event.Stringify(v); ok && s != "" {
					return s
				}
			}
		}
	}
	return ""
}

func endpoint(e *event.Event, side string) string {
	addr := firstString(e, side+".ip", side+".address", side+".domain")
	if port := firstString(e, side+".port"); addr != "" && port != "" {
		if strings.Contains(addr, ":") {
			return "[" + addr + "]:" + port
		}
		return addr + ":" + port
	}
	return addr
}

func eventURL(tenant, ref string) string {
	return "/t/" + url.PathEscape(tenant) + "/events/" + url.PathEscape(ref)
}

// portalEventPages is the event search (R2.4 "search API and portal
// page"): a time range, field filters, free text, newest first with a
// "more" link; and one event's detail, whose values link to the search
// that filters on them.
func (s *Server) portalEventPages() {
	svc := s.svc.Events
	if svc == nil {
		return
	}
	s.nav(NavItem{Key: "nav.events", Path: "/events", Perm: bianque.PermEventRead, Order: 17})
	s.page("GET", "/events", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		names := s.tenantNames(r.Context())
		pg := &eventsPage{Tenants: sortedTenants(names), Filter: map[string]string{}}
		for _, k := range []string{"tenant", "from", "to", "q", "filters"} {
			pg.Filter[k] = q.Get(k)
		}
		eq := bianque.EventQuery{TenantIDs: queryList(r, "tenant"), Text: q.Get("q"), Cursor: q.Get("cursor"), Limit: 50}
		var err error
		if eq.From, err = localTime(q.Get("from")); err == nil {
			eq.To, err = localTime(q.Get("to"))
		}
		lines := strings.FieldsFunc(q.Get("filters"), func(r rune) bool { return r == '\n' || r == '\r' })
		lines = append(lines, q["filter"]...)
		for _, l := range lines {
			if err != nil || strings.TrimSpace(l) == "" {
				continue
			}
			var f bianque.FieldFilter
			if f, err = bianque.ParseFieldFilter(l); err == nil {
				eq.Filters = append(eq.Filters, f)
			}
		}
		if len(q["filter"]) > 0 && pg.Filter["filters"] == "" {
			pg.Filter["filters"] = strings.Join(q["filter"], "\n")
		}
		var page *bianque.EventPage
		if err == nil {
			page, err = svc.SearchEvents(r.Context(), eq)
		}
		if err != nil {
			if bianque.ErrorCode(err) != bianque.EINVALID {
				return err
			}
			pg.Error = bianque.ErrorMessage(err)
			return s.render(w, r, http.StatusBadRequest, "events", "events.title", pg)
		}
		pg.Scanned = page.Scanned
		for _, se := range page.Events {
			e := se.Event
			row := eventRow{TenantID: se.TenantID, Ref: se.Ref, Time: e.Timestamp(),
				Action: firstString(e, event.EventAction, "event.code"), Category: firstString(e, event.EventCategory, event.EventDataset),
				Outcome: firstString(e, event.EventOutcome), Source: endpoint(e, "source"), Destination: endpoint(e, "destination"),
				Observer: firstString(e, event.ObserverProduct, event.ObserverVendor, "host.name", event.ObserverHostname),
				Message:  firstString(e, event.Message, event.EventOriginal)}
			if len(row.Message) > 160 {
				cut := 160
				for cut > 0 && !utf8Start(row.Message[cut]) {
					cut--
				}
				row.Message = row.Message[:cut] + "…"
			}
			row.TenantName = se.TenantID
			if tn := names[se.TenantID]; tn != nil {
				row.TenantName = tn.Name
			}
			pg.Rows = append(pg.Rows, row)
		}
		if page.Next != "" {
			nq := r.URL.Query()
			nq.Set("cursor", page.Next)
			pg.NextURL = "/events?" + nq.Encode()
		}
		return s.render(w, r, http.StatusOK, "events", "events.title", pg)
	})
	s.page("GET", "/t/{tenant}/events/{ref}", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		se, err := svc.Event(r.Context(), tenant, r.PathValue("ref"))
		if err != nil {
			return err
		}
		pg := &eventPage{Event: se, Time: se.Event.Timestamp(), TenantName: tenant}
		if tn := s.tenantNames(r.Context())[tenant]; tn != nil {
			pg.TenantName = tn.Name
		}
		for _, k := range se.Event.Keys() {
			v, _ := se.Event.Get(k)
			f := eventField{Key: k}
			switch x := v.(type) {
			case []string:
				f.Value = strings.Join(x, ", ")
			default:
				if s, ok := event.Stringify(v); ok {
					f.Value = s
				} else {
					b, _ := json.Marshal(v)
					f.Value = string(b)
				}
			}
			if sv, ok := event.Stringify(v); ok && k != event.EventOriginal && k != event.Message && len(sv) <= 200 {
				f.FilterURL = "/events?" + url.Values{"tenant": {tenant}, "filter": {k + "=" + sv}}.Encode()
			}
			pg.Fields = append(pg.Fields, f)
		}
		b, err := se.Event.MarshalJSON()
		if err != nil {
			return err
		}
		var out bytes.Buffer
		if json.Indent(&out, b, "", "  ") == nil {
			pg.JSON = out.String()
		} else {
			pg.JSON = string(b)
		}
		return s.render(w, r, http.StatusOK, "event", "event.title", pg)
	})
}

// utf8Start reports whether c begins a UTF-8 sequence (cutting before it
// keeps the text valid).
func utf8Start(c byte) bool { return c&0xC0 != 0x80 }
