package bianque

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// VulnSeverity is the severity of a finding as scanners state it (R7.3). It is
// not the ticket Severity (general/major): a finding's priority decides that.
type VulnSeverity string

// Finding severities, most severe first.
const (
	VulnCritical VulnSeverity = "critical"
	VulnHigh     VulnSeverity = "high"
	VulnMedium   VulnSeverity = "medium"
	VulnLow      VulnSeverity = "low"
	VulnInfo     VulnSeverity = "info"
)

// VulnSeverities lists the severities, most severe first.
var VulnSeverities = []VulnSeverity{VulnCritical, VulnHigh, VulnMedium, VulnLow, VulnInfo}

// Valid reports whether s is a known severity.
func (s VulnSeverity) Valid() bool { return slices.Contains(VulnSeverities, s) }

// Rank orders severities: critical 4 … info 0; unknown -1.
func (s VulnSeverity) Rank() int {
	switch s {
	case VulnCritical:
		return 4
	case VulnHigh:
		return 3
	case VulnMedium:
		return 2
	case VulnLow:
		return 1
	case VulnInfo:
		return 0
	}
	return -1
}

// ParseVulnSeverity reads the severity words scanners use ("Critical",
// "HIGH", "Informational", "None", "moderate", "warning", ...). ok is false for
// anything else; callers decide the fallback and count it.
func ParseVulnSeverity(s string) (VulnSeverity, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "crit", "urgent", "严重", "紧急":
		return VulnCritical, true
	case "high", "important", "serious", "高", "高危":
		return VulnHigh, true
	case "medium", "moderate", "med", "warning", "中", "中危":
		return VulnMedium, true
	case "low", "minor", "低", "低危":
		return VulnLow, true
	case "info", "informational", "information", "none", "log", "note", "best practice", "bestpractice", "信息":
		return VulnInfo, true
	}
	return "", false
}

// SeverityFromCVSS maps a CVSS v3/v4 base score to the qualitative rating of
// the CVSS specification (0 none→info, 0.1–3.9 low, 4–6.9 medium, 7–8.9 high,
// 9–10 critical).
func SeverityFromCVSS(score float64) VulnSeverity {
	switch {
	case score >= 9:
		return VulnCritical
	case score >= 7:
		return VulnHigh
	case score >= 4:
		return VulnMedium
	case score > 0:
		return VulnLow
	}
	return VulnInfo
}

// FindingState is a step of the finding lifecycle of R7.4:
// open → fixing → retest → closed, with reopen, risk acceptance and false positive.
type FindingState string

// Finding states.
const (
	FindingOpen          FindingState = "open"           // found (or found again) and not yet worked on
	FindingFixing        FindingState = "fixing"         // the hospital is remediating
	FindingRetest        FindingState = "retest"         // reported fixed; waiting for the retest
	FindingClosed        FindingState = "closed"         // retest proved it gone
	FindingAccepted      FindingState = "accepted"       // risk accepted until AcceptedUntil
	FindingFalsePositive FindingState = "false_positive" // not a vulnerability
)

// FindingStates lists the states.
var FindingStates = []FindingState{FindingOpen, FindingFixing, FindingRetest, FindingClosed, FindingAccepted, FindingFalsePositive}

// Valid reports whether s is a known state.
func (s FindingState) Valid() bool { return slices.Contains(FindingStates, s) }

// Active reports whether the finding still needs work (and counts in the
// exposure figures): open, fixing or retest.
func (s FindingState) Active() bool {
	return s == FindingOpen || s == FindingFixing || s == FindingRetest
}

// FindingAction is a step a person or the retest takes on a finding.
type FindingAction string

// Finding actions.
const (
	FindingActStartFix      FindingAction = "start_fix"      // open → fixing
	FindingActReportFixed   FindingAction = "report_fixed"   // open|fixing → retest
	FindingActRetestPass    FindingAction = "retest_pass"    // open|fixing|retest → closed (the probe no longer sees it)
	FindingActRetestFail    FindingAction = "retest_fail"    // retest → open (still there; reopened)
	FindingActAcceptRisk    FindingAction = "accept_risk"    // open|fixing|retest → accepted (needs a reason and an expiry)
	FindingActFalsePositive FindingAction = "false_positive" // open|fixing|retest|accepted → false_positive (needs a reason)
	FindingActSeenAgain     FindingAction = "seen_again"     // closed → open (a later scan or import found it again)
	FindingActExpire        FindingAction = "expire"         // accepted → open when AcceptedUntil passed
	FindingActReopen        FindingAction = "reopen"         // closed|false_positive|accepted → open, by a person
)

// findingTransitions is the lifecycle as a table: action → allowed from-states → to-state.
var findingTransitions = map[FindingAction]struct {
	From []FindingState
	To   FindingState
}{
	FindingActStartFix:      {[]FindingState{FindingOpen}, FindingFixing},
	FindingActReportFixed:   {[]FindingState{FindingOpen, FindingFixing}, FindingRetest},
	FindingActRetestPass:    {[]FindingState{FindingOpen, FindingFixing, FindingRetest}, FindingClosed},
	FindingActRetestFail:    {[]FindingState{FindingOpen, FindingFixing, FindingRetest}, FindingOpen},
	FindingActAcceptRisk:    {[]FindingState{FindingOpen, FindingFixing, FindingRetest}, FindingAccepted},
	FindingActFalsePositive: {[]FindingState{FindingOpen, FindingFixing, FindingRetest, FindingAccepted}, FindingFalsePositive},
	FindingActSeenAgain:     {[]FindingState{FindingClosed}, FindingOpen},
	FindingActExpire:        {[]FindingState{FindingAccepted}, FindingOpen},
	FindingActReopen:        {[]FindingState{FindingClosed, FindingFalsePositive, FindingAccepted}, FindingOpen},
}

// Finding is one vulnerability of one service of one asset (R7): found by the
// scanner, imported from a hospital's scanner report, or matched from an
// advisory. Findings are deduplicated by Key (asset + service + vulnerability).
type Finding struct {
	ID       string `json:"id,omitempty"`
	TenantID string `json:"tenant_id,omitempty"`
	AssetID  string `json:"asset_id,omitempty"`
	// Key is the dedup key: see FindingKey.
	Key string `json:"key,omitempty"`

	Title            string       `json:"title"`
	Severity         VulnSeverity `json:"severity"`
	CVEs             []string     `json:"cves"`
	CWEs             []int        `json:"cwes,omitempty"`
	CVSSScore        float64      `json:"cvss_score,omitempty"`
	CVSSVector       string       `json:"cvss_vector,omitempty"`
	Host             string       `json:"host,omitempty"`
	Port             int          `json:"port,omitempty"`
	Protocol         string       `json:"protocol,omitempty"` // tcp, udp; or the URL scheme for web findings
	Service          string       `json:"service,omitempty"`  // e.g. ssh, http, mysql
	Path             string       `json:"path,omitempty"`     // URL path or file path of web/container findings
	Component        string       `json:"component,omitempty"`
	ComponentVersion string       `json:"component_version,omitempty"`
	Scanner          string       `json:"scanner"`
	PluginID         string       `json:"plugin_id,omitempty"`
	Description      string       `json:"description,omitempty"`
	Solution         string       `json:"solution,omitempty"`
	References       []string     `json:"references"`
	// Evidence is what the scanner saw (a banner, a matched response, the
	// account that logged in — never the password of a strong account).
	Evidence string `json:"evidence,omitempty"`
	// Count is how many occurrences the finding stands for (e.g. URLs of one web issue).
	Count int `json:"count"`
	// Locations lists every endpoint of the finding; Host, Port and Protocol
	// repeat the first. Imported reports aggregate one vulnerability over
	// several endpoints the way the scanner groups them; Expand splits such a
	// finding into one finding per endpoint for the asset ledger.
	Locations []Location `json:"locations,omitempty"`
	// IDs are advisory identifiers other than CVEs (GHSA-…, vendor IDs, KSV…).
	IDs []string `json:"ids,omitempty"`
	// ToolID is the scanner's identifier of this one occurrence (an issue serial number).
	ToolID string `json:"tool_id,omitempty"`
	// Tags are labels the scanner attached.
	Tags []string `json:"tags,omitempty"`
	// Confidence is the scanner's own confidence wording (certain, firm, tentative).
	Confidence string `json:"confidence,omitempty"`

	// Exploitability and priority (R7.3); see vuln.Priority for the formula.
	KEV           bool    `json:"kev,omitempty"`
	Ransomware    bool    `json:"ransomware,omitempty"`
	PublicExploit bool    `json:"public_exploit,omitempty"`
	EPSS          float64 `json:"epss,omitempty"`
	PriorityScore float64 `json:"priority_score,omitempty"`
	Priority      string  `json:"priority,omitempty"` // P1–P4

	// Lifecycle (R7.4, R7.5).
	State         FindingState `json:"state,omitempty"`
	TicketID      string       `json:"ticket_id,omitempty"`
	DueAt         *time.Time   `json:"due_at,omitempty"`
	AcceptedUntil *time.Time   `json:"accepted_until,omitempty"`
	AcceptedBy    string       `json:"accepted_by,omitempty"`
	StateReason   string       `json:"state_reason,omitempty"`
	ReopenCount   int          `json:"reopen_count,omitempty"`
	FirstSeen     time.Time    `json:"first_seen,omitzero"`
	LastSeen      time.Time    `json:"last_seen,omitzero"`
	ClosedAt      *time.Time   `json:"closed_at,omitempty"`
	// RemindedAt is when the last overdue reminder went out (R7.4).
	RemindedAt *time.Time `json:"reminded_at,omitempty"`
	RetestedAt *time.Time `json:"retested_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at,omitzero"`
	UpdatedAt  time.Time  `json:"updated_at,omitzero"`
	Version    int64      `json:"version,omitempty"`
}

// Location is one endpoint of a finding: a network service (protocol, host,
// port) or a web resource (scheme, host, port, path, query, fragment).
type Location struct {
	Protocol string `json:"protocol,omitempty"`
	Host     string `json:"host,omitempty"`
	Port     int    `json:"port,omitempty"`
	Path     string `json:"path,omitempty"`
	Query    string `json:"query,omitempty"`
	Fragment string `json:"fragment,omitempty"`
}

// defaultPorts are the well-known ports of URL schemes (as URL libraries list them).
var defaultPorts = map[string]int{
	"acap": 674, "afp": 548, "dict": 2628, "dns": 53, "ftp": 21, "git": 9418, "gopher": 70, "http": 80, "https": 443,
	"imap": 143, "ipp": 631, "ipps": 631, "irc": 194, "ircs": 6697, "ldap": 389, "ldaps": 636, "mms": 1755, "msrp": 2855,
	"mtqp": 1038, "nfs": 111, "nntp": 119, "nntps": 563, "pop": 110, "prospero": 1525, "redis": 6379, "rsync": 873,
	"rtsp": 554, "rtsps": 322, "rtspu": 5005, "sftp": 22, "smb": 445, "snmp": 161, "ssh": 22, "svn": 3690, "telnet": 23,
	"ventrilo": 3784, "vnc": 5900, "wais": 210, "ws": 80, "wss": 443,
}

// String renders the location as a URL: scheme://host:port/path?query#fragment,
// leaving out the port when it is the scheme's default and the scheme when
// there is none.
func (l Location) String() string {
	var b strings.Builder
	if l.Protocol != "" {
		b.WriteString(l.Protocol + "://")
	}
	host := l.Host
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	b.WriteString(host)
	if l.Port > 0 && defaultPorts[l.Protocol] != l.Port {
		b.WriteString(":" + strconv.Itoa(l.Port))
	}
	if l.Path != "" {
		if !strings.HasPrefix(l.Path, "/") {
			b.WriteByte('/')
		}
		b.WriteString(l.Path)
	}
	if l.Query != "" {
		b.WriteString("?" + l.Query)
	}
	if l.Fragment != "" {
		b.WriteString("#" + l.Fragment)
	}
	return b.String()
}

// Expand returns one finding per location (a copy of f with Host, Port,
// Protocol and Path taken from the location and Count 1), or f itself when it
// has at most one location. The platform stores findings per endpoint so that
// each asset's service carries its own lifecycle.
func (f *Finding) Expand() []*Finding {
	if len(f.Locations) <= 1 {
		return []*Finding{f}
	}
	out := make([]*Finding, 0, len(f.Locations))
	for _, l := range f.Locations {
		c := *f
		c.Locations = []Location{l}
		c.Host, c.Port, c.Protocol, c.Path = l.Host, l.Port, l.Protocol, l.Path
		c.Count = 1
		out = append(out, &c)
	}
	return out
}

// Validate checks the finding's own fields.
func (f *Finding) Validate() error {
	switch {
	case strings.TrimSpace(f.Title) == "":
		return Errorf(EINVALID, "finding title is required")
	case !f.Severity.Valid():
		return Errorf(EINVALID, "finding severity %q must be critical, high, medium, low or info", f.Severity)
	case f.Port < 0 || f.Port > 65535:
		return Errorf(EINVALID, "finding port %d out of range", f.Port)
	case f.CVSSScore < 0 || f.CVSSScore > 10:
		return Errorf(EINVALID, "finding CVSS score %.1f must be 0–10", f.CVSSScore)
	case f.State != "" && !f.State.Valid():
		return Errorf(EINVALID, "finding state %q is unknown", f.State)
	case f.Scanner == "":
		return Errorf(EINVALID, "finding scanner is required")
	}
	return nil
}

// VulnID is the identity of the vulnerability itself, independent of where it
// was found: the scanner's plugin ID when there is one (it is stable across
// runs of that scanner), else the sorted CVE list, else the normalised title.
func (f *Finding) VulnID() string {
	if f.PluginID != "" {
		return strings.ToLower(f.Scanner) + ":" + f.PluginID
	}
	if len(f.CVEs) > 0 {
		c := slices.Clone(f.CVEs)
		slices.Sort(c)
		return strings.Join(c, ",")
	}
	return "title:" + strings.ToLower(strings.Join(strings.Fields(f.Title), " "))
}

// FindingKey is the dedup key of R7.4: asset (its ID, or the host when the
// finding is not tied to a ledger entry yet) + service (protocol/port, or the
// component for findings without a port) + vulnerability. Two reports of the
// same vulnerability on the same service of the same asset update one finding.
func FindingKey(f *Finding) string {
	asset := f.AssetID
	if asset == "" {
		asset = "host:" + strings.ToLower(f.Host)
	}
	svc := ""
	switch {
	case f.Port > 0:
		proto := f.Protocol
		if proto == "" {
			proto = "tcp"
		}
		svc = strings.ToLower(proto) + "/" + strconv.Itoa(f.Port)
	case f.Component != "":
		svc = "component:" + strings.ToLower(f.Component) + "@" + f.ComponentVersion
	case f.Path != "":
		svc = "path:" + f.Path
	}
	h := sha256.Sum256([]byte(asset + "\x00" + svc + "\x00" + f.VulnID()))
	return hex.EncodeToString(h[:16])
}

// ApplyFindingAction moves f through the lifecycle at now. reason is required
// for accept_risk and false_positive; until is required (and must be after now)
// for accept_risk. It returns ECONFLICT for an action the state does not allow.
func ApplyFindingAction(f *Finding, a FindingAction, actor, reason string, until *time.Time, now time.Time) error {
	tr, ok := findingTransitions[a]
	if !ok {
		return Errorf(EINVALID, "finding action %q is unknown", a)
	}
	state := f.State
	if state == "" {
		state = FindingOpen
	}
	if !slices.Contains(tr.From, state) {
		return Errorf(ECONFLICT, "cannot %s a finding that is %s", a, state)
	}
	switch a {
	case FindingActAcceptRisk:
		if strings.TrimSpace(reason) == "" {
			return Errorf(EINVALID, "risk acceptance needs a reason")
		}
		if until == nil || !until.After(now) {
			return Errorf(EINVALID, "risk acceptance needs an expiry in the future")
		}
		u := *until
		f.AcceptedUntil, f.AcceptedBy = &u, actor
	case FindingActFalsePositive:
		if strings.TrimSpace(reason) == "" {
			return Errorf(EINVALID, "marking a false positive needs a reason")
		}
	case FindingActExpire:
		if f.AcceptedUntil != nil && now.Before(*f.AcceptedUntil) {
			return Errorf(ECONFLICT, "risk acceptance runs until %s", f.AcceptedUntil.Format(time.RFC3339))
		}
	}
	if tr.To == FindingClosed {
		t := now
		f.ClosedAt = &t
	}
	if a == FindingActRetestPass || a == FindingActRetestFail {
		t := now
		f.RetestedAt = &t
	}
	if tr.To == FindingOpen && (state == FindingClosed || state == FindingRetest || state == FindingFalsePositive || state == FindingAccepted) {
		f.ReopenCount++
		f.ClosedAt = nil
	}
	if tr.To != FindingAccepted {
		f.AcceptedUntil, f.AcceptedBy = nil, ""
	}
	f.State = tr.To
	f.StateReason = reason
	f.UpdatedAt = now
	return nil
}

// FindingActionAllowed reports whether a is allowed from state s.
func FindingActionAllowed(s FindingState, a FindingAction) bool {
	tr, ok := findingTransitions[a]
	if s == "" {
		s = FindingOpen
	}
	return ok && slices.Contains(tr.From, s)
}

// IsOverdue reports whether an active finding is past its due date at now.
func (f *Finding) IsOverdue(now time.Time) bool {
	return f.State.Active() && f.DueAt != nil && now.After(*f.DueAt)
}

// FindingFilter selects findings of a set of tenants.
type FindingFilter struct {
	TenantIDs  []string
	AssetID    string
	States     []FindingState
	Severities []VulnSeverity
	Priority   string
	CVE        string
	Host       string
	KEV        *bool
	Overdue    bool // only active findings past their due date (at the store's "now" argument)
	Now        time.Time
	Query      string // title or component, case-insensitive substring
	Page
}

// FindingStore persists findings.
type FindingStore interface {
	// UpsertFinding stores f by (TenantID, Key): a new key creates the finding,
	// a known key updates it (LastSeen, Count, evidence); created reports which.
	UpsertFinding(ctx context.Context, f *Finding) (created bool, err error)
	Finding(ctx context.Context, tenantID, id string) (*Finding, error)
	Findings(ctx context.Context, f FindingFilter) ([]*Finding, string, error)
	UpdateFinding(ctx context.Context, f *Finding) error
}

// FindingService runs the finding lifecycle with authorization, audit and tickets.
type FindingService interface {
	Finding(ctx context.Context, tenantID, id string) (*Finding, error)
	Findings(ctx context.Context, f FindingFilter) ([]*Finding, string, error)
	// Act applies a lifecycle action (see ApplyFindingAction).
	Act(ctx context.Context, tenantID, id string, a FindingAction, reason string, until *time.Time) (*Finding, error)
	// Retest re-probes just this finding and closes or reopens it.
	Retest(ctx context.Context, tenantID, id string) (*Finding, error)
	// History is the finding's timeline (its ticket's).
	History(ctx context.Context, tenantID, id string) ([]*TimelineEntry, error)
	// Protect hands the finding over as a virtual-patch request (R5.3).
	Protect(ctx context.Context, tenantID, id string, req ProtectRequest) (*VirtualPatch, error)
	VirtualPatches(ctx context.Context, f VirtualPatchFilter) ([]*VirtualPatch, string, error)
	VirtualPatch(ctx context.Context, tenantID, id string) (*VirtualPatch, error)
	SetVirtualPatchState(ctx context.Context, tenantID, id string, u VirtualPatchUpdate) (*VirtualPatch, error)
}

// ScanWindow is a weekly time window during which scans may run, in the
// tenant's calendar time zone (clinical work must not be disturbed, R7.1).
type ScanWindow struct {
	Weekdays []time.Weekday `json:"weekdays"`
	Start    string         `json:"start"` // "HH:MM"
	End      string         `json:"end"`   // "HH:MM"; before Start means the window crosses midnight
}

// ScanScope is what a tenant authorised the active scanner to touch (R7.1,
// 004): CIDRs or addresses, minus exclusions, only inside the time windows.
// An empty Include authorises nothing.
type ScanScope struct {
	// ID, Name and Vantage identify a stored scope; a tenant may hold
	// several (the internal networks, and its public addresses scanned from
	// the outside vantage for the exposure view, R6.4).
	ID       string       `json:"id,omitempty"`
	TenantID string       `json:"tenant_id,omitempty"`
	Name     string       `json:"name,omitempty"`
	Vantage  string       `json:"vantage,omitempty"` // VantageInternal (default) or VantageExternal
	Include  []string     `json:"include"`
	Exclude  []string     `json:"exclude,omitempty"`
	Windows  []ScanWindow `json:"windows,omitempty"` // none = any time
	TimeZone string       `json:"time_zone,omitempty"`
	// AuthorizedBy and AuthorizedAt record who at the hospital approved the scope.
	AuthorizedBy string    `json:"authorized_by,omitempty"`
	AuthorizedAt time.Time `json:"authorized_at,omitzero"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
	Version      int64     `json:"version,omitempty"`
}

// Scan vantages: where a scope's scans run from.
const (
	VantageInternal = "internal" // inside the hospital network (the collector's or the platform's position)
	VantageExternal = "external" // from the internet: what it reaches is exposed (R6.4)
)

// Validate checks the scope's CIDRs and windows.
func (s *ScanScope) Validate() error {
	if len(s.Include) == 0 {
		return Errorf(EINVALID, "scan scope authorises no address")
	}
	if s.Vantage != "" && s.Vantage != VantageInternal && s.Vantage != VantageExternal {
		return Errorf(EINVALID, "scan scope vantage %q must be internal or external", s.Vantage)
	}
	if len(s.Name) > 200 {
		return Errorf(EINVALID, "scan scope name is longer than 200 characters")
	}
	for _, c := range append(slices.Clone(s.Include), s.Exclude...) {
		if _, err := ParsePrefixOrAddr(c); err != nil {
			return Errorf(EINVALID, "scan scope: %v", err)
		}
	}
	for i, w := range s.Windows {
		if _, err := parseClock(w.Start); err != nil {
			return Errorf(EINVALID, "scan window %d start %q must be HH:MM", i, w.Start)
		}
		if _, err := parseClock(w.End); err != nil {
			return Errorf(EINVALID, "scan window %d end %q must be HH:MM", i, w.End)
		}
	}
	if s.TimeZone != "" {
		if _, err := time.LoadLocation(s.TimeZone); err != nil {
			return Errorf(EINVALID, "scan scope time zone %q: %v", s.TimeZone, err)
		}
	}
	return nil
}

// Allows reports whether ip is inside Include and outside Exclude.
func (s *ScanScope) Allows(ip netip.Addr) bool {
	return PrefixesContain(s.Include, ip) && !PrefixesContain(s.Exclude, ip)
}

// InWindow reports whether t falls in one of the windows (always, when none are set).
func (s *ScanScope) InWindow(t time.Time) bool {
	if len(s.Windows) == 0 {
		return true
	}
	loc := time.UTC
	if s.TimeZone != "" {
		if l, err := time.LoadLocation(s.TimeZone); err == nil {
			loc = l
		}
	}
	t = t.In(loc)
	tod := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	for _, w := range s.Windows {
		start, err1 := parseClock(w.Start)
		end, err2 := parseClock(w.End)
		if err1 != nil || err2 != nil {
			continue
		}
		day := t.Weekday()
		inDay := func(d time.Weekday) bool { return len(w.Weekdays) == 0 || slices.Contains(w.Weekdays, d) }
		if start <= end {
			if inDay(day) && tod >= start && tod < end {
				return true
			}
			continue
		}
		// Crosses midnight: the evening part belongs to day, the morning part to the day before.
		if inDay(day) && tod >= start {
			return true
		}
		if inDay((day+6)%7) && tod < end {
			return true
		}
	}
	return false
}
