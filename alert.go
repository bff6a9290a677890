package bianque

import (
	"context"
	"path"
	"slices"
	"strings"
	"time"
)

// AlertLevel is the severity of an alert, Sigma's five levels.
type AlertLevel string

// Alert levels, lowest first.
const (
	LevelInformational AlertLevel = "informational"
	LevelLow           AlertLevel = "low"
	LevelMedium        AlertLevel = "medium"
	LevelHigh          AlertLevel = "high"
	LevelCritical      AlertLevel = "critical"
)

// AlertLevels lists the levels, lowest first.
var AlertLevels = []AlertLevel{LevelInformational, LevelLow, LevelMedium, LevelHigh, LevelCritical}

// Rank returns the position of l in AlertLevels, or -1.
func (l AlertLevel) Rank() int { return slices.Index(AlertLevels, l) }

// Valid reports whether l is a known level.
func (l AlertLevel) Valid() bool { return l.Rank() >= 0 }

// Raise returns l raised by n steps (lowered when n < 0), within the known levels.
func (l AlertLevel) Raise(n int) AlertLevel {
	r := l.Rank()
	if r < 0 {
		r = LevelMedium.Rank()
	}
	r = min(max(r+n, 0), len(AlertLevels)-1)
	return AlertLevels[r]
}

// AlertKind says what raised an alert.
type AlertKind string

// Alert kinds.
const (
	AlertRule        AlertKind = "rule"        // a Sigma detection rule
	AlertCorrelation AlertKind = "correlation" // a correlation over several events
	AlertIndicator   AlertKind = "indicator"   // an indicator of compromise
)

// AlertStatus is where an alert is in its handling.
type AlertStatus string

// Alert statuses.
const (
	AlertOpen          AlertStatus = "open"
	AlertAcknowledged  AlertStatus = "acknowledged"
	AlertConfirmed     AlertStatus = "confirmed" // an analyst confirmed a real threat (its ticket carries the handling)
	AlertFalsePositive AlertStatus = "false_positive"
	AlertClosed        AlertStatus = "closed"
)

// AlertStatuses lists the statuses in handling order.
var AlertStatuses = []AlertStatus{AlertOpen, AlertAcknowledged, AlertConfirmed, AlertFalsePositive, AlertClosed}

// Valid reports whether s is a known status.
func (s AlertStatus) Valid() bool { return slices.Contains(AlertStatuses, s) }

// Active reports whether an alert in status s still absorbs repeats: a
// closed or false-positive alert does not, so a new occurrence is seen.
func (s AlertStatus) Active() bool {
	return s == AlertOpen || s == AlertAcknowledged || s == AlertConfirmed || s == ""
}

// Endpoint is one side of an alert: where an attack came from or what it hit.
type Endpoint struct {
	IP   string `json:"ip,omitempty"`
	Port int    `json:"port,omitempty"`
	Host string `json:"host,omitempty"`
	User string `json:"user,omitempty"`
}

// IsZero reports whether nothing is known of the endpoint.
func (e Endpoint) IsZero() bool { return e == Endpoint{} }

// TrendPoint counts the occurrences of an aggregated alert in one interval
// (R3.5 "attack trend").
type TrendPoint struct {
	Start time.Time `json:"start"`
	Count int       `json:"count"`
}

// AlertEvent is one event behind an alert, kept as it was received.
type AlertEvent struct {
	Time time.Time `json:"time"`
	// Ref identifies the event in the event store (or the input line).
	Ref string `json:"ref,omitempty"`
	// Data is the event's JSON.
	Data []byte `json:"data,omitempty"`
}

// Alert is what detection raises for analysts: one rule, correlation or
// indicator, on one source and target, aggregated over a window (R3.4,
// R3.5). Repeats within the window increase Count and extend Trend instead
// of raising new alerts.
type Alert struct {
	ID         string      `json:"id"`
	TenantID   string      `json:"tenant_id"`
	Kind       AlertKind   `json:"kind"`
	RuleID     string      `json:"rule_id"`
	RuleTitle  string      `json:"rule_title"`
	Level      AlertLevel  `json:"level"`
	Status     AlertStatus `json:"status"`
	Category   string      `json:"category,omitempty"` // attack type (R3.4): brute_force, webshell, ransomware, ...
	Techniques []string    `json:"techniques,omitempty"`
	Tactics    []string    `json:"tactics,omitempty"`
	Tags       []string    `json:"tags,omitempty"` // indicator attribution, rule tags
	Attacker   Endpoint    `json:"attacker,omitzero"`
	Victim     Endpoint    `json:"victim,omitzero"`
	// Reason says why: the search identifiers of the rule that matched, or
	// the indicator and the field it was found in.
	Reason      []string     `json:"reason,omitempty"`
	Description string       `json:"description,omitempty"`
	Events      []AlertEvent `json:"events,omitempty"` // the first events, bounded
	Count       int          `json:"count"`
	Trend       []TrendPoint `json:"trend,omitempty"`
	FirstSeen   time.Time    `json:"first_seen"`
	LastSeen    time.Time    `json:"last_seen"`
	// DedupKey groups repeats: tenant, rule, attacker and victim.
	DedupKey string `json:"dedup_key"`
	// ProtectionPeriodID is set when the alert was raised during a
	// major-event protection period (R3.7).
	ProtectionPeriodID string `json:"protection_period_id,omitempty"`
	TicketID           string `json:"ticket_id,omitempty"`
	// Triage records every analyst decision on the alert: who
	// acknowledged, confirmed or dismissed it, when and why (R3.5).
	Triage    []AlertTriage `json:"triage,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
	Version   int64         `json:"version"`
}

// Validate checks the alert's own fields.
func (a *Alert) Validate() error {
	switch {
	case a.TenantID == "":
		return Errorf(EINVALID, "alert tenant is required")
	case a.RuleID == "":
		return Errorf(EINVALID, "alert rule is required")
	case !a.Level.Valid():
		return Errorf(EINVALID, "alert level %q is unknown", a.Level)
	case a.Kind != AlertRule && a.Kind != AlertCorrelation && a.Kind != AlertIndicator:
		return Errorf(EINVALID, "alert kind %q is unknown", a.Kind)
	case a.Count < 1:
		return Errorf(EINVALID, "alert count must be at least 1")
	case a.LastSeen.Before(a.FirstSeen):
		return Errorf(EINVALID, "alert last_seen is before first_seen")
	}
	return nil
}

// Suppression silences alerts an analyst confirmed as false positives (R5.2
// whitelist): every condition must hold for an alert to be suppressed, and
// the suppression ends at ExpiresAt.
type Suppression struct {
	ID string `json:"id"`
	// TenantID scopes the suppression to one tenant; empty applies to all
	// (provider-wide, only for roles that may act platform-wide).
	TenantID string `json:"tenant_id,omitempty"`
	// RuleID scopes it to one rule (or correlation or indicator); empty: any.
	RuleID string `json:"rule_id,omitempty"`
	// Match holds further conditions on the alert: attacker.ip, attacker.host,
	// attacker.user, victim.ip, victim.host, victim.user. Values may use '*'
	// wildcards and compare case-insensitively; IP values may be CIDRs.
	Match     map[string]string `json:"match,omitempty"`
	Reason    string            `json:"reason"`
	TicketID  string            `json:"ticket_id,omitempty"` // the false-positive ticket behind it
	CreatedBy string            `json:"created_by,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// SuppressionFields are the alert fields a suppression may test.
var SuppressionFields = []string{"attacker.ip", "attacker.host", "attacker.user", "victim.ip", "victim.host", "victim.user"}

// Validate checks the suppression: it needs a reason, an expiry and at
// least a rule or a condition, so that no one silences everything by mistake.
func (s *Suppression) Validate() error {
	switch {
	case strings.TrimSpace(s.Reason) == "":
		return Errorf(EINVALID, "a suppression needs a reason")
	case s.ExpiresAt.IsZero():
		return Errorf(EINVALID, "a suppression needs an expiry")
	case !s.CreatedAt.IsZero() && !s.ExpiresAt.After(s.CreatedAt):
		return Errorf(EINVALID, "a suppression must expire after it is created")
	case s.RuleID == "" && len(s.Match) == 0:
		return Errorf(EINVALID, "a suppression must name a rule or a condition")
	}
	for k, v := range s.Match {
		if !slices.Contains(SuppressionFields, k) {
			return Errorf(EINVALID, "suppression field %q must be one of %s", k, strings.Join(SuppressionFields, ", "))
		}
		if strings.TrimSpace(v) == "" || strings.Trim(v, "*") == "" {
			return Errorf(EINVALID, "suppression field %q needs a value that is not only wildcards", k)
		}
		if strings.HasSuffix(k, ".ip") && strings.Contains(v, "/") {
			if _, err := ParsePrefixOrAddr(v); err != nil {
				return Errorf(EINVALID, "suppression field %q: %v", k, err)
			}
		}
	}
	return nil
}

// Applies reports whether the suppression silences alert a at now.
func (s *Suppression) Applies(a *Alert, now time.Time) bool {
	if !now.Before(s.ExpiresAt) {
		return false
	}
	if s.TenantID != "" && s.TenantID != a.TenantID {
		return false
	}
	if s.RuleID != "" && s.RuleID != a.RuleID {
		return false
	}
	for k, want := range s.Match {
		var got string
		switch k {
		case "attacker.ip":
			got = a.Attacker.IP
		case "attacker.host":
			got = a.Attacker.Host
		case "attacker.user":
			got = a.Attacker.User
		case "victim.ip":
			got = a.Victim.IP
		case "victim.host":
			got = a.Victim.Host
		case "victim.user":
			got = a.Victim.User
		default:
			return false
		}
		if !suppressionValueMatches(k, want, got) {
			return false
		}
	}
	return true
}

func suppressionValueMatches(field, want, got string) bool {
	if got == "" {
		return false
	}
	if strings.HasSuffix(field, ".ip") && strings.Contains(want, "/") {
		if p, err := ParsePrefixOrAddr(want); err == nil {
			if a, err := ParsePrefixOrAddr(got); err == nil {
				return p.Contains(a.Addr())
			}
		}
		return false
	}
	ok, err := path.Match(strings.ToLower(escapeGlob(want)), strings.ToLower(got))
	return err == nil && ok
}

// escapeGlob keeps '*' as the only wildcard of suppression values.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// ProtectionPhase is a phase of a major-event protection period (重保, R3.7).
type ProtectionPhase string

// Phases of a protection period, in order.
const (
	PhasePreparation ProtectionPhase = "preparation"
	PhaseLive        ProtectionPhase = "live"
	PhaseClosing     ProtectionPhase = "closing"
)

// ProtectionPeriod is a tenant's major-event protection period: for its
// duration extra rules run and alert levels are raised.
type ProtectionPeriod struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Name     string `json:"name"`
	// The phases follow each other: preparation from PreparationStart,
	// live from LiveStart, closing from ClosingStart, until End.
	PreparationStart time.Time `json:"preparation_start"`
	LiveStart        time.Time `json:"live_start"`
	ClosingStart     time.Time `json:"closing_start"`
	End              time.Time `json:"end"`
	// ExtraRules are rule IDs switched on for the tenant during the period,
	// even those reserved for protection periods or disabled by the tenant.
	ExtraRules []string `json:"extra_rules,omitempty"`
	// LevelRaise raises alert levels by this many steps per phase
	// (e.g. {"live": 1}: medium becomes high while live).
	LevelRaise map[ProtectionPhase]int `json:"level_raise,omitempty"`
	// MinLevel is the lowest level an alert gets during the live phase.
	MinLevel AlertLevel `json:"min_level,omitempty"`
}

// Validate checks the period's phases are in order.
func (p *ProtectionPeriod) Validate() error {
	switch {
	case p.TenantID == "":
		return Errorf(EINVALID, "protection period tenant is required")
	case strings.TrimSpace(p.Name) == "":
		return Errorf(EINVALID, "protection period name is required")
	case p.PreparationStart.IsZero() || p.LiveStart.IsZero() || p.ClosingStart.IsZero() || p.End.IsZero():
		return Errorf(EINVALID, "protection period needs the start of each phase and an end")
	case p.LiveStart.Before(p.PreparationStart) || p.ClosingStart.Before(p.LiveStart) || !p.End.After(p.ClosingStart):
		return Errorf(EINVALID, "protection period phases must follow each other: preparation, live, closing, end")
	case p.MinLevel != "" && !p.MinLevel.Valid():
		return Errorf(EINVALID, "protection period min_level %q is unknown", p.MinLevel)
	}
	for ph, n := range p.LevelRaise {
		if ph != PhasePreparation && ph != PhaseLive && ph != PhaseClosing {
			return Errorf(EINVALID, "protection period level_raise: unknown phase %q", ph)
		}
		if n < -4 || n > 4 {
			return Errorf(EINVALID, "protection period level_raise for %s must be -4..4", ph)
		}
	}
	return nil
}

// Phase returns the phase at t, or "" outside the period.
func (p *ProtectionPeriod) Phase(t time.Time) ProtectionPhase {
	switch {
	case t.Before(p.PreparationStart) || !t.Before(p.End):
		return ""
	case t.Before(p.LiveStart):
		return PhasePreparation
	case t.Before(p.ClosingStart):
		return PhaseLive
	}
	return PhaseClosing
}

// AdjustLevel applies the period's raise and floor for the phase at t.
func (p *ProtectionPeriod) AdjustLevel(l AlertLevel, t time.Time) AlertLevel {
	ph := p.Phase(t)
	if ph == "" {
		return l
	}
	l = l.Raise(p.LevelRaise[ph])
	if ph == PhaseLive && p.MinLevel != "" && l.Rank() < p.MinLevel.Rank() {
		l = p.MinLevel
	}
	return l
}

// RuleConfig is a tenant's rule settings (R3.1, R3.2): rules switched off
// or on, and level overrides.
type RuleConfig struct {
	TenantID string `json:"tenant_id"`
	// Disabled rule IDs do not raise alerts for the tenant.
	Disabled []string `json:"disabled,omitempty"`
	// Enabled rule IDs run for the tenant even when reserved for protection
	// periods or off by default.
	Enabled []string `json:"enabled,omitempty"`
	// Levels overrides the level of rules for the tenant.
	Levels    map[string]AlertLevel `json:"levels,omitempty"`
	UpdatedAt time.Time             `json:"updated_at,omitzero"`
	UpdatedBy string                `json:"updated_by,omitempty"`
}

// Validate checks the configuration.
func (c *RuleConfig) Validate() error {
	if c.TenantID == "" {
		return Errorf(EINVALID, "rule configuration tenant is required")
	}
	for id, l := range c.Levels {
		if !l.Valid() {
			return Errorf(EINVALID, "rule %s: level %q is unknown", id, l)
		}
	}
	for _, id := range c.Disabled {
		if slices.Contains(c.Enabled, id) {
			return Errorf(EINVALID, "rule %s is both enabled and disabled", id)
		}
	}
	return nil
}

// AlertFilter selects alerts.
type AlertFilter struct {
	TenantIDs []string
	Status    AlertStatus
	MinLevel  AlertLevel
	RuleID    string
	Since     time.Time
	// Level selects one level exactly; Kind one kind; Category one attack type.
	Level    AlertLevel
	Kind     AlertKind
	Category string
	// Technique selects alerts on an ATT&CK technique (T1110 also finds
	// its sub-techniques T1110.001 ...).
	Technique string
	// AttackerIP and VictimIP select by address (canonical form).
	AttackerIP string
	VictimIP   string
	// Until bounds last_seen from above (exclusive), as Since does from below.
	Until time.Time
	Page
}

// AlertStore persists alerts and suppressions. Like every store it scopes
// each call to a tenant: an alert or suppression of another tenant is
// ENOTFOUND.
type AlertStore interface {
	CreateAlert(ctx context.Context, a *Alert) error
	// UpdateAlert stores a if its Version matches (then increments it): the
	// analysts' changes (status, ticket).
	UpdateAlert(ctx context.Context, a *Alert) error
	// MergeAlert records repeats found by detection: it stores a's count,
	// last seen, level (when higher), trend, events and reasons into the
	// stored alert with a's ID, keeping what analysts changed (status,
	// ticket), and increments the version. ENOTFOUND when there is none.
	MergeAlert(ctx context.Context, a *Alert) error
	Alert(ctx context.Context, tenantID, id string) (*Alert, error)
	Alerts(ctx context.Context, f AlertFilter) ([]*Alert, string, error)

	// CreateSuppression stores a suppression; TenantID "" is platform-wide.
	CreateSuppression(ctx context.Context, s *Suppression) error
	// Suppressions lists those in force at now for a tenant (its own and the
	// platform-wide ones), or every one in force when tenantID is "".
	Suppressions(ctx context.Context, tenantID string, now time.Time) ([]*Suppression, error)
	// DeleteSuppression removes a suppression of the tenant ("" for a
	// platform-wide one).
	DeleteSuppression(ctx context.Context, tenantID, id string) error
}
