package http

import (
	"net/http"

	"bianque"
)

func init() { registerFeature("scans", (*Server).scanRoutes) }

func (s *Server) scanRoutes() {
	svc := s.svc.Scans
	if svc == nil {
		return
	}
	tenant := func(r *http.Request) string { return r.PathValue("tenant") }
	sc := "/api/v1/tenants/{tenant}/scan-scopes"
	s.api(Route{Method: "GET", Path: sc, ID: "scan_scopes.list", Tag: "scans", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermFindingRead, Summary: "What the hospital authorised the scanner to touch: CIDRs and hosts, exclusions, time windows.",
		Result: bianque.ScanScope{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			list, err := svc.Scopes(r.Context(), tenant(r))
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(list)}, nil
		})
	s.api(Route{Method: "POST", Path: sc, ID: "scan_scopes.create", Tag: "scans", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermScanRun, Summary: "Record a scan scope (vantage internal, or external for the exposure view).",
		Body: bianque.ScanScope{}, Result: bianque.ScanScope{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in bianque.ScanScope
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			in.TenantID = tenant(r)
			if err := svc.CreateScope(r.Context(), &in); err != nil {
				return nil, err
			}
			return &in, nil
		})
	s.api(Route{Method: "GET", Path: sc + "/{scope}", ID: "scan_scopes.get", Tag: "scans", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermFindingRead, Summary: "One scan scope.", Result: bianque.ScanScope{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Scope(r.Context(), tenant(r), r.PathValue("scope"))
		})
	s.api(Route{Method: "PUT", Path: sc + "/{scope}", ID: "scan_scopes.update", Tag: "scans", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermScanRun, Summary: "Replace a scan scope; version must match the stored one.",
		Body: bianque.ScanScope{}, Result: bianque.ScanScope{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in bianque.ScanScope
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			in.TenantID, in.ID = tenant(r), r.PathValue("scope")
			if err := svc.UpdateScope(r.Context(), &in); err != nil {
				return nil, err
			}
			return &in, nil
		})
	s.api(Route{Method: "DELETE", Path: sc + "/{scope}", ID: "scan_scopes.delete", Tag: "scans", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermScanRun, Summary: "Remove a scan scope.", Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return nil, svc.DeleteScope(r.Context(), tenant(r), r.PathValue("scope"))
		})
	jobs := "/api/v1/tenants/{tenant}/scans"
	s.api(Route{Method: "GET", Path: jobs, ID: "scans.list", Tag: "scans", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermFindingRead, Summary: "Scans started from the platform, newest first, with state and progress.",
		Query:  append([]Param{{Name: "state", Type: "string", Description: "states, comma-separated", Enum: enumValues(bianque.ScanJobStates)}}, pageParams...),
		Result: bianque.ScanJob{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			pg, err := page(r)
			if err != nil {
				return nil, err
			}
			f := bianque.ScanJobFilter{TenantIDs: []string{tenant(r)}, Page: pg}
			for _, v := range queryList(r, "state") {
				f.States = append(f.States, bianque.ScanJobState(v))
			}
			list, next, err := svc.Jobs(r.Context(), f)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(list), NextCursor: next}, nil
		})
	s.api(Route{Method: "POST", Path: jobs, ID: "scans.start", Tag: "scans", Access: Authenticated, Scope: ScopeTenant,
		Perm:    bianque.PermScanRun,
		Summary: "Start a scan inside a stored scope; targets outside it, or outside its windows, refuse the whole request (403) before anything is sent.",
		Body:    bianque.ScanJobSpec{}, Result: bianque.ScanJob{}, Status: http.StatusAccepted},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in bianque.ScanJobSpec
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			return svc.StartScan(r.Context(), tenant(r), in)
		})
	s.api(Route{Method: "GET", Path: jobs + "/{scan}", ID: "scans.get", Tag: "scans", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermFindingRead, Summary: "One scan with its progress and, when finished, its summary.", Result: bianque.ScanJob{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Job(r.Context(), tenant(r), r.PathValue("scan"))
		})
	s.api(Route{Method: "POST", Path: jobs + "/{scan}/cancel", ID: "scans.cancel", Tag: "scans", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermScanRun, Summary: "Ask a running scan to stop; it keeps what it found.", Result: bianque.ScanJob{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.CancelScan(r.Context(), tenant(r), r.PathValue("scan"))
		})
	s.api(Route{Method: "POST", Path: "/api/v1/tenants/{tenant}/assets/{asset}/scan-override", ID: "scans.override", Tag: "scans",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermScanOverride,
		Summary: "Allow (or withdraw) active probes of one medical device, with a reason; audited, and audited again by every scan that uses it.",
		Body:    bianque.ScanOverrideInput{}, Result: bianque.Asset{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in bianque.ScanOverrideInput
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			return svc.SetMedicalOverride(r.Context(), tenant(r), r.PathValue("asset"), in.Allow, in.Reason)
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/exposure", ID: "exposure.list", Tag: "scans", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermFindingRead,
		Summary: "Internet exposure (R6.4): services the external vantage reached, high-risk ports (R7.6) first.",
		Result:  bianque.ExposedService{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			list, err := svc.Exposure(r.Context(), tenant(r))
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(list)}, nil
		})
}
