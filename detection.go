package bianque

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Detection wired into the platform (R3.1–R3.7, R5.2): the analysts'
// decisions on alerts, aggregation persisted in the store so that several
// nodes fold repeats into one alert, the tenants' rule settings, custom
// rules and protection periods, indicator feeds, and the services the
// portal and the API call.

// AlertAction is a step an analyst takes on an alert.
type AlertAction string

// Alert actions.
const (
	AlertActAcknowledge   AlertAction = "acknowledge"    // seen, being looked at
	AlertActConfirm       AlertAction = "confirm"        // a real threat: its threat ticket is opened or confirmed
	AlertActFalsePositive AlertAction = "false_positive" // not a threat: closed, and a scoped, expiring suppression added
	AlertActClose         AlertAction = "close"          // handled
	AlertActReopen        AlertAction = "reopen"         // back to open
)

// AlertActions lists the actions in the order the portal offers them.
var AlertActions = []AlertAction{AlertActAcknowledge, AlertActConfirm, AlertActFalsePositive, AlertActClose, AlertActReopen}

// alertActionFrom says from which statuses an action may be taken.
var alertActionFrom = map[AlertAction][]AlertStatus{
	AlertActAcknowledge:   {AlertOpen},
	AlertActConfirm:       {AlertOpen, AlertAcknowledged},
	AlertActFalsePositive: {AlertOpen, AlertAcknowledged, AlertConfirmed},
	AlertActClose:         {AlertOpen, AlertAcknowledged, AlertConfirmed},
	AlertActReopen:        {AlertFalsePositive, AlertClosed, AlertAcknowledged, AlertConfirmed},
}

// AlertActionAllowed reports whether action a may be taken on an alert in status s.
func AlertActionAllowed(s AlertStatus, a AlertAction) bool {
	return slices.Contains(alertActionFrom[a], s)
}

// AlertTriage is one analyst decision recorded on an alert: the expert's
// confirmation record of R3.5.
type AlertTriage struct {
	At            time.Time   `json:"at"`
	UserID        string      `json:"user_id,omitempty"`
	Username      string      `json:"username,omitempty"`
	Role          Role        `json:"role,omitempty"`
	Action        AlertAction `json:"action"`
	From          AlertStatus `json:"from"`
	To            AlertStatus `json:"to"`
	Note          string      `json:"note,omitempty"`
	TicketID      string      `json:"ticket_id,omitempty"`
	SuppressionID string      `json:"suppression_id,omitempty"`
}

// AlertTriageInput is an analyst's step on an alert.
type AlertTriageInput struct {
	Action AlertAction `json:"action"`
	// Version must be the alert's current version (optimistic concurrency).
	Version int64  `json:"version"`
	Note    string `json:"note,omitempty"`
	// Fields and For scope the suppression of a false positive: the alert
	// fields pinned to this alert's values (SuppressionFields; none: the
	// rule for the whole tenant) and how long it lasts (at most 180 days).
	Fields []string `json:"fields,omitempty"`
	For    Duration `json:"for,omitempty"`
}

// AlertFoldOptions says how the store folds a repeat into an open alert.
type AlertFoldOptions struct {
	// Window: a candidate folds into the alert with the same dedup key
	// whose last occurrence is at most Window before the candidate's first.
	Window      time.Duration
	TrendBucket time.Duration
	MaxEvents   int
	MaxTrend    int
	// TicketLevel: the first fold that finds the alert at or above this
	// level without a ticket claims the opening of its threat ticket
	// (AlertFoldResult.OpenTicket), once per alert across every node.
	TicketLevel AlertLevel
}

// AlertFoldResult is what FoldAlert did.
type AlertFoldResult struct {
	Alert   *Alert
	Created bool
	// OpenTicket: this caller must open the alert's threat ticket (and
	// record it with SetAlertTicket); no other caller is told so.
	OpenTicket bool
}

// AlertFolder persists alert aggregation, so that the store, not the memory
// of one process, decides whether a repeat is a new alert: every node of a
// scaled-out platform folds into the same alert.
type AlertFolder interface {
	// FoldAlert stores the candidate: folded into the tenant's active alert
	// with the same DedupKey within the window, or as a new alert.
	FoldAlert(ctx context.Context, cand *Alert, o AlertFoldOptions) (*AlertFoldResult, error)
	// FoldAlerts folds candidates with distinct dedup keys in one
	// transaction (the windows are locked in key order, so concurrent
	// batches cannot deadlock); results follow cands.
	FoldAlerts(ctx context.Context, cands []*Alert, o AlertFoldOptions) ([]*AlertFoldResult, error)
	// SetAlertTicket records the threat ticket opened for an alert.
	SetAlertTicket(ctx context.Context, tenantID, id, ticketID string) error
	// DeleteAlertWindows forgets aggregation windows whose last occurrence
	// is before the given time (the alerts stay).
	DeleteAlertWindows(ctx context.Context, before time.Time) (int64, error)
}

// Fold merges a repeat (cand) into the alert a: count, first and last
// seen, the higher level, reasons, events and trend (bounded by o).
func (a *Alert) Fold(cand *Alert, o AlertFoldOptions) {
	a.Count += max(cand.Count, 1)
	if cand.LastSeen.After(a.LastSeen) {
		a.LastSeen = cand.LastSeen
	}
	if !cand.FirstSeen.IsZero() && cand.FirstSeen.Before(a.FirstSeen) {
		a.FirstSeen = cand.FirstSeen
	}
	if cand.Level.Rank() > a.Level.Rank() {
		a.Level = cand.Level
	}
	if cand.ProtectionPeriodID != "" {
		a.ProtectionPeriodID = cand.ProtectionPeriodID
	}
	for _, r := range cand.Reason {
		if !slices.Contains(a.Reason, r) {
			a.Reason = append(a.Reason, r)
		}
	}
	maxEvents := o.MaxEvents
	if maxEvents <= 0 {
		maxEvents = 20
	}
	for _, e := range cand.Events {
		if len(a.Events) >= maxEvents {
			break
		}
		a.Events = append(a.Events, e)
	}
	trend := cand.Trend
	if len(trend) == 0 {
		bucket := o.TrendBucket
		if bucket <= 0 {
			bucket = time.Minute
		}
		trend = []TrendPoint{{Start: cand.FirstSeen.Truncate(bucket), Count: max(cand.Count, 1)}}
	}
	a.Trend = MergeTrend(a.Trend, trend, o.MaxTrend)
}

// MergeTrend adds the points of b to a (same start: counts add up), in time
// order, keeping the newest max points (max <= 0: 1440).
func MergeTrend(a, b []TrendPoint, maxPoints int) []TrendPoint {
	if maxPoints <= 0 {
		maxPoints = 1440
	}
	out := slices.Clone(a)
	for _, p := range b {
		i, found := slices.BinarySearchFunc(out, p.Start, func(x TrendPoint, t time.Time) int { return x.Start.Compare(t) })
		if found {
			out[i].Count += p.Count
			continue
		}
		out = slices.Insert(out, i, p)
	}
	if len(out) > maxPoints {
		out = out[len(out)-maxPoints:]
	}
	return out
}

var techniqueRE = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// ValidTechnique reports whether s is an ATT&CK technique ID (T1059, T1059.001).
func ValidTechnique(s string) bool { return techniqueRE.MatchString(s) }

// Rules -------------------------------------------------------------------

// CustomRule is a file of Sigma rules a tenant uploaded (R3.1): one or more
// YAML documents, compiled with the platform's rules, deciding only for
// that tenant.
type CustomRule struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	// Name identifies the file within the tenant (uploading a file with
	// the same name replaces it).
	Name    string `json:"name"`
	Content string `json:"content"`
	// RuleIDs and Titles are those of the documents in Content, filled by
	// the compile check.
	RuleIDs   []string  `json:"rule_ids,omitempty"`
	Titles    []string  `json:"titles,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxCustomRuleSize bounds one custom rule file.
const MaxCustomRuleSize = 256 << 10

// Validate checks the file's own fields.
func (c *CustomRule) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	switch {
	case c.TenantID == "":
		return Errorf(EINVALID, "custom rule tenant is required")
	case c.Name == "" || len(c.Name) > 200:
		return Errorf(EINVALID, "custom rule name is required (at most 200 characters)")
	case strings.TrimSpace(c.Content) == "":
		return Errorf(EINVALID, "custom rule content is empty")
	case len(c.Content) > MaxCustomRuleSize:
		return Errorf(EINVALID, "custom rule file is larger than %d KiB", MaxCustomRuleSize>>10)
	}
	return nil
}

// Detection revisions: a store counter per kind of detection data; every
// node compares them with what it loaded and reloads what changed.
const (
	RevisionRules      = "rules"        // tenants' settings, custom rules, protection periods
	RevisionRuleReload = "rules.reload" // a request to re-read the rule directories
	RevisionIndicators = "indicators"   // indicators (imports, deletions, expiry)
	RevisionSuppress   = "suppressions" // alert suppressions
	RevisionFeeds      = "intel.feeds"  // feed configuration
)

// RuleStore persists the tenants' rule settings (R3.1, R3.2, R3.7). Each
// write increments the RevisionRules counter in the same transaction.
type RuleStore interface {
	// RuleConfig returns the tenant's settings (empty when none were made).
	RuleConfig(ctx context.Context, tenantID string) (*RuleConfig, error)
	// RuleConfigs returns every tenant's settings.
	RuleConfigs(ctx context.Context) ([]*RuleConfig, error)
	// UpdateRuleConfig changes the tenant's settings atomically: fn gets
	// the stored settings (or empty ones) and changes them in place.
	UpdateRuleConfig(ctx context.Context, tenantID string, fn func(c *RuleConfig) error) (*RuleConfig, error)

	// CustomRules lists a tenant's custom rule files ("" for every tenant's).
	CustomRules(ctx context.Context, tenantID string) ([]*CustomRule, error)
	CustomRule(ctx context.Context, tenantID, id string) (*CustomRule, error)
	// PutCustomRule creates the file, or replaces the tenant's file of the same name.
	PutCustomRule(ctx context.Context, r *CustomRule) error
	DeleteCustomRule(ctx context.Context, tenantID, id string) error

	// ProtectionPeriods lists a tenant's periods ("" for every tenant's), by start.
	ProtectionPeriods(ctx context.Context, tenantID string) ([]*ProtectionPeriod, error)
	ProtectionPeriod(ctx context.Context, tenantID, id string) (*ProtectionPeriod, error)
	// PutProtectionPeriod creates (empty ID) or replaces a period.
	PutProtectionPeriod(ctx context.Context, p *ProtectionPeriod) error
	DeleteProtectionPeriod(ctx context.Context, tenantID, id string) error

	// DetectionRevision returns a revision counter (0 before the first change).
	DetectionRevision(ctx context.Context, name string) (int64, error)
	// BumpDetectionRevision increments a revision counter.
	BumpDetectionRevision(ctx context.Context, name string) error
}

// RuleFilter selects rules in a tenant's rule list.
type RuleFilter struct {
	Query     string     // text in ID, title, description or tags
	Level     AlertLevel // the rule's level for the tenant
	Enabled   *bool      // runs for the tenant now
	Technique string     // ATT&CK technique (sub-techniques included)
	Tactic    string     // ATT&CK tactic short name
	Custom    *bool      // the tenant's own rules
	Page
}

// RuleView is a rule as a tenant sees it: the rule and the tenant's decision.
type RuleView struct {
	ID             string     `json:"id"`
	Title          string     `json:"title"`
	Description    string     `json:"description,omitempty"`
	Status         string     `json:"status,omitempty"`
	Author         string     `json:"author,omitempty"`
	Level          AlertLevel `json:"level"` // as written
	Tags           []string   `json:"tags,omitempty"`
	Techniques     []string   `json:"techniques,omitempty"`
	Tactics        []string   `json:"tactics,omitempty"`
	References     []string   `json:"references,omitempty"`
	FalsePositives []string   `json:"falsepositives,omitempty"`
	Product        string     `json:"product,omitempty"`
	Category       string     `json:"category,omitempty"`
	Service        string     `json:"service,omitempty"`
	Source         string     `json:"source,omitempty"` // the rule directory, or "custom"
	Correlation    bool       `json:"correlation,omitempty"`
	Custom         bool       `json:"custom,omitempty"`
	// Reserved rules run only where enabled or during a protection period.
	Reserved bool `json:"reserved,omitempty"`
	// The tenant's decision now: whether the rule runs, its setting
	// ("default", "enabled", "disabled"), the level override, and the
	// level its alerts get (override and protection period applied).
	Enabled        bool       `json:"enabled"`
	Setting        string     `json:"setting"`
	LevelOverride  AlertLevel `json:"level_override,omitempty"`
	EffectiveLevel AlertLevel `json:"effective_level"`
	// InPeriod: switched on by the tenant's current protection period.
	InPeriod bool `json:"in_period,omitempty"`
}

// RuleSetting is a tenant's setting for one rule. Enabled nil returns the
// rule to its default; Level "" removes the override.
type RuleSetting struct {
	Enabled *bool      `json:"enabled"`
	Level   AlertLevel `json:"level,omitempty"`
}

// RuleProblem is a rule that does not load, with the reason.
type RuleProblem struct {
	Source string `json:"source,omitempty"` // file
	Rule   string `json:"rule,omitempty"`   // ID or title
	Reason string `json:"reason"`
}

// RuleCheck is the outcome of compiling a custom rule file.
type RuleCheck struct {
	OK       bool          `json:"ok"`
	Rules    []*RuleView   `json:"rules,omitempty"`
	Problems []RuleProblem `json:"problems,omitempty"`
	// Saved is the stored file when the check passed and it was saved.
	Saved *CustomRule `json:"saved,omitempty"`
}

// RuleSourceStatus describes one loaded rule directory.
type RuleSourceStatus struct {
	Path     string `json:"path"`
	Reserved bool   `json:"reserved,omitempty"`
	Rules    int    `json:"rules"`
}

// RuleSetStatus describes the rules a node runs.
type RuleSetStatus struct {
	Node         string             `json:"node,omitempty"`
	Sources      []RuleSourceStatus `json:"sources"`
	Rules        int                `json:"rules"`
	Correlations int                `json:"correlations"`
	CustomRules  int                `json:"custom_rules"`
	// Problems lists the rules that did not load (at most 200; ProblemCount has them all).
	Problems     []RuleProblem `json:"problems,omitempty"`
	ProblemCount int           `json:"problem_count"`
	LoadedAt     time.Time     `json:"loaded_at"`
	Indicators   int           `json:"indicators"`
	// ATTACKVersion is the ATT&CK release coverage is computed against ("" without a table).
	ATTACKVersion string `json:"attack_version,omitempty"`
}

// Coverage is a tenant's ATT&CK coverage (R3.2), computed from the
// techniques tagged on the rules that run for it.
type Coverage struct {
	TenantID string `json:"tenant_id"`
	// Version is the ATT&CK release of the technique table; empty when the
	// platform has none (then totals are unknown and only covered
	// techniques are listed, by the tactics the rules name).
	Version       string           `json:"attack_version,omitempty"`
	Rules         int              `json:"rules"` // rules running for the tenant
	Techniques    int              `json:"techniques"`
	Covered       int              `json:"covered"`
	SubTechniques int              `json:"sub_techniques"`
	SubCovered    int              `json:"sub_covered"`
	ByTactic      []TacticCoverage `json:"by_tactic"`
	Unknown       []string         `json:"unknown,omitempty"`
	Outdated      []string         `json:"outdated,omitempty"`
}

// TacticCoverage is the coverage of one tactic.
type TacticCoverage struct {
	Tactic     string              `json:"tactic"`
	Name       string              `json:"name"`
	Techniques int                 `json:"techniques"`
	Covered    int                 `json:"covered"`
	Items      []TechniqueCoverage `json:"items"`
}

// TechniqueCoverage lists the rules on one technique.
type TechniqueCoverage struct {
	ID    string   `json:"id"`
	Name  string   `json:"name,omitempty"`
	Rules []string `json:"rules,omitempty"`
}

// Indicators ----------------------------------------------------------------

// IndicatorScanner reads the indicators detection loads.
type IndicatorScanner interface {
	// ScanIndicators calls fn with every indicator of the platform and of
	// every tenant that has not expired at now.
	ScanIndicators(ctx context.Context, now time.Time, fn func(*Indicator) error) error
	Indicator(ctx context.Context, tenantID, id string) (*Indicator, error)
}

// IndicatorFormat is a format of indicator import.
type IndicatorFormat string

// Import formats.
const (
	FormatSTIX IndicatorFormat = "stix" // STIX 2.1 bundle
	FormatMISP IndicatorFormat = "misp" // MISP event JSON (an export or a feed file)
	FormatCSV  IndicatorFormat = "csv"  // CSV with a header naming value, type, tags, ...
)

// IndicatorImport is an import of a file of indicators.
type IndicatorImport struct {
	Format IndicatorFormat `json:"format"`
	Data   []byte          `json:"-"`
	// Source names the feed on indicators that carry none.
	Source string   `json:"source,omitempty"`
	Tags   []string `json:"tags,omitempty"`
	// Confidence applies where the source gives none (0–100).
	Confidence int `json:"confidence,omitempty"`
	// TTL ends indicators the source gives no end (0: open-ended).
	TTL Duration `json:"ttl,omitempty"`
}

// IndicatorSkip is a record of an import that did not become an indicator.
type IndicatorSkip struct {
	Ref    string `json:"ref"`
	Reason string `json:"reason"`
}

// IndicatorImportResult says what an import or a feed poll did.
type IndicatorImportResult struct {
	Read    int `json:"read"`    // indicators read
	New     int `json:"new"`     // not stored before
	Updated int `json:"updated"` // replaced stored ones
	// Skipped lists the first 100 records skipped; SkippedCount has them all.
	Skipped      []IndicatorSkip `json:"skipped,omitempty"`
	SkippedCount int             `json:"skipped_count"`
}

// IntelFeedKind is the protocol of a threat-intelligence feed.
type IntelFeedKind string

// Feed kinds.
const (
	FeedTAXII IntelFeedKind = "taxii" // a TAXII 2.1 collection
	FeedMISP  IntelFeedKind = "misp"  // a MISP feed (manifest.json and event files)
)

// IntelFeed is a threat-intelligence feed polled by the platform (R3.3,
// R8): for one tenant, or platform-wide (TenantID "").
type IntelFeed struct {
	ID       string        `json:"id"`
	TenantID string        `json:"tenant_id,omitempty"`
	Name     string        `json:"name"`
	Kind     IntelFeedKind `json:"kind"`
	// URL is the TAXII API root, or the MISP feed's base URL.
	URL        string `json:"url"`
	Collection string `json:"collection,omitempty"` // TAXII collection ID
	Username   string `json:"username,omitempty"`
	// Password is write-only: services never return it (HasPassword says
	// whether one is set); stores encrypt it with the field key.
	Password    string   `json:"password,omitempty"`
	HasPassword bool     `json:"has_password"`
	Every       Duration `json:"every"`                // poll period (default 1h, at least 5m)
	TTL         Duration `json:"ttl,omitempty"`        // validity of indicators that carry no end
	Confidence  int      `json:"confidence,omitempty"` // where the feed gives none
	Tags        []string `json:"tags,omitempty"`
	Disabled    bool     `json:"disabled,omitempty"`
	// Poll state: the feed's cursor (TAXII added-after, MISP timestamp),
	// the next poll, and the outcome of the last one.
	Cursor     time.Time  `json:"cursor,omitzero"`
	NextPollAt time.Time  `json:"next_poll_at"`
	LastPollAt *time.Time `json:"last_poll_at,omitempty"`
	LastStatus string     `json:"last_status,omitempty"`
	LastCount  int        `json:"last_count"`
	CreatedBy  string     `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Feed polling bounds.
const (
	DefaultFeedEvery = time.Hour
	MinFeedEvery     = 5 * time.Minute
)

// Validate checks the feed's configuration and fills defaults.
func (f *IntelFeed) Validate() error {
	f.Name = strings.TrimSpace(f.Name)
	if f.Every == 0 {
		f.Every = Duration(DefaultFeedEvery)
	}
	switch {
	case f.Name == "" || len(f.Name) > 200:
		return Errorf(EINVALID, "feed name is required (at most 200 characters)")
	case f.Kind != FeedTAXII && f.Kind != FeedMISP:
		return Errorf(EINVALID, "feed kind %q must be taxii or misp", f.Kind)
	case f.Kind == FeedTAXII && strings.TrimSpace(f.Collection) == "":
		return Errorf(EINVALID, "a TAXII feed needs the collection ID")
	case time.Duration(f.Every) < MinFeedEvery:
		return Errorf(EINVALID, "feed period must be at least %s", MinFeedEvery)
	case f.TTL < 0:
		return Errorf(EINVALID, "feed ttl must not be negative")
	case f.Confidence < 0 || f.Confidence > 100:
		return Errorf(EINVALID, "feed confidence must be 0–100")
	}
	u, err := url.Parse(f.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Errorf(EINVALID, "feed url %q must be an http(s) URL", f.URL)
	}
	if u.User != nil {
		return Errorf(EINVALID, "feed url must not carry credentials; use username and password")
	}
	return nil
}

// IntelFeedStore persists feeds; their writes increment RevisionFeeds.
type IntelFeedStore interface {
	// IntelFeeds lists a tenant's feeds, or the platform-wide ones for "".
	IntelFeeds(ctx context.Context, tenantID string) ([]*IntelFeed, error)
	IntelFeed(ctx context.Context, tenantID, id string) (*IntelFeed, error)
	// DueIntelFeeds lists every enabled feed (any tenant) due at now, with its password.
	DueIntelFeeds(ctx context.Context, now time.Time) ([]*IntelFeed, error)
	CreateIntelFeed(ctx context.Context, f *IntelFeed) error
	// UpdateIntelFeedPoll records a poll: cursor, outcome, next poll.
	UpdateIntelFeedPoll(ctx context.Context, tenantID, id string, cursor time.Time, status string, count int, polled, next time.Time) error
	// ScheduleIntelFeed sets the next poll of a feed.
	ScheduleIntelFeed(ctx context.Context, tenantID, id string, next time.Time) error
	DeleteIntelFeed(ctx context.Context, tenantID, id string) error
}

// Services -----------------------------------------------------------------

// AlertService is what the portal and the API do with alerts (R3.5).
type AlertService interface {
	Alerts(ctx context.Context, f AlertFilter) ([]*Alert, string, error)
	Alert(ctx context.Context, tenantID, id string) (*Alert, error)
	// TriageAlert takes an analyst's step: acknowledge, confirm (opens or
	// confirms the threat ticket), false positive (suppression), close, reopen.
	TriageAlert(ctx context.Context, tenantID, id string, in AlertTriageInput) (*Alert, error)
	// Suppressions lists the tenant's suppressions in force.
	Suppressions(ctx context.Context, tenantID string) ([]*Suppression, error)
	DeleteSuppression(ctx context.Context, tenantID, id string) error
}

// RuleService is what the portal and the API do with rules (R3.1, R3.2, R3.7).
type RuleService interface {
	Rules(ctx context.Context, tenantID string, f RuleFilter) ([]*RuleView, string, error)
	Rule(ctx context.Context, tenantID, id string) (*RuleView, error)
	SetRule(ctx context.Context, tenantID, id string, in RuleSetting) (*RuleView, error)
	Coverage(ctx context.Context, tenantID string) (*Coverage, error)
	CustomRules(ctx context.Context, tenantID string) ([]*CustomRule, error)
	// CheckCustomRule compiles a file against the platform's rules.
	CheckCustomRule(ctx context.Context, r *CustomRule) (*RuleCheck, error)
	// SaveCustomRule checks the file and stores it when it compiles.
	SaveCustomRule(ctx context.Context, r *CustomRule) (*RuleCheck, error)
	DeleteCustomRule(ctx context.Context, tenantID, id string) error
	ProtectionPeriods(ctx context.Context, tenantID string) ([]*ProtectionPeriod, error)
	SaveProtectionPeriod(ctx context.Context, p *ProtectionPeriod) (*ProtectionPeriod, error)
	DeleteProtectionPeriod(ctx context.Context, tenantID, id string) error
	// RuleStatus and ReloadRules concern the platform's rule directories.
	RuleStatus(ctx context.Context) (*RuleSetStatus, error)
	ReloadRules(ctx context.Context) (*RuleSetStatus, error)
}

// IndicatorService is what the portal and the API do with indicators and
// feeds (R3.3, R8). TenantID "" is the platform-wide intelligence.
type IndicatorService interface {
	Indicators(ctx context.Context, f IndicatorFilter) ([]*Indicator, string, error)
	ImportIndicators(ctx context.Context, tenantID string, in IndicatorImport) (*IndicatorImportResult, error)
	DeleteIndicator(ctx context.Context, tenantID, id string) error
	IntelFeeds(ctx context.Context, tenantID string) ([]*IntelFeed, error)
	CreateIntelFeed(ctx context.Context, f *IntelFeed) (*IntelFeed, error)
	DeleteIntelFeed(ctx context.Context, tenantID, id string) error
	// PollIntelFeed makes the feed due now; the feed job polls it.
	PollIntelFeed(ctx context.Context, tenantID, id string) (*IntelFeed, error)
}

// SortProtectionPeriods orders periods by start, then ID.
func SortProtectionPeriods(ps []*ProtectionPeriod) {
	sort.SliceStable(ps, func(i, j int) bool {
		if !ps[i].PreparationStart.Equal(ps[j].PreparationStart) {
			return ps[i].PreparationStart.Before(ps[j].PreparationStart)
		}
		return ps[i].ID < ps[j].ID
	})
}
