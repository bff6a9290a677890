package http

import (
	"net/http"
	"time"

	"bianque"
)

func init() { registerFeature("findings", (*Server).findingRoutes) }

// FindingView is a finding with what the caller may do with it and its SLA
// position (R7.4): overdue and the time left until the due date.
type FindingView struct {
	*bianque.Finding
	Overdue bool `json:"overdue"`
	// DueIn is the time left until DueAt (negative when overdue), in seconds.
	DueIn   *int64                  `json:"due_in_seconds,omitempty"`
	Actions []bianque.FindingAction `json:"actions"`
}

// findingActionOrder lists the actions a person may take, for the detail page.
var findingActionOrder = []bianque.FindingAction{bianque.FindingActStartFix, bianque.FindingActReportFixed, bianque.FindingActAcceptRisk,
	bianque.FindingActFalsePositive, bianque.FindingActReopen}

func (s *Server) findingView(p *bianque.Principal, f *bianque.Finding) *FindingView {
	now := s.clock.Now()
	v := &FindingView{Finding: f, Overdue: f.IsOverdue(now), Actions: []bianque.FindingAction{}}
	if f.DueAt != nil && f.State.Active() {
		d := int64(f.DueAt.Sub(now) / time.Second)
		v.DueIn = &d
	}
	if p.Can(bianque.PermFindingManage) {
		for _, a := range findingActionOrder {
			if bianque.FindingActionAllowed(f.State, a) {
				v.Actions = append(v.Actions, a)
			}
		}
	}
	return v
}

// FindingActionInput is the body of a lifecycle step.
type FindingActionInput struct {
	Action bianque.FindingAction `json:"action"`
	Reason string                `json:"reason,omitempty"`
	// Until is the expiry of a risk acceptance.
	Until *time.Time `json:"until,omitempty"`
}

var findingFilterParams = append([]Param{
	{Name: "state", Type: "string", Description: "states, comma-separated", Enum: enumValues(bianque.FindingStates)},
	{Name: "severity", Type: "string", Description: "severities, comma-separated", Enum: enumValues(bianque.VulnSeverities)},
	{Name: "priority", Type: "string", Enum: []string{"P1", "P2", "P3", "P4"}},
	{Name: "asset", Type: "string", Description: "asset ID"},
	{Name: "host", Type: "string"},
	{Name: "cve", Type: "string", Description: "a CVE ID the finding names"},
	{Name: "kev", Type: "boolean", Description: "in CISA's Known Exploited Vulnerabilities catalog"},
	{Name: "overdue", Type: "boolean", Description: "only active findings past their due date"},
	{Name: "q", Type: "string", Description: "text in title or component"},
}, pageParams...)

// findingFilter reads the list filters of findings.
func findingFilter(r *http.Request) (bianque.FindingFilter, error) {
	pg, err := page(r)
	if err != nil {
		return bianque.FindingFilter{}, err
	}
	q := r.URL.Query()
	f := bianque.FindingFilter{AssetID: q.Get("asset"), Priority: q.Get("priority"), Host: q.Get("host"), CVE: q.Get("cve"), Query: q.Get("q"), Page: pg}
	for _, v := range queryList(r, "state") {
		st := bianque.FindingState(v)
		if !st.Valid() {
			return f, bianque.Errorf(bianque.EINVALID, "state %q is unknown", v)
		}
		f.States = append(f.States, st)
	}
	for _, v := range queryList(r, "severity") {
		sv := bianque.VulnSeverity(v)
		if !sv.Valid() {
			return f, bianque.Errorf(bianque.EINVALID, "severity %q is unknown", v)
		}
		f.Severities = append(f.Severities, sv)
	}
	if f.KEV, err = queryBool(r, "kev"); err != nil {
		return f, err
	}
	od, err := queryBool(r, "overdue")
	if err != nil {
		return f, err
	}
	f.Overdue = od != nil && *od
	return f, nil
}

func (s *Server) findingRoutes() {
	svc := s.svc.Findings
	if svc == nil {
		return
	}
	tenant := func(r *http.Request) string { return r.PathValue("tenant") }
	base := "/api/v1/tenants/{tenant}/findings"
	s.api(Route{Method: "GET", Path: base, ID: "findings.list", Tag: "findings", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermFindingRead, Summary: "A tenant's findings, newest first, with filters.", Query: findingFilterParams,
		Result: FindingView{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			f, err := findingFilter(r)
			if err != nil {
				return nil, err
			}
			f.TenantIDs = []string{tenant(r)}
			list, next, err := svc.Findings(r.Context(), f)
			if err != nil {
				return nil, err
			}
			out := make([]*FindingView, 0, len(list))
			for _, x := range list {
				out = append(out, s.findingView(principalOf(r), x))
			}
			return listResult{Items: out, NextCursor: next}, nil
		})
	s.api(Route{Method: "GET", Path: base + "/{finding}", ID: "findings.get", Tag: "findings", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermFindingRead, Summary: "One finding with its evidence, SLA position and the caller's actions.", Result: FindingView{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			f, err := svc.Finding(r.Context(), tenant(r), r.PathValue("finding"))
			if err != nil {
				return nil, err
			}
			return s.findingView(principalOf(r), f), nil
		})
	s.api(Route{Method: "GET", Path: base + "/{finding}/history", ID: "findings.history", Tag: "findings", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermFindingRead, Summary: "The finding's history: its ticket's timeline.",
		Result: bianque.TimelineEntry{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			tl, err := svc.History(r.Context(), tenant(r), r.PathValue("finding"))
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(tl)}, nil
		})
	s.api(Route{Method: "POST", Path: base + "/{finding}/actions", ID: "findings.act", Tag: "findings", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermFindingManage,
		Summary: "A lifecycle step: start_fix, report_fixed, accept_risk (reason and until), false_positive (reason), reopen.",
		Body:    FindingActionInput{}, Result: FindingView{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in FindingActionInput
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			switch in.Action {
			case bianque.FindingActRetestPass, bianque.FindingActRetestFail, bianque.FindingActSeenAgain, bianque.FindingActExpire:
				return nil, bianque.Errorf(bianque.EINVALID, "%s is taken by the platform, not a person", in.Action)
			}
			f, err := svc.Act(r.Context(), tenant(r), r.PathValue("finding"), in.Action, in.Reason, in.Until)
			if err != nil {
				return nil, err
			}
			return s.findingView(principalOf(r), f), nil
		})
	s.api(Route{Method: "POST", Path: base + "/{finding}/retest", ID: "findings.retest", Tag: "findings", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermScanRun,
		Summary: "Re-probe just this finding through the tenant's scan scope: closed when gone, reopened when still there.",
		Result:  FindingView{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			f, err := svc.Retest(r.Context(), tenant(r), r.PathValue("finding"))
			if err != nil {
				return nil, err
			}
			return s.findingView(principalOf(r), f), nil
		})
	s.api(Route{Method: "POST", Path: base + "/{finding}/protect", ID: "findings.protect", Tag: "findings", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermTicketContain,
		Summary: "Protect now: hand the finding to the playbook engine as a virtual-patch request (block its service on a linked firewall).",
		Body:    bianque.ProtectRequest{}, Result: bianque.VirtualPatch{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in bianque.ProtectRequest
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			return svc.Protect(r.Context(), tenant(r), r.PathValue("finding"), in)
		})
	vp := "/api/v1/tenants/{tenant}/virtual-patches"
	s.api(Route{Method: "GET", Path: vp, ID: "virtual_patches.list", Tag: "findings", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermFindingRead, Summary: "Virtual-patch requests; the playbook engine polls ?state=requested.",
		Query: append([]Param{{Name: "state", Type: "string", Description: "states, comma-separated", Enum: enumValues(bianque.VirtualPatchStates)},
			{Name: "finding", Type: "string", Description: "finding ID"}}, pageParams...),
		Result: bianque.VirtualPatch{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			pg, err := page(r)
			if err != nil {
				return nil, err
			}
			f := bianque.VirtualPatchFilter{TenantIDs: []string{tenant(r)}, FindingID: r.URL.Query().Get("finding"), Page: pg}
			for _, v := range queryList(r, "state") {
				f.States = append(f.States, bianque.VirtualPatchState(v))
			}
			list, next, err := svc.VirtualPatches(r.Context(), f)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(list), NextCursor: next}, nil
		})
	s.api(Route{Method: "GET", Path: vp + "/{patch}", ID: "virtual_patches.get", Tag: "findings", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermFindingRead, Summary: "One virtual-patch request with its history.", Result: bianque.VirtualPatch{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.VirtualPatch(r.Context(), tenant(r), r.PathValue("patch"))
		})
	s.api(Route{Method: "POST", Path: vp + "/{patch}/state", ID: "virtual_patches.state", Tag: "findings", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermTicketContain,
		Summary: "Report a virtual patch's progress (playbook engine: in_progress, applied, failed, reverted; a person: cancelled, requested).",
		Body:    bianque.VirtualPatchUpdate{}, Result: bianque.VirtualPatch{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in bianque.VirtualPatchUpdate
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			return svc.SetVirtualPatchState(r.Context(), tenant(r), r.PathValue("patch"), in)
		})
}
