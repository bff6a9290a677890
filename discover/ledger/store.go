// Package ledger connects passive discovery to the platform: a discover.Sink
// that records sightings as passive asset-ledger entries (never triggering
// active scans: medical devices enter as medical assets, which the scanner
// refuses without a person's override), keeps every device's latest
// discovery record and the communication map in the platform database, opens
// a ticket for the hospital to confirm new devices and changes of type,
// vendor, OS or software version (R6.3), and stores the baseline learning
// state (discover/baseline.Store).
package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/discover/baseline"
	"bianque/internal/sqlstore"
)

// DeviceRecord is the stored discovery record of one device.
type DeviceRecord struct {
	TenantID  string
	Key       string
	AssetID   string
	Device    discover.Device
	FirstSeen time.Time
	LastSeen  time.Time
}

// Store keeps discovery records, flow aggregates and baselines in the
// platform database (SQLite or PostgreSQL; tables of migration 0400).
type Store struct {
	db *sqlstore.Store
}

// NewStore uses the platform store's connections (sqlite.DB.Store or
// postgres.DB.Store).
func NewStore(db *sqlstore.Store) *Store { return &Store{db: db} }

// Device returns the stored record of a device (ENOTFOUND when none).
func (s *Store) Device(ctx context.Context, tenantID, key string) (*DeviceRecord, error) {
	var rec DeviceRecord
	var raw sqlstore.JSONCol
	var record discover.Device
	raw.V = &record
	err := s.db.Reader().QueryRowContext(ctx, s.db.Q(`SELECT tenant_id, device_key, asset_id, record, first_seen, last_seen
		FROM discovered_devices WHERE tenant_id = ? AND device_key = ?`), tenantID, key).
		Scan(&rec.TenantID, &rec.Key, &rec.AssetID, raw, sqlstore.TimeCol{T: &rec.FirstSeen}, sqlstore.TimeCol{T: &rec.LastSeen})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bianque.Errorf(bianque.ENOTFOUND, "device %s not found", key)
	}
	if err != nil {
		return nil, fmt.Errorf("read device %s: %w", key, err)
	}
	rec.Device = record
	return &rec, nil
}

// Devices lists the devices of a tenant, optionally of one device type.
func (s *Store) Devices(ctx context.Context, tenantID, deviceType string) ([]*DeviceRecord, error) {
	q := `SELECT tenant_id, device_key, asset_id, record, first_seen, last_seen FROM discovered_devices WHERE tenant_id = ?`
	args := []any{tenantID}
	if deviceType != "" {
		q += ` AND device_type = ?`
		args = append(args, deviceType)
	}
	rows, err := s.db.Reader().QueryContext(ctx, s.db.Q(q+` ORDER BY device_key`), args...)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	defer rows.Close()
	var out []*DeviceRecord
	for rows.Next() {
		var rec DeviceRecord
		var raw sqlstore.JSONCol
		raw.V = &rec.Device
		if err := rows.Scan(&rec.TenantID, &rec.Key, &rec.AssetID, raw, sqlstore.TimeCol{T: &rec.FirstSeen}, sqlstore.TimeCol{T: &rec.LastSeen}); err != nil {
			return nil, fmt.Errorf("list devices: %w", err)
		}
		out = append(out, &rec)
	}
	return out, rows.Err()
}

// PutDevice inserts or replaces a device record (first seen is kept).
func (s *Store) PutDevice(ctx context.Context, r *DeviceRecord) error {
	js, err := json.Marshal(r.Device)
	if err != nil {
		return fmt.Errorf("encode device: %w", err)
	}
	d := &r.Device
	sum, err := json.Marshal(SummaryOf(d))
	if err != nil {
		return fmt.Errorf("encode device summary: %w", err)
	}
	_, err = s.db.Writer().ExecContext(ctx, s.db.Q(`INSERT INTO discovered_devices
		(tenant_id, device_key, asset_id, device_type, kind, vendor, os, software_version, record, summary, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, device_key) DO UPDATE SET asset_id = excluded.asset_id, device_type = excluded.device_type,
			kind = excluded.kind, vendor = excluded.vendor, os = excluded.os, software_version = excluded.software_version,
			record = excluded.record, summary = excluded.summary, last_seen = excluded.last_seen`),
		r.TenantID, r.Key, r.AssetID, d.DeviceType, d.Kind, d.Vendor, d.OS, d.SoftwareVersion, string(js), string(sum),
		s.db.T(r.FirstSeen), s.db.T(r.LastSeen))
	if err != nil {
		return fmt.Errorf("store device %s: %w", r.Key, err)
	}
	return nil
}

// AddFlows adds flow summaries (deltas) to the stored aggregates.
func (s *Store) AddFlows(ctx context.Context, tenantID string, flows []discover.Flow) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, f := range flows {
			apps, err := json.Marshal(f.App)
			if err != nil {
				return err
			}
			rec, err := json.Marshal(flowDetail{f.ServerName, f.VendorEndpoint, f.PHI, f.Risks, f.Details})
			if err != nil {
				return err
			}
			first, last := f.FirstSeen, f.LastSeen
			if _, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO discovered_flows
				(tenant_id, client, server, transport, port, apps, category, clinical, internet, connections, packets, bytes,
				 record, first_seen, last_seen)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (tenant_id, client, server, transport, port) DO UPDATE SET apps = excluded.apps,
					category = excluded.category, clinical = excluded.clinical, internet = excluded.internet,
					connections = discovered_flows.connections + excluded.connections,
					packets = discovered_flows.packets + excluded.packets,
					bytes = discovered_flows.bytes + excluded.bytes,
					record = excluded.record, last_seen = excluded.last_seen`),
				tenantID, f.Client, f.Server, f.Transport, f.Port, string(apps), f.Category, f.Clinical, f.Internet,
				int64(f.Connections), int64(f.Packets), int64(f.Bytes), string(rec), s.db.T(first), s.db.T(last)); err != nil {
				return fmt.Errorf("store flow %s -> %s:%d: %w", f.Client, f.Server, f.Port, err)
			}
		}
		return nil
	})
}

// flowDetail is the JSON record column of a flow aggregate: what the
// latest summary said beyond the counters.
type flowDetail struct {
	ServerName     string              `json:"server_name,omitempty"`
	VendorEndpoint bool                `json:"vendor_endpoint,omitempty"`
	PHI            bool                `json:"phi,omitempty"`
	Risks          []string            `json:"risks,omitempty"`
	Details        map[string][]string `json:"details,omitempty"`
}

// StoredFlow is a stored communication-map aggregate.
type StoredFlow struct {
	Client, Server, Transport string
	Port                      int
	Apps                      []string
	Category                  string
	Clinical, Internet        bool
	Connections, Packets      int64
	Bytes                     int64
	FirstSeen, LastSeen       time.Time
	// From the latest summary: the name the client used for the server,
	// whether that is the client's vendor, PHI, risks and flow identity.
	ServerName     string
	VendorEndpoint bool
	PHI            bool
	Risks          []string
	Details        map[string][]string
}

// Flow returns the aggregate as a discover.Flow (counters as totals).
func (f *StoredFlow) Flow() discover.Flow {
	return discover.Flow{Client: f.Client, Server: f.Server, Transport: f.Transport, Port: f.Port, App: f.Apps,
		Category: f.Category, Clinical: f.Clinical, PHI: f.PHI, Internet: f.Internet, ServerName: f.ServerName,
		VendorEndpoint: f.VendorEndpoint, Risks: f.Risks, Details: f.Details, Connections: uint64(f.Connections),
		Packets: uint64(f.Packets), Bytes: uint64(f.Bytes), FirstSeen: f.FirstSeen, LastSeen: f.LastSeen}
}

// Flows lists a tenant's aggregates that involve addr (all when empty).
func (s *Store) Flows(ctx context.Context, tenantID, addr string) ([]StoredFlow, error) {
	q := `SELECT client, server, transport, port, apps, category, clinical, internet, connections, packets, bytes,
		first_seen, last_seen, record FROM discovered_flows WHERE tenant_id = ?`
	args := []any{tenantID}
	if addr != "" {
		q += ` AND (client = ? OR server = ?)`
		args = append(args, addr, addr)
	}
	rows, err := s.db.Reader().QueryContext(ctx, s.db.Q(q+` ORDER BY client, server, transport, port`), args...)
	if err != nil {
		return nil, fmt.Errorf("list flows: %w", err)
	}
	defer rows.Close()
	var out []StoredFlow
	for rows.Next() {
		var f StoredFlow
		var apps sqlstore.JSONCol
		apps.V = &f.Apps
		var det flowDetail
		if err := rows.Scan(&f.Client, &f.Server, &f.Transport, &f.Port, apps, &f.Category, &f.Clinical, &f.Internet,
			&f.Connections, &f.Packets, &f.Bytes, sqlstore.TimeCol{T: &f.FirstSeen}, sqlstore.TimeCol{T: &f.LastSeen},
			sqlstore.JSONCol{V: &det}); err != nil {
			return nil, fmt.Errorf("list flows: %w", err)
		}
		f.ServerName, f.VendorEndpoint, f.PHI, f.Risks, f.Details = det.ServerName, det.VendorEndpoint, det.PHI, det.Risks, det.Details
		out = append(out, f)
	}
	return out, rows.Err()
}

// Baselines is a baseline.Store over the platform database for one
// tenant's sensor.
type Baselines struct {
	Store    *Store
	TenantID string
	Sensor   string
	Clock    bianque.Clock
}

var _ baseline.Store = Baselines{}

// Load implements baseline.Store.
func (b Baselines) Load(ctx context.Context) (*baseline.State, error) {
	var st baseline.State
	var raw sqlstore.JSONCol
	raw.V = &st
	err := b.Store.db.Reader().QueryRowContext(ctx, b.Store.db.Q(`SELECT state FROM discovery_baselines
		WHERE tenant_id = ? AND sensor = ?`), b.TenantID, b.Sensor).Scan(raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	return &st, nil
}

// Save implements baseline.Store.
func (b Baselines) Save(ctx context.Context, st *baseline.State) error {
	js, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode baseline: %w", err)
	}
	_, err = b.Store.db.Writer().ExecContext(ctx, b.Store.db.Q(`INSERT INTO discovery_baselines (tenant_id, sensor, state, updated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, sensor) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`),
		b.TenantID, b.Sensor, string(js), b.Store.db.T(b.Clock.Now()))
	if err != nil {
		return fmt.Errorf("store baseline: %w", err)
	}
	return nil
}
