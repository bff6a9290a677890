package http

import (
	"net/http"

	"bianque"
)

func init() { registerFeature("audit", (*Server).auditRoutes) }

var auditParams = append([]Param{
	{Name: "actor", Type: "string", Description: "actor user ID"},
	{Name: "action", Type: "string", Description: "action, e.g. ticket.act or login.fail"},
	{Name: "from", Type: "date-time"}, {Name: "to", Type: "date-time"},
}, pageParams...)

func auditFilter(r *http.Request, tenantID string) (bianque.AuditFilter, error) {
	f := bianque.AuditFilter{TenantID: tenantID, ActorID: r.URL.Query().Get("actor"), Action: r.URL.Query().Get("action")}
	var err error
	if f.Page, err = page(r); err != nil {
		return f, err
	}
	if f.From, err = queryTime(r, "from"); err != nil {
		return f, err
	}
	f.To, err = queryTime(r, "to")
	return f, err
}

func (s *Server) auditRoutes() {
	svc := s.svc.Audit
	if svc == nil {
		return
	}
	list := func(tenantID func(*http.Request) string) apiFunc {
		return func(w http.ResponseWriter, r *http.Request) (any, error) {
			f, err := auditFilter(r, tenantID(r))
			if err != nil {
				return nil, err
			}
			es, next, err := svc.AuditEntries(r.Context(), f)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(es), NextCursor: next}, nil
		}
	}
	s.api(Route{Method: "GET", Path: "/api/v1/audit", ID: "audit.platform", Tag: "audit", Access: Authenticated,
		Scope: ScopePlatform, Perm: bianque.PermAuditRead,
		Summary: "The platform audit chain (tenants, provider accounts, sign-ins of provider staff), newest first.",
		Query:   auditParams, Result: bianque.AuditEntry{}, List: true},
		list(func(*http.Request) string { return "" }))
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/audit", ID: "audit.tenant", Tag: "audit", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAuditRead, Summary: "A tenant's audit chain, newest first.",
		Query: auditParams, Result: bianque.AuditEntry{}, List: true},
		list(func(r *http.Request) string { return r.PathValue("tenant") }))
	s.api(Route{Method: "GET", Path: "/api/v1/audit/verify", ID: "audit.verify", Tag: "audit", Access: Authenticated,
		Scope: ScopePlatform, Perm: bianque.PermAuditRead,
		Summary: "Verify the hash chains the caller may audit; lists every edited, deleted or missing entry.",
		Result:  bianque.AuditReport{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Verify(r.Context())
		})
}
