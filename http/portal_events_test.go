package http_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/event"
)

// The event page searches by time range, field filters and free text,
// pages with "more", and shows one event whose values link to the search
// on them; another hospital's events never show, in both languages.
func TestEventsPage(t *testing.T) {
	e := newMatrixEnv(t, "sqlite")
	ctx := context.Background()
	e.eventsIn(false)
	e.eventsIn(true)
	es := e.st.(bianque.EventStore)
	login := event.New(8)
	login.Set(event.EventID, "login-1")
	login.SetTimestamp(e.clk.Now().Add(-time.Minute))
	login.Set(event.EventAction, "logon-failed")
	login.Set(event.SourceIP, "10.7.7.7")
	login.Set(event.UserName, "zhangsan")
	login.Set(event.Message, "Failed password for zhangsan from 10.7.7.7")
	if _, err := es.AppendEvents(ctx, e.a.ID, []*event.Event{login}); err != nil {
		t.Fatal(err)
	}
	shanghaiZone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		shanghaiZone = time.FixedZone("CST", 8*3600)
	}
	get := func(role bianque.Role, path string) string {
		t.Helper()
		rec := e.send(role, request{method: "GET", path: path})
		if rec.Code != 200 {
			t.Fatalf("GET %s as %s: %d %s", path, role, rec.Code, rec.Body)
		}
		body := rec.Body.String()
		if strings.Contains(body, bMarker) || strings.Contains(body, e.b.ID) {
			t.Fatalf("GET %s as %s shows hospital B", path, role)
		}
		return body
	}
	body := get(bianque.RoleHospitalEngineer, "/events")
	if strings.Count(body, `class="event-link"`) != 21 || !strings.Contains(body, "10.7.7.7") {
		t.Fatalf("event page: %d events", strings.Count(body, `class="event-link"`))
	}
	q := url.Values{"filters": {"source.ip=10.7.7.7\nevent.action^=logon"}, "q": {"zhangsan"},
		"from": {e.clk.Now().Add(-time.Hour).In(shanghaiZone).Format("2006-01-02T15:04")}}
	body = get(bianque.RoleAnalyst, "/events?"+q.Encode())
	if strings.Count(body, `class="event-link"`) != 1 || !strings.Contains(body, "logon-failed") {
		t.Fatalf("filtered search: %d events\n%s", strings.Count(body, `class="event-link"`), body)
	}
	i := strings.Index(body, `href="/t/`+e.a.ID+`/events/`)
	link := body[i+6 : i+6+strings.Index(body[i+6:], `"`)]
	detail := get(bianque.RoleAnalyst, link)
	for _, want := range []string{"zhangsan", `data-field="source.ip"`, "filter=source.ip%3D10.7.7.7", "event-json"} {
		if !strings.Contains(detail, want) {
			t.Errorf("event detail lacks %q", want)
		}
	}
	body = get(bianque.RoleHospitalAdmin, "/events?q=FGT60F&lang=en")
	if !strings.Contains(body, "Events") {
		t.Error("English title missing")
	}
	body = get(bianque.RoleHospitalAdmin, "/events?q=FGT60F&lang=zh-CN")
	if !strings.Contains(body, "事件检索") {
		t.Error("Chinese title missing")
	}
	// A bad filter is a message on the page; another hospital's event is not found.
	rec := e.send(bianque.RoleAnalyst, request{method: "GET", path: "/events?filters=" + url.QueryEscape("no operator")})
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "search-error") {
		t.Errorf("bad filter: %d", rec.Code)
	}
	if rec := e.send(bianque.RoleAnalyst, request{method: "GET", path: "/t/" + e.b.ID + "/events/" + e.eventsIn(true)}); rec.Code != 404 {
		t.Errorf("another hospital's event: %d", rec.Code)
	}
	if rec := e.send(bianque.RoleHospitalViewer, request{method: "GET", path: "/events"}); rec.Code != 403 {
		t.Errorf("viewer (no event.read): %d", rec.Code)
	}
}
