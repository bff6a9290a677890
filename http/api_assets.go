package http

import (
	"net/http"

	"bianque"
)

func init() { registerFeature("assets", (*Server).assetRoutes) }

func (s *Server) assetRoutes() {
	svc := s.svc.Assets
	if svc == nil {
		return
	}
	tenant := func(r *http.Request) string { return r.PathValue("tenant") }
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/assets", ID: "assets.list", Tag: "assets", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAssetRead, Summary: "A tenant's asset ledger.",
		Query: append([]Param{
			{Name: "kind", Type: "string", Description: "asset kinds, comma-separated", Enum: enumValues(bianque.AssetKinds)},
			{Name: "device_type", Type: "string"}, {Name: "department", Type: "string"},
			{Name: "ip", Type: "string"}, {Name: "mac", Type: "string"}, {Name: "hostname", Type: "string"},
			{Name: "q", Type: "string", Description: "text in name, hostnames, vendor, model"},
		}, pageParams...),
		Result: bianque.Asset{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			pg, err := page(r)
			if err != nil {
				return nil, err
			}
			q := r.URL.Query()
			f := bianque.AssetFilter{TenantIDs: []string{tenant(r)}, DeviceType: q.Get("device_type"), Department: q.Get("department"),
				IP: q.Get("ip"), MAC: q.Get("mac"), Hostname: q.Get("hostname"), Query: q.Get("q"), Page: pg}
			for _, k := range queryList(r, "kind") {
				f.Kinds = append(f.Kinds, bianque.AssetKind(k))
			}
			as, next, err := svc.Assets(r.Context(), f)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(as), NextCursor: next}, nil
		})
	s.api(Route{Method: "POST", Path: "/api/v1/tenants/{tenant}/assets", ID: "assets.create", Tag: "assets", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAssetWrite, Summary: "Add an asset to the ledger.",
		Body: bianque.Asset{}, Result: bianque.Asset{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var a bianque.Asset
			if err := decode(r, &a); err != nil {
				return nil, err
			}
			a.TenantID = tenant(r)
			if err := svc.CreateAsset(r.Context(), &a); err != nil {
				return nil, err
			}
			return &a, nil
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/assets/{asset}", ID: "assets.get", Tag: "assets", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAssetRead, Summary: "One asset.", Result: bianque.Asset{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Asset(r.Context(), tenant(r), r.PathValue("asset"))
		})
	s.api(Route{Method: "PUT", Path: "/api/v1/tenants/{tenant}/assets/{asset}", ID: "assets.update", Tag: "assets", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAssetWrite,
		Summary: "Replace an asset; version must match the stored one. A medical device's scan override needs scan.override.",
		Body:    bianque.Asset{}, Result: bianque.Asset{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var a bianque.Asset
			if err := decode(r, &a); err != nil {
				return nil, err
			}
			a.TenantID, a.ID = tenant(r), r.PathValue("asset")
			if err := svc.UpdateAsset(r.Context(), &a); err != nil {
				return nil, err
			}
			return &a, nil
		})
	s.api(Route{Method: "DELETE", Path: "/api/v1/tenants/{tenant}/assets/{asset}", ID: "assets.delete", Tag: "assets", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAssetWrite, Summary: "Remove an asset from the ledger.", Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return nil, svc.DeleteAsset(r.Context(), tenant(r), r.PathValue("asset"))
		})
}
