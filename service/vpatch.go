package service

import (
	"context"
	"fmt"
	"strings"

	"bianque"
)

// "Protect now" (R5.3, R7.5): a finding handed over as a virtual-patch
// request — block the finding's service on a linked firewall until it is
// fixed. The platform stores the request; the playbook engine consumes the
// requested ones and reports back through SetVirtualPatchState (see
// docs/vuln.md for the hand-off interface). Containment needs
// ticket.contain; reading needs finding.read.

func (s *FindingService) scanStore() (bianque.ScanStore, error) {
	ss, ok := s.store.(bianque.ScanStore)
	if !ok {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "this store keeps no virtual-patch requests")
	}
	return ss, nil
}

// Protect creates a virtual-patch request for the finding. A finding that
// already has an active request gets ECONFLICT (one block per finding).
func (s *FindingService) Protect(ctx context.Context, tenantID, findingID string, req bianque.ProtectRequest) (*bianque.VirtualPatch, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermTicketContain, tenantID); err != nil {
		return nil, err
	}
	fs, err := s.findings()
	if err != nil {
		return nil, err
	}
	ss, err := s.scanStore()
	if err != nil {
		return nil, err
	}
	f, err := fs.Finding(ctx, tenantID, findingID)
	if err != nil {
		return nil, hideNotFound(err, "finding")
	}
	if !f.State.Active() {
		return nil, bianque.Errorf(bianque.ECONFLICT, "finding is %s: nothing to protect", f.State)
	}
	existing, _, err := ss.VirtualPatches(ctx, bianque.VirtualPatchFilter{TenantIDs: []string{tenantID}, FindingID: findingID, Page: bianque.Page{Limit: bianque.MaxPageLimit}})
	if err != nil {
		return nil, err
	}
	for _, v := range existing {
		if v.State.Active() && v.State != bianque.PatchFailed {
			return nil, bianque.Errorf(bianque.ECONFLICT, "the finding already has a virtual-patch request (%s)", v.State)
		}
	}
	now := s.clock.Now()
	proto := strings.ToLower(f.Protocol)
	if proto == "" {
		proto = "tcp"
	}
	if req.Direction == "" {
		req.Direction = "inbound"
	}
	until := req.Until
	if until == nil && f.DueAt != nil {
		d := *f.DueAt
		until = &d
	}
	v := &bianque.VirtualPatch{TenantID: tenantID, FindingID: f.ID, AssetID: f.AssetID, TicketID: f.TicketID, Host: f.Host, Port: f.Port,
		Protocol: proto, Direction: req.Direction, Allow: req.Allow, Title: f.Title, CVEs: f.CVEs, Reason: strings.TrimSpace(req.Reason),
		Until: until, State: bianque.PatchRequested, RequestedBy: p.UserID, RequestedByName: p.Username, CreatedAt: now, UpdatedAt: now,
		History: []bianque.VirtualPatchEvent{{At: now, State: bianque.PatchRequested, Actor: p.Username, Note: strings.TrimSpace(req.Reason)}}}
	if v.CVEs == nil {
		v.CVEs = []string{}
	}
	if err := ss.CreateVirtualPatch(ctx, v); err != nil {
		return nil, err
	}
	s.noteTicket(ctx, f, p, fmt.Sprintf("protect now: virtual patch requested — block %s %s:%d (%s): %s", v.Direction, v.Host, v.Port, v.Protocol, v.Reason))
	return v, s.audit(ctx, tenantID, "finding.protect", "virtual_patch", v.ID, map[string]any{"finding": f.ID, "host": v.Host, "port": v.Port,
		"protocol": v.Protocol, "direction": v.Direction, "reason": v.Reason})
}

// VirtualPatches lists requests (finding.read); the playbook engine lists
// the requested ones of its tenants.
func (s *FindingService) VirtualPatches(ctx context.Context, f bianque.VirtualPatchFilter) ([]*bianque.VirtualPatch, string, error) {
	return listAcross(ctx, s.core, bianque.PermFindingRead, f.TenantIDs, "virtual_patch.list", "virtual_patch", func(ids []string) ([]*bianque.VirtualPatch, string, error) {
		ss, err := s.scanStore()
		if err != nil {
			return nil, "", err
		}
		f.TenantIDs, f.Page = ids, f.Page.Normalize()
		return ss.VirtualPatches(ctx, f)
	})
}

// VirtualPatch returns one request (finding.read).
func (s *FindingService) VirtualPatch(ctx context.Context, tenantID, id string) (*bianque.VirtualPatch, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermFindingRead, tenantID); err != nil {
		return nil, err
	}
	ss, err := s.scanStore()
	if err != nil {
		return nil, err
	}
	v, err := ss.VirtualPatch(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "virtual patch")
	}
	return v, s.auditRead(ctx, tenantID, "virtual_patch.read", "virtual_patch", id)
}

// SetVirtualPatchState moves a request on (ticket.contain), recording the
// step in its history, on the finding's ticket and in the audit log.
func (s *FindingService) SetVirtualPatchState(ctx context.Context, tenantID, id string, u bianque.VirtualPatchUpdate) (*bianque.VirtualPatch, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Authorize(bianque.PermTicketContain, tenantID); err != nil {
		return nil, err
	}
	ss, err := s.scanStore()
	if err != nil {
		return nil, err
	}
	v, err := ss.VirtualPatch(ctx, tenantID, id)
	if err != nil {
		return nil, hideNotFound(err, "virtual patch")
	}
	if !bianque.VirtualPatchTransitionAllowed(v.State, u.State) {
		return nil, bianque.Errorf(bianque.ECONFLICT, "a %s virtual patch cannot become %s", v.State, u.State)
	}
	if u.State == bianque.PatchFailed && strings.TrimSpace(u.Note) == "" {
		return nil, bianque.Errorf(bianque.EINVALID, "a failed virtual patch needs the reason")
	}
	now := s.clock.Now()
	from := v.State
	v.State = u.State
	if u.Firewall != "" {
		v.Firewall = truncate(u.Firewall, 200)
	}
	if u.RuleRef != "" {
		v.RuleRef = truncate(u.RuleRef, 200)
	}
	v.History = append(v.History, bianque.VirtualPatchEvent{At: now, State: u.State, Actor: p.Username, Note: truncate(u.Note, 2000)})
	if err := ss.UpdateVirtualPatch(ctx, v); err != nil {
		return nil, err
	}
	if fs, err := s.findings(); err == nil {
		if f, err := fs.Finding(ctx, tenantID, v.FindingID); err == nil {
			note := fmt.Sprintf("virtual patch %s → %s", from, u.State)
			if v.Firewall != "" {
				note += " on " + v.Firewall
			}
			if u.Note != "" {
				note += ": " + u.Note
			}
			s.noteTicket(ctx, f, p, note)
		}
	}
	return v, s.audit(ctx, tenantID, "virtual_patch.state", "virtual_patch", id, map[string]any{"from": from, "to": u.State, "firewall": v.Firewall, "rule": v.RuleRef, "note": u.Note})
}
