package http

import (
	"net/http"

	"bianque"
)

func init() { registerFeature("tenants", (*Server).tenantRoutes) }

func (s *Server) tenantRoutes() {
	svc := s.svc.Tenants
	if svc == nil {
		return
	}
	s.api(Route{Method: "GET", Path: "/api/v1/tenants", ID: "tenants.list", Tag: "tenants", Access: Authenticated,
		Scope: ScopeTenantOrPlatform, Perm: bianque.PermTenantRead, PlatformPerm: bianque.PermTenantManage,
		Summary: "Tenants (hospitals) the caller sees; every tenant for platform administrators.",
		Query:   append([]Param{{Name: "code", Type: "string", Description: "tenant code"}}, pageParams...),
		Result:  bianque.Tenant{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			pg, err := page(r)
			if err != nil {
				return nil, err
			}
			ts, next, err := svc.Tenants(r.Context(), bianque.TenantFilter{Code: r.URL.Query().Get("code"), Page: pg})
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(ts), NextCursor: next}, nil
		})
	s.api(Route{Method: "POST", Path: "/api/v1/tenants", ID: "tenants.create", Tag: "tenants", Access: Authenticated,
		Scope: ScopePlatform, Perm: bianque.PermTenantManage,
		Summary: "Create a tenant; an empty contract gets the default SLA targets (R13.1) and calendar.",
		Body:    bianque.Tenant{}, Result: bianque.Tenant{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var t bianque.Tenant
			if err := decode(r, &t); err != nil {
				return nil, err
			}
			if err := svc.CreateTenant(r.Context(), &t); err != nil {
				return nil, err
			}
			return &t, nil
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}", ID: "tenants.get", Tag: "tenants", Access: Authenticated,
		Scope: ScopeTenantOrPlatform, Perm: bianque.PermTenantRead, PlatformPerm: bianque.PermTenantManage,
		Summary: "One tenant with its contract and allow-lists.", Result: bianque.Tenant{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Tenant(r.Context(), r.PathValue("tenant"))
		})
	s.api(Route{Method: "PUT", Path: "/api/v1/tenants/{tenant}", ID: "tenants.update", Tag: "tenants", Access: Authenticated,
		Scope: ScopeTenantOrPlatform, Perm: bianque.PermTenantContract, PlatformPerm: bianque.PermTenantManage,
		Summary: "Replace a tenant. Service managers may change the contract and allow-lists only.",
		Body:    bianque.Tenant{}, Result: bianque.Tenant{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var t bianque.Tenant
			if err := decode(r, &t); err != nil {
				return nil, err
			}
			t.ID = r.PathValue("tenant")
			if err := svc.UpdateTenant(r.Context(), &t); err != nil {
				return nil, err
			}
			return &t, nil
		})
	s.api(Route{Method: "DELETE", Path: "/api/v1/tenants/{tenant}", ID: "tenants.purge", Tag: "tenants", Access: Authenticated,
		Scope: ScopePlatform, Perm: bianque.PermTenantManage,
		Summary: "Purge a disabled tenant and every record of it (R2.4, R16.4); ?confirm= must repeat the tenant's code.",
		Query:   []Param{{Name: "confirm", Type: "string", Required: true, Description: "the tenant's code"}},
		Status:  http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			// The service authorizes the purge; checking first here keeps the
			// answer to those who may not purge the same for every tenant.
			if err := principalOf(r).AuthorizePlatform(bianque.PermTenantManage); err != nil {
				return nil, err
			}
			t, err := svc.Tenant(r.Context(), r.PathValue("tenant"))
			if err != nil {
				return nil, err
			}
			if r.URL.Query().Get("confirm") != t.Code {
				return nil, bianque.Errorf(bianque.EINVALID, "confirm must repeat the tenant's code")
			}
			return nil, svc.PurgeTenant(r.Context(), t.ID)
		})
}
