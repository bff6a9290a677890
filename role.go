package bianque

import (
	"context"
	"slices"
)

// Role is what a person does on the platform (R1.3). Each user holds one role.
// Provider roles see the tenants they are assigned to; hospital roles see their
// own hospital only (R15.3).
type Role string

// Provider-side roles.
const (
	RolePlatformAdmin  Role = "platform_admin"  // runs the platform: tenants, users, assignments; no tenant data unless assigned
	RoleServiceManager Role = "service_manager" // owns a hospital's service: contract, dispatch, reports
	RoleAnalyst        Role = "analyst"         // T1: alert review, triage, false positives, whitelist
	RoleResponder      Role = "responder"       // T2: incident response and hunting; containment
	RoleExpert         Role = "expert"          // T3: escalations; triage and containment
	RoleAuditor        Role = "auditor"         // quality / compliance: reads tickets and the audit log
)

// Hospital-side roles.
const (
	RoleHospitalAdmin    Role = "hospital_admin"    // the hospital's security engineer: users, components, authorisations
	RoleHospitalEngineer Role = "hospital_engineer" // interface engineer: assets, comments, emergencies
	RoleHospitalViewer   Role = "hospital_viewer"   // management: read-only portal
)

// Roles lists every role in display order.
var Roles = []Role{
	RolePlatformAdmin, RoleServiceManager, RoleAnalyst, RoleResponder, RoleExpert, RoleAuditor,
	RoleHospitalAdmin, RoleHospitalEngineer, RoleHospitalViewer,
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// IsHospital reports whether r is a hospital-side role, bound to one tenant.
func (r Role) IsHospital() bool {
	return r == RoleHospitalAdmin || r == RoleHospitalEngineer || r == RoleHospitalViewer
}

// Permission names one kind of action. Handlers check permissions, never roles.
type Permission string

// Permissions. Tenant-scoped ones apply only inside tenants the principal can
// see; platform ones (tenant.manage, user.manage on provider staff) apply everywhere.
const (
	PermTenantRead      Permission = "tenant.read"     // see the tenant record and its dashboard
	PermTenantManage    Permission = "tenant.manage"   // create, delete, purge tenants; assign staff (platform)
	PermTenantContract  Permission = "tenant.contract" // edit SLA targets, working hours, holidays, allow-lists
	PermUserRead        Permission = "user.read"
	PermUserManage      Permission = "user.manage" // create/disable users of the tenants one administers
	PermTicketRead      Permission = "ticket.read"
	PermTicketCreate    Permission = "ticket.create"
	PermTicketComment   Permission = "ticket.comment"
	PermTicketAssign    Permission = "ticket.assign"
	PermTicketTriage    Permission = "ticket.triage"    // acknowledge, confirm, false positive, escalate (analyst)
	PermTicketContain   Permission = "ticket.contain"   // containment actions (responder)
	PermTicketClose     Permission = "ticket.close"     // close with a resolution
	PermTicketReopen    Permission = "ticket.reopen"    // reopen a closed ticket
	PermTicketAuthorize Permission = "ticket.authorize" // the hospital authorises the handling plan (starts MTTR where so contracted)
	PermAssetRead       Permission = "asset.read"
	PermAssetWrite      Permission = "asset.write"
	PermAuditRead       Permission = "audit.read"
	PermComponentManage Permission = "component.manage" // approve or revoke collectors and connected devices
	PermEventRead       Permission = "event.read"
	PermAlertRead       Permission = "alert.read"
	PermAlertTriage     Permission = "alert.triage"
	PermRuleManage      Permission = "rule.manage"
	PermFindingRead     Permission = "finding.read"
	PermFindingManage   Permission = "finding.manage"
	PermScanRun         Permission = "scan.run"
	PermScanOverride    Permission = "scan.override" // allow an active probe of one medical device
	PermReportRead      Permission = "report.read"
)

var readTenantData = []Permission{PermTenantRead, PermTicketRead, PermAssetRead, PermEventRead, PermAlertRead, PermFindingRead, PermReportRead, PermUserRead}

func perms(base []Permission, more ...Permission) []Permission {
	return append(slices.Clone(base), more...)
}

// rolePermissions is the authorization matrix of R1.3 and R15.3. It is the only
// place that says what a role may do; the authorization test walks it.
var rolePermissions = map[Role][]Permission{
	RolePlatformAdmin: {PermTenantManage, PermTenantRead, PermTenantContract, PermUserRead, PermUserManage, PermAuditRead},
	RoleServiceManager: perms(readTenantData, PermTenantContract, PermTicketCreate, PermTicketComment,
		PermTicketAssign, PermTicketClose, PermTicketReopen, PermTicketAuthorize, PermAssetWrite, PermComponentManage,
		PermRuleManage, PermFindingManage, PermScanRun, PermAuditRead),
	RoleAnalyst: perms(readTenantData, PermTicketCreate, PermTicketComment, PermTicketAssign, PermTicketTriage,
		PermTicketClose, PermTicketReopen, PermAlertTriage, PermFindingManage),
	RoleResponder: perms(readTenantData, PermTicketCreate, PermTicketComment, PermTicketContain, PermTicketClose,
		PermTicketReopen, PermAlertTriage, PermScanRun),
	RoleExpert: perms(readTenantData, PermTicketCreate, PermTicketComment, PermTicketAssign, PermTicketTriage,
		PermTicketContain, PermTicketClose, PermTicketReopen, PermAlertTriage, PermRuleManage, PermFindingManage,
		PermScanRun, PermScanOverride),
	RoleAuditor: {PermTenantRead, PermTicketRead, PermAssetRead, PermAlertRead, PermFindingRead, PermReportRead,
		PermUserRead, PermAuditRead},
	RoleHospitalAdmin: perms(readTenantData, PermUserManage, PermTicketCreate, PermTicketComment, PermTicketReopen,
		PermTicketAuthorize, PermAssetWrite, PermComponentManage, PermAuditRead, PermScanOverride),
	RoleHospitalEngineer: perms(readTenantData, PermTicketCreate, PermTicketComment, PermAssetWrite),
	RoleHospitalViewer:   {PermTenantRead, PermTicketRead, PermAssetRead, PermAlertRead, PermFindingRead, PermReportRead},
}

// RolePermissions returns a copy of the permissions a role holds.
func RolePermissions(r Role) []Permission { return slices.Clone(rolePermissions[r]) }

// HasPermission reports whether role r holds permission p.
func (r Role) HasPermission(p Permission) bool { return slices.Contains(rolePermissions[r], p) }

// Principal is who is acting: a user through a session, or a machine through
// an API token (which acts with its owner's role, possibly narrowed).
type Principal struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
	Role     Role   `json:"role"`
	// TenantID is the hospital of a hospital-side principal; empty for provider staff.
	TenantID string `json:"tenant_id,omitempty"`
	// Tenants are the hospitals a provider-side principal is assigned to.
	Tenants []string `json:"tenants,omitempty"`
	// TokenID is set when the principal authenticated with an API token.
	TokenID string `json:"token_id,omitempty"`
	// Permissions, when non-nil, narrows the role (an API token's scope).
	Permissions []Permission `json:"permissions,omitempty"`
	SourceIP    string       `json:"source_ip,omitempty"`
}

// IsProvider reports whether the principal is provider staff (whose reads of
// tenant data are audited).
func (p *Principal) IsProvider() bool { return p != nil && !p.Role.IsHospital() }

// SeesTenant reports whether the principal may see anything of tenant id.
func (p *Principal) SeesTenant(id string) bool {
	if p == nil || id == "" {
		return false
	}
	if p.Role.IsHospital() {
		return p.TenantID == id
	}
	return slices.Contains(p.Tenants, id)
}

// Can reports whether the principal holds permission perm at all.
func (p *Principal) Can(perm Permission) bool {
	if p == nil || !p.Role.HasPermission(perm) {
		return false
	}
	return p.Permissions == nil || slices.Contains(p.Permissions, perm)
}

// VisibleTenants returns the tenants the principal can see.
func (p *Principal) VisibleTenants() []string {
	if p == nil {
		return nil
	}
	if p.Role.IsHospital() {
		return []string{p.TenantID}
	}
	return slices.Clone(p.Tenants)
}

// Authorize checks that the principal may do perm inside tenant tenantID. A
// tenant the principal cannot see yields ENOTFOUND, so that existence does not
// leak; a visible tenant without the permission yields EFORBIDDEN.
func (p *Principal) Authorize(perm Permission, tenantID string) error {
	if p == nil {
		return Errorf(EUNAUTHORIZED, "authentication required")
	}
	if !p.SeesTenant(tenantID) {
		return Errorf(ENOTFOUND, "tenant not found")
	}
	if !p.Can(perm) {
		return Errorf(EFORBIDDEN, "role %s may not %s", p.Role, perm)
	}
	return nil
}

// AuthorizePlatform checks a permission that is not bound to one tenant
// (tenant.manage, user.manage of provider staff).
func (p *Principal) AuthorizePlatform(perm Permission) error {
	if p == nil {
		return Errorf(EUNAUTHORIZED, "authentication required")
	}
	if p.Role.IsHospital() || !p.Can(perm) {
		return Errorf(EFORBIDDEN, "role %s may not %s", p.Role, perm)
	}
	return nil
}

type principalKey struct{}

// NewContextWithPrincipal returns ctx carrying p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal in ctx, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
