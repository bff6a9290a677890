package bianque

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ScanJobState is where a scan started from the platform stands.
type ScanJobState string

// Scan job states.
const (
	ScanQueued    ScanJobState = "queued"
	ScanRunning   ScanJobState = "running"
	ScanDone      ScanJobState = "done"
	ScanFailed    ScanJobState = "failed"
	ScanCancelled ScanJobState = "cancelled"
)

// ScanJobStates lists the states.
var ScanJobStates = []ScanJobState{ScanQueued, ScanRunning, ScanDone, ScanFailed, ScanCancelled}

// Finished reports whether the job has ended.
func (s ScanJobState) Finished() bool { return s == ScanDone || s == ScanFailed || s == ScanCancelled }

// ScanJobSpec is what a person asked to scan: targets inside one stored scope.
type ScanJobSpec struct {
	ScopeID string `json:"scope_id"`
	// Targets are addresses or CIDRs ("" = the scope's Include).
	Targets string `json:"targets,omitempty"`
	// Ports: "top" (default), "all", or a list such as "22,80,8000-8100".
	Ports string `json:"ports,omitempty"`
	// Creds runs the weak-credential checks; NoBruteForce limits them to
	// unauthenticated access and vendor defaults.
	Creds        bool `json:"creds,omitempty"`
	NoBruteForce bool `json:"no_brute_force,omitempty"`
	// Rate and PerHostRate limit connection attempts per second (0 = the
	// platform's defaults).
	Rate        float64 `json:"rate,omitempty"`
	PerHostRate float64 `json:"per_host_rate,omitempty"`
}

// ScanProgress is the running scan's last progress report.
type ScanProgress struct {
	Phase string `json:"phase,omitempty"` // ports, services
	Done  int64  `json:"done"`
	Total int64  `json:"total"`
	Open  int64  `json:"open,omitempty"`
}

// ScanJobSummary is what a finished scan did.
type ScanJobSummary struct {
	Hosts         int    `json:"hosts"`
	Alive         int    `json:"alive"`
	Skipped       int    `json:"skipped"` // medical devices without an override
	Services      int    `json:"services"`
	Findings      int    `json:"findings"`
	Created       int    `json:"created"`
	Reopened      int    `json:"reopened"`
	Tickets       int    `json:"tickets"`
	ChangeTickets int    `json:"change_tickets"` // R6.3: fingerprint or service set changed
	NewAssets     int    `json:"new_assets"`
	Exposed       int    `json:"exposed"` // services reached from the external vantage
	Overrides     int    `json:"overrides"`
	Dials         int64  `json:"dials"`
	Error         string `json:"error,omitempty"`
}

// ScanJob is a scan started from the platform (R7.1): its spec, state,
// progress and, when finished, its summary.
type ScanJob struct {
	ID              string         `json:"id"`
	TenantID        string         `json:"tenant_id"`
	Spec            ScanJobSpec    `json:"spec"`
	ScopeName       string         `json:"scope_name,omitempty"`
	Vantage         string         `json:"vantage,omitempty"`
	State           ScanJobState   `json:"state"`
	Progress        ScanProgress   `json:"progress"`
	Summary         ScanJobSummary `json:"summary"`
	CancelRequested bool           `json:"cancel_requested,omitempty"`
	RequestedBy     string         `json:"requested_by,omitempty"`
	RequestedByName string         `json:"requested_by_name,omitempty"`
	// Node names the platform node that runs the job.
	Node       string     `json:"node,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Version    int64      `json:"version"`
}

// Validate checks the job's fields.
func (j *ScanJob) Validate() error {
	switch {
	case j.TenantID == "":
		return Errorf(EINVALID, "scan job tenant is required")
	case j.Spec.ScopeID == "":
		return Errorf(EINVALID, "scan job needs a scope")
	case !slices.Contains(ScanJobStates, j.State):
		return Errorf(EINVALID, "scan job state %q is unknown", j.State)
	case j.Spec.Rate < 0 || j.Spec.PerHostRate < 0:
		return Errorf(EINVALID, "scan rates must not be negative")
	case len(j.Spec.Targets) > 4000 || len(j.Spec.Ports) > 2000:
		return Errorf(EINVALID, "scan targets or ports too long")
	}
	return nil
}

// ScanJobFilter selects scan jobs of a set of tenants.
type ScanJobFilter struct {
	TenantIDs []string
	States    []ScanJobState
	Page
}

// VirtualPatchState is where a "protect now" request stands (R5.3, R7.5).
type VirtualPatchState string

// Virtual patch states. The platform creates requests; the playbook engine
// (or a person at the firewall) moves them on.
const (
	PatchRequested  VirtualPatchState = "requested"   // waiting for the playbook engine
	PatchInProgress VirtualPatchState = "in_progress" // the engine took it
	PatchApplied    VirtualPatchState = "applied"     // the firewall blocks the service
	PatchFailed     VirtualPatchState = "failed"      // the engine could not apply it
	PatchCancelled  VirtualPatchState = "cancelled"   // withdrawn before it was applied
	PatchReverted   VirtualPatchState = "reverted"    // the block was lifted (e.g. after the fix)
)

// VirtualPatchStates lists the states.
var VirtualPatchStates = []VirtualPatchState{PatchRequested, PatchInProgress, PatchApplied, PatchFailed, PatchCancelled, PatchReverted}

// virtualPatchTransitions: from-state → allowed to-states.
var virtualPatchTransitions = map[VirtualPatchState][]VirtualPatchState{
	PatchRequested:  {PatchInProgress, PatchApplied, PatchFailed, PatchCancelled},
	PatchInProgress: {PatchApplied, PatchFailed, PatchCancelled},
	PatchFailed:     {PatchRequested, PatchCancelled},
	PatchApplied:    {PatchReverted},
}

// VirtualPatchTransitionAllowed reports whether a request may move from → to.
func VirtualPatchTransitionAllowed(from, to VirtualPatchState) bool {
	return slices.Contains(virtualPatchTransitions[from], to)
}

// Active reports whether the request still stands (not cancelled or reverted).
func (s VirtualPatchState) Active() bool {
	return s == PatchRequested || s == PatchInProgress || s == PatchApplied || s == PatchFailed
}

// VirtualPatch is a "protect now" request: block one service of one asset on
// a linked firewall until the finding is fixed. It is the hand-off record the
// playbook engine consumes (docs/vuln.md, "Protect now").
type VirtualPatch struct {
	ID        string `json:"id"`
	TenantID  string `json:"tenant_id"`
	FindingID string `json:"finding_id"`
	AssetID   string `json:"asset_id,omitempty"`
	TicketID  string `json:"ticket_id,omitempty"`
	// What to block: traffic to Host:Port/Protocol, from Direction.
	Host      string `json:"host"`
	Port      int    `json:"port"`
	Protocol  string `json:"protocol"`
	Direction string `json:"direction"` // "inbound" (from anywhere but the allowed sources) or "internet" (from outside only)
	// Allow lists sources that must keep access (e.g. the application servers of a database).
	Allow []string `json:"allow,omitempty"`
	// Title and CVEs describe the finding for the firewall rule's comment.
	Title  string   `json:"title"`
	CVEs   []string `json:"cves"`
	Reason string   `json:"reason"`
	// Until is when the block should be reviewed (default: the finding's due date).
	Until *time.Time        `json:"until,omitempty"`
	State VirtualPatchState `json:"state"`
	// Firewall and RuleRef are filled by the engine: which device, which rule.
	Firewall        string              `json:"firewall,omitempty"`
	RuleRef         string              `json:"rule_ref,omitempty"`
	RequestedBy     string              `json:"requested_by"`
	RequestedByName string              `json:"requested_by_name"`
	History         []VirtualPatchEvent `json:"history"`
	CreatedAt       time.Time           `json:"created_at"`
	UpdatedAt       time.Time           `json:"updated_at"`
	Version         int64               `json:"version"`
}

// VirtualPatchEvent is one step of a request's history.
type VirtualPatchEvent struct {
	At    time.Time         `json:"at"`
	State VirtualPatchState `json:"state"`
	Actor string            `json:"actor"`
	Note  string            `json:"note,omitempty"`
}

// Validate checks the request's fields.
func (v *VirtualPatch) Validate() error {
	switch {
	case v.TenantID == "" || v.FindingID == "":
		return Errorf(EINVALID, "virtual patch needs a tenant and a finding")
	case v.Host == "":
		return Errorf(EINVALID, "virtual patch needs the host to protect")
	case v.Port < 1 || v.Port > 65535:
		return Errorf(EINVALID, "virtual patch needs the port to block (the finding names none)")
	case v.Protocol != "tcp" && v.Protocol != "udp":
		return Errorf(EINVALID, "virtual patch protocol %q must be tcp or udp", v.Protocol)
	case v.Direction != "inbound" && v.Direction != "internet":
		return Errorf(EINVALID, "virtual patch direction %q must be inbound or internet", v.Direction)
	case !slices.Contains(VirtualPatchStates, v.State):
		return Errorf(EINVALID, "virtual patch state %q is unknown", v.State)
	case strings.TrimSpace(v.Reason) == "":
		return Errorf(EINVALID, "virtual patch needs a reason")
	}
	for _, a := range v.Allow {
		if _, err := ParsePrefixOrAddr(a); err != nil {
			return Errorf(EINVALID, "virtual patch allowed source %q is not an address or CIDR", a)
		}
	}
	return nil
}

// VirtualPatchFilter selects requests of a set of tenants.
type VirtualPatchFilter struct {
	TenantIDs []string
	FindingID string
	States    []VirtualPatchState
	Page
}

// ScanStore persists scan scopes, scan jobs and virtual-patch requests.
type ScanStore interface {
	CreateScanScope(ctx context.Context, s *ScanScope) error
	ScanScopeByID(ctx context.Context, tenantID, id string) (*ScanScope, error)
	ScanScopes(ctx context.Context, tenantID string) ([]*ScanScope, error)
	UpdateScanScope(ctx context.Context, s *ScanScope) error
	DeleteScanScope(ctx context.Context, tenantID, id string) error

	CreateScanJob(ctx context.Context, j *ScanJob) error
	ScanJob(ctx context.Context, tenantID, id string) (*ScanJob, error)
	ScanJobs(ctx context.Context, f ScanJobFilter) ([]*ScanJob, string, error)
	UpdateScanJob(ctx context.Context, j *ScanJob) error

	CreateVirtualPatch(ctx context.Context, v *VirtualPatch) error
	VirtualPatch(ctx context.Context, tenantID, id string) (*VirtualPatch, error)
	VirtualPatches(ctx context.Context, f VirtualPatchFilter) ([]*VirtualPatch, string, error)
	UpdateVirtualPatch(ctx context.Context, v *VirtualPatch) error
}

// JobRunStore records when each periodic job last ran, so that several
// platform nodes run a job once per period between them.
type JobRunStore interface {
	// JobLastRun returns the last start time of the named job (zero if never).
	JobLastRun(ctx context.Context, name string) (time.Time, error)
	// SetJobRun records a run of the named job.
	SetJobRun(ctx context.Context, name string, at time.Time, status string) error
}

// ExposedService is one service of the internet-exposure view (R6.4).
type ExposedService struct {
	AssetID   string    `json:"asset_id,omitempty"`
	AssetName string    `json:"asset_name,omitempty"`
	Host      string    `json:"host"`
	Port      int       `json:"port"`
	Protocol  string    `json:"protocol"`
	Service   string    `json:"service,omitempty"`
	Product   string    `json:"product,omitempty"`
	Version   string    `json:"version,omitempty"`
	HighRisk  bool      `json:"high_risk"` // a port R7.6 names as never to be exposed
	RiskName  string    `json:"risk_name,omitempty"`
	Findings  int       `json:"findings"` // active findings on this service
	LastSeen  time.Time `json:"last_seen,omitzero"`
	Medical   bool      `json:"medical,omitempty"`
	Important bool      `json:"important,omitempty"` // asset importance ≥ 4
}

// ProtectRequest is what a person asks for with "protect now".
type ProtectRequest struct {
	// Direction: "inbound" (block every source but Allow) or "internet"
	// (block sources outside the hospital only). Default inbound.
	Direction string     `json:"direction,omitempty"`
	Allow     []string   `json:"allow,omitempty"`
	Reason    string     `json:"reason"`
	Until     *time.Time `json:"until,omitempty"`
}

// VirtualPatchUpdate is a state report on a virtual-patch request: by the
// playbook engine (in_progress; applied with the firewall and rule; failed
// with the reason; reverted) or by a person (cancelled; requested again after
// a failure).
type VirtualPatchUpdate struct {
	State    VirtualPatchState `json:"state"`
	Note     string            `json:"note,omitempty"`
	Firewall string            `json:"firewall,omitempty"`
	RuleRef  string            `json:"rule_ref,omitempty"`
}

// ScanService manages scan scopes and runs scans from the platform.
type ScanService interface {
	Scopes(ctx context.Context, tenantID string) ([]*ScanScope, error)
	Scope(ctx context.Context, tenantID, id string) (*ScanScope, error)
	CreateScope(ctx context.Context, s *ScanScope) error
	UpdateScope(ctx context.Context, s *ScanScope) error
	DeleteScope(ctx context.Context, tenantID, id string) error
	Jobs(ctx context.Context, f ScanJobFilter) ([]*ScanJob, string, error)
	Job(ctx context.Context, tenantID, id string) (*ScanJob, error)
	StartScan(ctx context.Context, tenantID string, spec ScanJobSpec) (*ScanJob, error)
	CancelScan(ctx context.Context, tenantID, id string) (*ScanJob, error)
	// Exposure is the internet-exposure view (R6.4).
	Exposure(ctx context.Context, tenantID string) ([]ExposedService, error)
	// SetMedicalOverride allows or withdraws active probes of one medical device.
	SetMedicalOverride(ctx context.Context, tenantID, assetID string, allow bool, reason string) (*Asset, error)
}

// ScanOverrideInput is the body of a medical-device scan override.
type ScanOverrideInput struct {
	Allow  bool   `json:"allow"`
	Reason string `json:"reason"`
}
