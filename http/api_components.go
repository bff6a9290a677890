package http

import (
	"net/http"

	"time"

	"bianque"
)

func init() { registerFeature("components", (*Server).componentRoutes) }

// componentCreate is the body of components.create: a product that pushes
// events over HTTP with an ingest token.
type componentCreate struct {
	Name    string                `json:"name"`
	Kind    bianque.ComponentKind `json:"kind"`
	Vendor  string                `json:"vendor,omitempty"`
	Product string                `json:"product,omitempty"`
}

// componentCreated answers components.create; the token is shown only here.
type componentCreated struct {
	Component *bianque.Component `json:"component"`
	Token     string             `json:"token"`
}

type countResult struct {
	Count int64 `json:"count"`
}

func (s *Server) componentRoutes() {
	svc := s.svc.Components
	if svc != nil {
		s.componentAPI(svc)
	}
	if dl := s.svc.DeadLetters; dl != nil {
		s.deadLetterAPI(dl)
	}
	if s.cfg.Ingest != nil {
		// Components authenticate with their ingest token, not a session.
		s.mux.Handle("POST /api/v1/ingest", s.instrument("/api/v1/ingest", s.cfg.Ingest))
	}
}

func (s *Server) componentAPI(svc bianque.ComponentService) {
	tenant := func(r *http.Request) string { return r.PathValue("tenant") }
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/components", ID: "components.list", Tag: "components",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermTenantRead,
		Summary: "A tenant's connected components (collectors, firewalls, probes, EDR, scanners, XDR) with state, last seen, rates and errors.",
		Query: append([]Param{
			{Name: "state", Type: "string", Description: "states, comma-separated", Enum: []string{"pending", "approved", "rejected", "revoked"}},
			{Name: "kind", Type: "string", Description: "kinds, comma-separated", Enum: enumValues(bianque.ComponentKinds)},
		}, pageParams...),
		Result: bianque.Component{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			pg, err := page(r)
			if err != nil {
				return nil, err
			}
			f := bianque.ComponentFilter{TenantIDs: []string{tenant(r)}, Page: pg}
			for _, st := range queryList(r, "state") {
				f.States = append(f.States, bianque.ComponentState(st))
			}
			for _, k := range queryList(r, "kind") {
				f.Kinds = append(f.Kinds, bianque.ComponentKind(k))
			}
			cs, next, err := svc.Components(r.Context(), f)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(cs), NextCursor: next}, nil
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/components/{component}", ID: "components.get", Tag: "components",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermTenantRead, Summary: "One component.", Result: bianque.Component{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Component(r.Context(), tenant(r), r.PathValue("component"))
		})
	s.api(Route{Method: "POST", Path: "/api/v1/tenants/{tenant}/components", ID: "components.create", Tag: "components",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermComponentManage,
		Summary: "Register a product that pushes events over HTTP; the answer holds its ingest token, shown once.",
		Body:    componentCreate{}, Result: componentCreated{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in componentCreate
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			c := &bianque.Component{TenantID: tenant(r), Name: in.Name, Kind: in.Kind, Vendor: in.Vendor, Product: in.Product}
			token, err := svc.CreateComponent(r.Context(), c)
			if err != nil {
				return nil, err
			}
			return componentCreated{Component: c, Token: token}, nil
		})
	for _, act := range []struct {
		verb, summary string
		fn            func(r *http.Request) (*bianque.Component, error)
	}{
		{"approve", "Approve a pending component; an enrolling collector receives its certificate.",
			func(r *http.Request) (*bianque.Component, error) {
				return svc.Approve(r.Context(), tenant(r), r.PathValue("component"))
			}},
		{"reject", "Refuse a pending component.",
			func(r *http.Request) (*bianque.Component, error) {
				return svc.Reject(r.Context(), tenant(r), r.PathValue("component"))
			}},
		{"revoke", "Cut a component off: its certificate or token no longer delivers anything.",
			func(r *http.Request) (*bianque.Component, error) {
				return svc.Revoke(r.Context(), tenant(r), r.PathValue("component"))
			}},
	} {
		s.api(Route{Method: "POST", Path: "/api/v1/tenants/{tenant}/components/{component}/" + act.verb, ID: "components." + act.verb,
			Tag: "components", Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermComponentManage,
			Summary: act.summary, Result: bianque.Component{}},
			func(w http.ResponseWriter, r *http.Request) (any, error) { return act.fn(r) })
	}
}

func (s *Server) deadLetterAPI(svc bianque.DeadLetterService) {
	filter := func(r *http.Request) (bianque.DeadLetterFilter, error) {
		f := bianque.DeadLetterFilter{TenantIDs: []string{r.PathValue("tenant")}, Stage: r.URL.Query().Get("stage")}
		if v := r.URL.Query().Get("since"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, bianque.Errorf(bianque.EINVALID, "since %q is not an RFC 3339 time", v)
			}
			f.Since = t
		}
		return f, nil
	}
	query := []Param{
		{Name: "stage", Type: "string", Description: "the stage that failed", Enum: []string{"decode", "parse", "mask", "enrich", "store"}},
		{Name: "since", Type: "date-time", Description: "only those kept at or after this time"},
	}
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/dead-letters", ID: "deadletters.list", Tag: "components",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermEventRead,
		Summary: "Input that could not be turned into events, with the stage and reason, newest first.",
		Query:   append(query, pageParams...), Result: bianque.DeadLetter{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			f, err := filter(r)
			if err != nil {
				return nil, err
			}
			if f.Page, err = page(r); err != nil {
				return nil, err
			}
			items, next, err := svc.DeadLetters(r.Context(), f)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(items), NextCursor: next}, nil
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/dead-letters/count", ID: "deadletters.count", Tag: "components",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermEventRead,
		Summary: "How many dead letters match.", Query: query, Result: countResult{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			f, err := filter(r)
			if err != nil {
				return nil, err
			}
			n, err := svc.CountDeadLetters(r.Context(), f)
			if err != nil {
				return nil, err
			}
			return countResult{Count: n}, nil
		})
}
