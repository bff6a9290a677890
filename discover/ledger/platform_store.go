package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/discover/classify"
	"bianque/internal/sqlstore"
)

// Summary is the part of a device record the inventory lists and filters
// on, kept beside the full record so that listing a hospital's devices does
// not decode every identity string.
type Summary struct {
	IP         string                  `json:"ip,omitempty"`
	MAC        string                  `json:"mac,omitempty"`
	Name       string                  `json:"name,omitempty"`
	Model      string                  `json:"model,omitempty"`
	Address    string                  `json:"address,omitempty"`
	Routed     bool                    `json:"routed,omitempty"`
	Internet   bool                    `json:"internet,omitempty"`
	Confidence float64                 `json:"confidence,omitempty"`
	Location   *discover.Location      `json:"location,omitempty"`
	Medical    *bianque.MedicalProfile `json:"medical,omitempty"`
	PHI        string                  `json:"phi,omitempty"`
	// Risks are the kinds of network-level risks seen in its traffic.
	Risks []string `json:"risks,omitempty"`
}

// SummaryOf makes the summary of a device record.
func SummaryOf(d *discover.Device) Summary {
	s := Summary{IP: d.IP, MAC: d.MAC, Model: d.Model, Address: d.Address, Routed: d.Routed, Internet: d.Internet,
		Confidence: d.Confidence, Location: d.Location, Medical: d.Medical, PHI: d.PHI}
	if len(d.Names) > 0 {
		s.Name = d.Names[0]
	}
	if s.MAC == "" && d.IP == "" && len(d.MACs) > 0 {
		s.MAC = d.MACs[0]
	}
	for _, r := range d.Risks {
		if !slices.Contains(s.Risks, r.Kind) {
			s.Risks = append(s.Risks, r.Kind)
		}
	}
	return s
}

// DeviceRow is a device without its full record: what the inventory needs.
type DeviceRow struct {
	Key             string
	AssetID         string
	DeviceType      string
	Kind            string
	Vendor          string
	OS              string
	SoftwareVersion string
	Summary         Summary
	FirstSeen       time.Time
	LastSeen        time.Time
}

// DeviceRows lists every device of a tenant without the full records.
func (s *Store) DeviceRows(ctx context.Context, tenantID string) ([]DeviceRow, error) {
	rows, err := s.db.Reader().QueryContext(ctx, s.db.Q(`SELECT device_key, asset_id, device_type, kind, vendor, os,
		software_version, summary, first_seen, last_seen FROM discovered_devices WHERE tenant_id = ? ORDER BY device_key`), tenantID)
	if err != nil {
		return nil, fmt.Errorf("list device rows: %w", err)
	}
	defer rows.Close()
	var out []DeviceRow
	for rows.Next() {
		var r DeviceRow
		if err := rows.Scan(&r.Key, &r.AssetID, &r.DeviceType, &r.Kind, &r.Vendor, &r.OS, &r.SoftwareVersion,
			sqlstore.JSONCol{V: &r.Summary}, sqlstore.TimeCol{T: &r.FirstSeen}, sqlstore.TimeCol{T: &r.LastSeen}); err != nil {
			return nil, fmt.Errorf("list device rows: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetDeviceLocation replaces the location of a stored device (the site map
// changed) in its record and summary.
func (s *Store) SetDeviceLocation(ctx context.Context, tenantID, key string, loc *discover.Location) error {
	rec, err := s.Device(ctx, tenantID, key)
	if err != nil {
		return err
	}
	rec.Device.Location = loc
	return s.PutDevice(ctx, rec)
}

// DefaultRiskThreshold is the acceptable clinical risk of a hospital that
// has not set its own (scores run 0–100; see the inventory package).
const DefaultRiskThreshold = 40

// DefaultLearning is the baseline learning period of a device.
const DefaultLearning = 7 * 24 * time.Hour

// Settings are a hospital's discovery settings.
type Settings struct {
	// SiteMap places devices in departments and rooms by subnet or VLAN.
	SiteMap classify.SiteMap `json:"site_map"`
	// RiskThreshold is the acceptable clinical risk score (0–100): devices
	// above it are listed first (R9.3). 0 takes DefaultRiskThreshold.
	RiskThreshold float64 `json:"risk_threshold,omitempty"`
	// LearningHours is the baseline learning period of a device; 0 takes
	// DefaultLearning.
	LearningHours int       `json:"learning_hours,omitempty"`
	Version       int64     `json:"version"`
	UpdatedBy     string    `json:"updated_by,omitempty"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
}

// Threshold returns the acceptable risk score in force.
func (st *Settings) Threshold() float64 {
	if st.RiskThreshold <= 0 {
		return DefaultRiskThreshold
	}
	return st.RiskThreshold
}

// Learning returns the learning period in force.
func (st *Settings) Learning() time.Duration {
	if st.LearningHours <= 0 {
		return DefaultLearning
	}
	return time.Duration(st.LearningHours) * time.Hour
}

// Validate checks the settings and compiles the site map.
func (st *Settings) Validate() error {
	if st.RiskThreshold < 0 || st.RiskThreshold > 100 {
		return bianque.Errorf(bianque.EINVALID, "risk threshold %.1f must be 0–100", st.RiskThreshold)
	}
	if st.LearningHours < 0 || st.LearningHours > 24*365 {
		return bianque.Errorf(bianque.EINVALID, "learning period of %d hours must be 0–8760", st.LearningHours)
	}
	if len(st.SiteMap.Entries) > 10000 {
		return bianque.Errorf(bianque.EINVALID, "a site map holds at most 10000 entries")
	}
	for i, e := range st.SiteMap.Entries {
		if strings.TrimSpace(e.Department) == "" {
			return bianque.Errorf(bianque.EINVALID, "site map entry %d (%s): the department is required", i+1, siteWhere(e))
		}
		if e.VLAN < 0 || e.VLAN > 4094 {
			return bianque.Errorf(bianque.EINVALID, "site map entry %d: VLAN %d must be 1–4094", i+1, e.VLAN)
		}
	}
	if err := st.SiteMap.Compile(); err != nil {
		return bianque.Errorf(bianque.EINVALID, "%v", err)
	}
	return nil
}

func siteWhere(e classify.SiteEntry) string {
	if e.Subnet != "" {
		return e.Subnet
	}
	return fmt.Sprintf("VLAN %d", e.VLAN)
}

// Settings returns a tenant's discovery settings (defaults, version 0,
// when none were stored). The site map comes back compiled.
func (s *Store) Settings(ctx context.Context, tenantID string) (*Settings, error) {
	var st Settings
	var version int64
	err := s.db.Reader().QueryRowContext(ctx, s.db.Q(`SELECT settings, version FROM discovery_settings WHERE tenant_id = ?`), tenantID).
		Scan(sqlstore.JSONCol{V: &st}, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return &Settings{SiteMap: classify.SiteMap{Entries: []classify.SiteEntry{}}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read discovery settings: %w", err)
	}
	st.Version = version
	if st.SiteMap.Entries == nil {
		st.SiteMap.Entries = []classify.SiteEntry{}
	}
	if err := st.SiteMap.Compile(); err != nil {
		return nil, fmt.Errorf("stored site map: %w", err)
	}
	return &st, nil
}

// PutSettings stores settings if st.Version is the stored version (0 when
// none is stored yet), then increments st.Version; otherwise ECONFLICT.
func (s *Store) PutSettings(ctx context.Context, tenantID string, st *Settings) error {
	if err := st.Validate(); err != nil {
		return err
	}
	next := *st
	next.Version = st.Version + 1
	js, err := json.Marshal(next)
	if err != nil {
		return fmt.Errorf("encode discovery settings: %w", err)
	}
	var res sql.Result
	if st.Version == 0 {
		res, err = s.db.Writer().ExecContext(ctx, s.db.Q(`INSERT INTO discovery_settings (tenant_id, settings, version, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO NOTHING`),
			tenantID, string(js), next.Version, st.UpdatedBy, s.db.T(st.UpdatedAt))
	} else {
		res, err = s.db.Writer().ExecContext(ctx, s.db.Q(`UPDATE discovery_settings SET settings = ?, version = ?, updated_by = ?, updated_at = ?
			WHERE tenant_id = ? AND version = ?`), string(js), next.Version, st.UpdatedBy, s.db.T(st.UpdatedAt), tenantID, st.Version)
	}
	if err != nil {
		if bianque.ErrorCode(err) == bianque.ENOTFOUND || strings.Contains(strings.ToLower(err.Error()), "foreign key") {
			return bianque.Errorf(bianque.ENOTFOUND, "tenant not found")
		}
		return fmt.Errorf("store discovery settings: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store discovery settings: %w", err)
	} else if n == 0 {
		return bianque.Errorf(bianque.ECONFLICT, "the discovery settings were changed by someone else (yours are version %d); reload and retry", st.Version)
	}
	st.Version = next.Version
	return nil
}

// AnomalyRecord is a baseline anomaly as the platform keeps it: what the
// detector reported, and what became of it (alert, ticket, suppression).
type AnomalyRecord struct {
	ID         string             `json:"id"`
	TenantID   string             `json:"tenant_id"`
	Sensor     string             `json:"sensor,omitempty"`
	Device     string             `json:"device"`
	DeviceType string             `json:"device_type,omitempty"`
	Kind       string             `json:"kind"`
	Peer       string             `json:"peer,omitempty"`
	Detail     string             `json:"detail"`
	Severity   int                `json:"severity"`
	Flow       *discover.FlowKey  `json:"flow,omitempty"`
	RuleID     string             `json:"rule_id"`
	Level      bianque.AlertLevel `json:"level"`
	DedupKey   string             `json:"dedup_key"`
	AlertID    string             `json:"alert_id,omitempty"`
	TicketID   string             `json:"ticket_id,omitempty"`
	// SuppressedBy names the false-positive suppression that silenced it.
	SuppressedBy string    `json:"suppressed_by,omitempty"`
	At           time.Time `json:"at"`
}

// AddAnomaly stores an anomaly record (ID filled from its time when empty).
func (s *Store) AddAnomaly(ctx context.Context, a *AnomalyRecord) error {
	if a.ID == "" {
		a.ID = bianque.NewIDAt(a.At)
	}
	js, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode anomaly: %w", err)
	}
	_, err = s.db.Writer().ExecContext(ctx, s.db.Q(`INSERT INTO discovery_anomalies (tenant_id, id, device_key, kind, dedup_key, alert_id, record, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), a.TenantID, a.ID, a.Device, a.Kind, a.DedupKey, a.AlertID, string(js), s.db.T(a.At))
	if err != nil {
		return fmt.Errorf("store anomaly: %w", err)
	}
	return nil
}

// AnomalyFilter selects a tenant's anomalies.
type AnomalyFilter struct {
	Device string
	Kind   string
	Since  time.Time
	bianque.Page
}

// Anomalies lists a tenant's anomalies, newest first, paged by ID.
func (s *Store) Anomalies(ctx context.Context, tenantID string, f AnomalyFilter) ([]*AnomalyRecord, string, error) {
	f.Page = f.Page.Normalize()
	q := `SELECT record FROM discovery_anomalies WHERE tenant_id = ?`
	args := []any{tenantID}
	if f.Device != "" {
		q += ` AND device_key = ?`
		args = append(args, f.Device)
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if !f.Since.IsZero() {
		q += ` AND at >= ?`
		args = append(args, s.db.T(f.Since))
	}
	if f.Cursor != "" {
		q += ` AND id < ?`
		args = append(args, f.Cursor)
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit+1)
	rows, err := s.db.Reader().QueryContext(ctx, s.db.Q(q), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list anomalies: %w", err)
	}
	defer rows.Close()
	var out []*AnomalyRecord
	for rows.Next() {
		var a AnomalyRecord
		if err := rows.Scan(sqlstore.JSONCol{V: &a}); err != nil {
			return nil, "", fmt.Errorf("list anomalies: %w", err)
		}
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list anomalies: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// OpenAlertOf returns the newest anomaly with dedupKey that raised an alert
// at or after since, and how many occurrences that alert gathered; nil
// when there is none.
func (s *Store) OpenAlertOf(ctx context.Context, tenantID, dedupKey string, since time.Time) (*AnomalyRecord, int, error) {
	var a AnomalyRecord
	err := s.db.Reader().QueryRowContext(ctx, s.db.Q(`SELECT record FROM discovery_anomalies
		WHERE tenant_id = ? AND dedup_key = ? AND alert_id <> '' AND at >= ? ORDER BY at DESC, id DESC LIMIT 1`),
		tenantID, dedupKey, s.db.T(since)).Scan(sqlstore.JSONCol{V: &a})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("look up anomaly alert: %w", err)
	}
	// Anomalies of one flow share an alert; the one of the alert's own
	// kind counts each occurrence once.
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, s.db.Q(`SELECT count(*) FROM discovery_anomalies WHERE tenant_id = ? AND alert_id = ? AND kind = ?`),
		tenantID, a.AlertID, strings.TrimPrefix(a.RuleID, "discover.")).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count anomalies of alert: %w", err)
	}
	return &a, n, nil
}
