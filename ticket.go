package bianque

import (
	"context"
	"slices"
	"strings"
	"time"
)

// TicketType is one of the ticket kinds of R4.1.
type TicketType string

// Ticket types.
const (
	TicketThreat        TicketType = "threat"        // a detected threat awaiting analysis
	TicketIncident      TicketType = "incident"      // a confirmed threat: handled by a higher tier (R4.2)
	TicketVulnerability TicketType = "vulnerability" // a finding to fix and retest (R7.4)
	TicketEmergency     TicketType = "emergency"     // an emergency response request
	// TicketAsset asks the hospital to confirm a new asset or a change of one
	// (new device, changed fingerprint or service set; R6.2, R6.3).
	TicketAsset TicketType = "asset"
)

// TicketTypes lists the ticket types.
var TicketTypes = []TicketType{TicketThreat, TicketIncident, TicketVulnerability, TicketEmergency, TicketAsset}

// Valid reports whether tt is a known ticket type.
func (tt TicketType) Valid() bool { return slices.Contains(TicketTypes, tt) }

// Severity of a ticket: the guide distinguishes general and major events (R13.1).
type Severity string

// Severities.
const (
	SeverityGeneral Severity = "general"
	SeverityMajor   Severity = "major"
)

// Severities lists the severities.
var Severities = []Severity{SeverityGeneral, SeverityMajor}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return s == SeverityGeneral || s == SeverityMajor }

// Tier is the support line a ticket sits with (R4.3): 1 analyst, 2 responder, 3 expert.
type Tier int

// Period is one interval during which a ticket was open; End is nil while open.
type Period struct {
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end,omitempty"`
}

// Ticket is a unit of work with a state, a timeline and SLA clocks (R4).
type Ticket struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	// Number is sequential per tenant, for people ("#42").
	Number      int64       `json:"number"`
	Type        TicketType  `json:"type"`
	Severity    Severity    `json:"severity"`
	State       TicketState `json:"state"`
	Tier        Tier        `json:"tier"`
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	// Category is the closure category of R4.4 (e.g. "network_attack_failed").
	Category   string `json:"category,omitempty"`
	AssigneeID string `json:"assignee_id,omitempty"`
	// Source says what raised the ticket ("alert:<id>", "finding:<id>", "manual").
	Source     string   `json:"source,omitempty"`
	AssetIDs   []string `json:"asset_ids,omitempty"`
	Resolution string   `json:"resolution,omitempty"`
	CreatedBy  string   `json:"created_by,omitempty"`

	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	AuthorizedAt   *time.Time `json:"authorized_at,omitempty"`
	ContainedAt    *time.Time `json:"contained_at,omitempty"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	// DueAt is an explicit due date (vulnerability remediation); zero when the SLA decides.
	DueAt *time.Time `json:"due_at,omitempty"`
	// OpenPeriods are the intervals the ticket was open; a reopen starts a new one.
	OpenPeriods []Period `json:"open_periods"`
	ReopenCount int      `json:"reopen_count,omitempty"`
	// Rating is the hospital's 1–5 satisfaction rating after closure (R13.2); 0 = none.
	Rating int `json:"rating,omitempty"`
	// Version increases on every update; stores reject an update whose version is stale.
	Version int64 `json:"version"`
}

// Validate checks the ticket's own fields.
func (t *Ticket) Validate() error {
	switch {
	case t.TenantID == "":
		return Errorf(EINVALID, "ticket tenant is required")
	case !t.Type.Valid():
		return Errorf(EINVALID, "ticket type %q must be one of threat, incident, vulnerability, emergency, asset", t.Type)
	case !t.Severity.Valid():
		return Errorf(EINVALID, "ticket severity %q must be general or major", t.Severity)
	case !t.State.Valid():
		return Errorf(EINVALID, "ticket state %q is unknown", t.State)
	case strings.TrimSpace(t.Title) == "":
		return Errorf(EINVALID, "ticket title is required")
	case len(t.Title) > 500:
		return Errorf(EINVALID, "ticket title is longer than 500 bytes")
	case t.Tier < 1 || t.Tier > 3:
		return Errorf(EINVALID, "ticket tier %d must be 1, 2 or 3", t.Tier)
	case t.Rating < 0 || t.Rating > 5:
		return Errorf(EINVALID, "ticket rating %d must be 1–5", t.Rating)
	}
	return nil
}

// IsOpen reports whether the ticket is not closed.
func (t *Ticket) IsOpen() bool { return t.State != StateClosed }

// TimelineKind classifies a timeline entry.
type TimelineKind string

// Timeline kinds.
const (
	TimelineCreated    TimelineKind = "created"
	TimelineTransition TimelineKind = "transition"
	TimelineAssign     TimelineKind = "assign"
	TimelineComment    TimelineKind = "comment"
	TimelineUpdate     TimelineKind = "update"
)

// TimelineEntry records one step of a ticket: who did what, when (R4.2).
type TimelineEntry struct {
	ID        string       `json:"id"`
	TenantID  string       `json:"tenant_id"`
	TicketID  string       `json:"ticket_id"`
	At        time.Time    `json:"at"`
	ActorID   string       `json:"actor_id,omitempty"`
	ActorName string       `json:"actor_name,omitempty"`
	Kind      TimelineKind `json:"kind"`
	Action    TicketAction `json:"action,omitempty"`
	FromState TicketState  `json:"from_state,omitempty"`
	ToState   TicketState  `json:"to_state,omitempty"`
	Note      string       `json:"note,omitempty"`
}

// TicketFilter selects tickets of one tenant or of a set of tenants.
type TicketFilter struct {
	// TenantIDs restricts the result; stores require it to be non-empty.
	TenantIDs  []string
	Types      []TicketType
	States     []TicketState
	Severities []Severity
	AssigneeID string
	Source     string
	Open       *bool
	// CreatedFrom/CreatedTo bound creation time, [from, to).
	CreatedFrom, CreatedTo time.Time
	// Query matches title or description (case-insensitive substring).
	Query string
	Page
}

// TicketCounts are open-ticket counts for a dashboard.
type TicketCounts struct {
	ByType     map[TicketType]int  `json:"by_type"`
	BySeverity map[Severity]int    `json:"by_severity"`
	ByState    map[TicketState]int `json:"by_state"`
}

// TicketService runs the ticket flow with authorization, audit and SLA clocks.
type TicketService interface {
	CreateTicket(ctx context.Context, t *Ticket) error
	Ticket(ctx context.Context, tenantID, id string) (*Ticket, error)
	Tickets(ctx context.Context, f TicketFilter) ([]*Ticket, string, error)
	Timeline(ctx context.Context, tenantID, id string) ([]*TimelineEntry, error)
	// Act applies a state-machine action; note is required where the action says so.
	Act(ctx context.Context, tenantID, id string, a TicketAction, note string) (*Ticket, error)
	Assign(ctx context.Context, tenantID, id, assigneeID string, tier Tier) (*Ticket, error)
	Comment(ctx context.Context, tenantID, id, note string) (*TimelineEntry, error)
	SLA(ctx context.Context, tenantID, id string) ([]SLAClock, error)
	Attainment(ctx context.Context, tenantID string, from, to time.Time) (*Attainment, error)
}
