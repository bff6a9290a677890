package bianque

import (
	"slices"
	"time"
)

// TicketState is a state of the ticket flow of R4.3.
type TicketState string

// Ticket states.
const (
	StateNew           TicketState = "new"            // raised; nobody has looked at it (MTTA clock running)
	StateTriaged       TicketState = "triaged"        // acknowledged and being analysed
	StateConfirmed     TicketState = "confirmed"      // a real threat / valid finding
	StateFalsePositive TicketState = "false_positive" // not a threat
	StateEscalated     TicketState = "escalated"      // handed to a higher tier
	StateContained     TicketState = "contained"      // spread stopped / mitigated (MTTC clock stops)
	StateClosed        TicketState = "closed"         // handled (MTTR clock stops)
)

// TicketStates lists the states in flow order.
var TicketStates = []TicketState{StateNew, StateTriaged, StateConfirmed, StateFalsePositive, StateEscalated, StateContained, StateClosed}

// Valid reports whether s is a known state.
func (s TicketState) Valid() bool { return slices.Contains(TicketStates, s) }

// TicketAction is a step a person takes on a ticket.
type TicketAction string

// Ticket actions.
const (
	ActionAcknowledge   TicketAction = "acknowledge"
	ActionConfirm       TicketAction = "confirm"
	ActionFalsePositive TicketAction = "false_positive"
	ActionEscalate      TicketAction = "escalate"
	ActionContain       TicketAction = "contain"
	ActionClose         TicketAction = "close"
	ActionReopen        TicketAction = "reopen"
	ActionAuthorize     TicketAction = "authorize"
)

// Transition is one row of the ticket state machine.
type Transition struct {
	Action TicketAction
	From   []TicketState
	// To is the resulting state; empty means the state does not change.
	To         TicketState
	Permission Permission
	// NoteRequired: the person must say why (a false positive, a closure, a reopen).
	NoteRequired bool
}

// ticketTransitions is the whole flow as a table:
//
//	new ─acknowledge→ triaged ─confirm→ confirmed ─contain→ contained ─close→ closed
//	                     │                  │ └escalate→ escalated ─contain┘        │
//	                     └─false_positive→ false_positive ─close→ closed ─reopen→ triaged
//
// Triage and containment are separate permissions (R15.3).
var ticketTransitions = []Transition{
	{ActionAcknowledge, []TicketState{StateNew}, StateTriaged, PermTicketTriage, false},
	{ActionConfirm, []TicketState{StateTriaged, StateEscalated}, StateConfirmed, PermTicketTriage, false},
	{ActionFalsePositive, []TicketState{StateNew, StateTriaged, StateEscalated}, StateFalsePositive, PermTicketTriage, true},
	{ActionEscalate, []TicketState{StateTriaged, StateConfirmed, StateEscalated}, StateEscalated, PermTicketTriage, false},
	{ActionContain, []TicketState{StateConfirmed, StateEscalated}, StateContained, PermTicketContain, false},
	{ActionClose, []TicketState{StateTriaged, StateConfirmed, StateFalsePositive, StateEscalated, StateContained}, StateClosed, PermTicketClose, true},
	{ActionReopen, []TicketState{StateClosed, StateFalsePositive}, StateTriaged, PermTicketReopen, true},
	{ActionAuthorize, []TicketState{StateNew, StateTriaged, StateConfirmed, StateEscalated, StateContained}, "", PermTicketAuthorize, false},
}

// TicketTransitions returns a copy of the state machine.
func TicketTransitions() []Transition { return slices.Clone(ticketTransitions) }

// TransitionFor returns the transition of action a, or false if a is unknown.
func TransitionFor(a TicketAction) (Transition, bool) {
	for _, tr := range ticketTransitions {
		if tr.Action == a {
			return tr, true
		}
	}
	return Transition{}, false
}

// AvailableActions returns the actions the principal may take on the ticket now.
func AvailableActions(p *Principal, t *Ticket) []TicketAction {
	var out []TicketAction
	for _, tr := range ticketTransitions {
		if slices.Contains(tr.From, t.State) && p.Can(tr.Permission) {
			if tr.Action == ActionAuthorize && t.AuthorizedAt != nil {
				continue
			}
			out = append(out, tr.Action)
		}
	}
	return out
}

// ApplyAction moves the ticket through action a at time now, updating state,
// SLA timestamps and open periods, and returns the timeline entry to record.
// It is pure: authorization of the principal is checked against the table,
// persistence is the caller's job.
func ApplyAction(p *Principal, t *Ticket, a TicketAction, note string, now time.Time) (*TimelineEntry, error) {
	tr, ok := TransitionFor(a)
	if !ok {
		return nil, Errorf(EINVALID, "unknown ticket action %q", a)
	}
	if !p.Can(tr.Permission) {
		return nil, Errorf(EFORBIDDEN, "role %s may not %s a ticket", p.Role, a)
	}
	if !slices.Contains(tr.From, t.State) {
		return nil, Errorf(ECONFLICT, "cannot %s a ticket that is %s", a, t.State)
	}
	if tr.NoteRequired && len(note) == 0 {
		return nil, Errorf(EINVALID, "%s needs a note saying why", a)
	}
	if a == ActionAuthorize && t.AuthorizedAt != nil {
		return nil, Errorf(ECONFLICT, "ticket is already authorised")
	}
	from := t.State
	at := now
	switch a {
	case ActionAcknowledge:
		t.AcknowledgedAt = &at
	case ActionFalsePositive:
		if t.AcknowledgedAt == nil {
			t.AcknowledgedAt = &at
		}
	case ActionEscalate:
		if t.Tier < 3 {
			t.Tier++
		}
	case ActionConfirm:
		// A confirmed threat becomes an incident for a higher tier (R4.2).
		if t.Type == TicketThreat {
			t.Type = TicketIncident
			if t.Tier < 2 {
				t.Tier = 2
			}
		}
	case ActionContain:
		if t.ContainedAt == nil {
			t.ContainedAt = &at
		}
	case ActionClose:
		t.ClosedAt = &at
		t.Resolution = note
		if n := len(t.OpenPeriods); n > 0 && t.OpenPeriods[n-1].End == nil {
			t.OpenPeriods[n-1].End = &at
		}
	case ActionReopen:
		t.ClosedAt = nil
		t.ReopenCount++
		if n := len(t.OpenPeriods); n > 0 && t.OpenPeriods[n-1].End == nil {
			// Reopening a false positive that was never closed keeps its period open.
			break
		}
		t.OpenPeriods = append(t.OpenPeriods, Period{Start: at})
	case ActionAuthorize:
		t.AuthorizedAt = &at
	}
	if tr.To != "" {
		t.State = tr.To
	}
	t.UpdatedAt = now
	kind := TimelineTransition
	if tr.To == "" {
		kind = TimelineUpdate
	}
	return &TimelineEntry{
		TenantID: t.TenantID, TicketID: t.ID, At: now, ActorID: p.UserID, ActorName: p.Username,
		Kind: kind, Action: a, FromState: from, ToState: t.State, Note: note,
	}, nil
}

// NewTicket fills the defaults of a ticket being raised at now.
func NewTicket(t *Ticket, now time.Time) {
	if t.ID == "" {
		t.ID = NewIDAt(now)
	}
	if t.State == "" {
		t.State = StateNew
	}
	if t.Severity == "" {
		t.Severity = SeverityGeneral
	}
	if t.Tier == 0 {
		t.Tier = 1
	}
	t.CreatedAt, t.UpdatedAt = now, now
	if len(t.OpenPeriods) == 0 {
		t.OpenPeriods = []Period{{Start: now}}
	}
	t.Version = 1
}
