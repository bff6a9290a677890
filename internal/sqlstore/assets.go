package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"

	"bianque"
)

const assetCols = `id, tenant_id, name, kind, device_type, ips, macs, hostnames, vendor, model, os, os_version, firmware,
	cpes, owner, department, location, business_system, importance, medical, services, sources, tags, confirmed,
	first_seen, last_seen, created_at, updated_at, version`

func scanAsset(row interface{ Scan(...any) error }) (*bianque.Asset, error) {
	a := &bianque.Asset{}
	err := row.Scan(&a.ID, &a.TenantID, &a.Name, &a.Kind, &a.DeviceType, JSONCol{&a.IPs}, JSONCol{&a.MACs},
		JSONCol{&a.Hostnames}, &a.Vendor, &a.Model, &a.OS, &a.OSVersion, &a.Firmware, JSONCol{&a.CPEs}, &a.Owner,
		&a.Department, &a.Location, &a.BusinessSystem, &a.Importance, JSONCol{&a.Medical}, JSONCol{&a.Services},
		JSONCol{&a.Sources}, JSONCol{&a.Tags}, &a.Confirmed, TimeCol{&a.FirstSeen}, TimeCol{&a.LastSeen},
		TimeCol{&a.CreatedAt}, TimeCol{&a.UpdatedAt}, &a.Version)
	return a, err
}

// jsonOrNull encodes a list or pointer for a JSON column; empty is NULL.
func jsonOrNull[T any](v []T) (any, error) {
	if len(v) == 0 {
		return nil, nil
	}
	return JSON(v)
}

// assetArgs returns the values of assetCols from name to updated_at,
// without created_at.
func (s *Store) assetArgs(a *bianque.Asset) ([]any, error) {
	var lists [8]any
	var err error
	for i, l := range [][]string{a.IPs, a.MACs, a.Hostnames, a.CPEs, a.Sources, a.Tags} {
		if lists[i], err = jsonOrNull(l); err != nil {
			return nil, err
		}
	}
	if lists[6], err = jsonOrNull(a.Services); err != nil {
		return nil, err
	}
	if a.Medical != nil {
		if lists[7], err = JSON(a.Medical); err != nil {
			return nil, err
		}
	}
	return []any{a.Name, string(a.Kind), a.DeviceType, lists[0], lists[1], lists[2], a.Vendor, a.Model, a.OS,
		a.OSVersion, a.Firmware, lists[3], a.Owner, a.Department, a.Location, a.BusinessSystem, a.Importance,
		lists[7], lists[6], lists[4], lists[5], a.Confirmed, s.T(a.FirstSeen), s.T(a.LastSeen), s.T(a.UpdatedAt)}, nil
}

// identity kinds of asset_identities.
const (
	identIP   = "ip"
	identMAC  = "mac"
	identHost = "host"
)

// NormalizeIP returns the canonical text of an address (IPv4-mapped IPv6
// unmapped), or s unchanged if it is not one.
func NormalizeIP(s string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return s
	}
	return a.Unmap().String()
}

// NormalizeMAC returns a MAC as lower-case colon-separated hex.
func NormalizeMAC(s string) string {
	if hw, err := net.ParseMAC(strings.TrimSpace(s)); err == nil {
		return hw.String()
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// NormalizeHost returns a host name in lower case without a trailing dot.
func NormalizeHost(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

type ident struct{ kind, value string }

func assetIdentities(a *bianque.Asset) []ident {
	var out []ident
	for _, v := range a.IPs {
		out = append(out, ident{identIP, NormalizeIP(v)})
	}
	for _, v := range a.MACs {
		out = append(out, ident{identMAC, NormalizeMAC(v)})
	}
	for _, v := range a.Hostnames {
		out = append(out, ident{identHost, NormalizeHost(v)})
	}
	slices.SortFunc(out, func(x, y ident) int {
		if c := strings.Compare(x.kind, y.kind); c != 0 {
			return c
		}
		return strings.Compare(x.value, y.value)
	})
	return slices.Compact(out)
}

func (s *Store) setIdentities(ctx context.Context, tx *sql.Tx, a *bianque.Asset) error {
	if _, err := tx.ExecContext(ctx, s.Q(`DELETE FROM asset_identities WHERE asset_id = ?`), a.ID); err != nil {
		return s.dbErr(err, "replace asset identities")
	}
	for _, id := range assetIdentities(a) {
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO asset_identities (tenant_id, asset_id, kind, value) VALUES (?, ?, ?, ?)`),
			a.TenantID, a.ID, id.kind, id.value); err != nil {
			return s.dbErr(err, "store asset identity")
		}
	}
	return nil
}

// CreateAsset stores a new asset (Version 1); the tenant must exist.
func (s *Store) CreateAsset(ctx context.Context, a *bianque.Asset) error {
	if err := a.Validate(); err != nil {
		return err
	}
	now := s.clock.Now()
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	if a.FirstSeen.IsZero() {
		a.FirstSeen = a.CreatedAt
	}
	if a.LastSeen.IsZero() {
		a.LastSeen = a.FirstSeen
	}
	if a.ID == "" {
		a.ID = bianque.NewIDAt(a.CreatedAt)
	}
	a.Version = 1
	args, err := s.assetArgs(a)
	if err != nil {
		return err
	}
	all := append([]any{a.ID, a.TenantID}, args[:len(args)-1]...)
	all = append(all, s.T(a.CreatedAt), args[len(args)-1], a.Version)
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO assets (`+assetCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), all...); err != nil {
			return s.dbErr(err, "create asset")
		}
		return s.setIdentities(ctx, tx, a)
	})
	if err != nil {
		a.Version = 0
	}
	return err
}

// Asset returns the tenant's asset, or ENOTFOUND.
func (s *Store) Asset(ctx context.Context, tenantID, id string) (*bianque.Asset, error) {
	a, err := scanAsset(s.r.QueryRowContext(ctx, s.Q(`SELECT `+assetCols+` FROM assets WHERE tenant_id = ? AND id = ?`), tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("asset")
	}
	if err != nil {
		return nil, s.dbErr(err, "read asset")
	}
	return a, nil
}

// Assets lists assets of f.TenantIDs (required, else EINVALID), newest first.
func (s *Store) Assets(ctx context.Context, f bianque.AssetFilter) ([]*bianque.Asset, string, error) {
	if len(f.TenantIDs) == 0 {
		return nil, "", bianque.Errorf(bianque.EINVALID, "asset list needs at least one tenant")
	}
	var w where
	in(&w, "tenant_id", f.TenantIDs)
	in(&w, "kind", f.Kinds)
	if f.DeviceType != "" {
		w.add("device_type = ?", f.DeviceType)
	}
	if f.Department != "" {
		w.add("department = ?", f.Department)
	}
	for _, id := range []ident{{identIP, f.IP}, {identMAC, f.MAC}, {identHost, f.Hostname}} {
		if id.value == "" {
			continue
		}
		v := id.value
		switch id.kind {
		case identIP:
			v = NormalizeIP(v)
		case identMAC:
			v = NormalizeMAC(v)
		case identHost:
			v = NormalizeHost(v)
		}
		w.add(`id IN (SELECT asset_id FROM asset_identities ai WHERE ai.tenant_id = assets.tenant_id AND ai.kind = ? AND ai.value = ?)`, id.kind, v)
	}
	s.contains(&w, f.Query, "name", "vendor", "model", "coalesce(CAST(hostnames AS TEXT), '')")
	tail, limit := page(&w, "id", f.Page)
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+assetCols+` FROM assets`+w.sql()+tail), w.args...)
	if err != nil {
		return nil, "", s.dbErr(err, "list assets")
	}
	defer rows.Close()
	var out []*bianque.Asset
	for rows.Next() {
		a, err := scanAsset(rows)
		if err != nil {
			return nil, "", s.dbErr(err, "list assets")
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.dbErr(err, "list assets")
	}
	out, next := trim(out, limit, func(a *bianque.Asset) string { return a.ID })
	return out, next, nil
}

// UpdateAsset stores a if a.Version is the stored version (else ECONFLICT,
// or ENOTFOUND if the asset is not the tenant's) and increments a.Version.
func (s *Store) UpdateAsset(ctx context.Context, a *bianque.Asset) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = s.clock.Now()
	}
	args, err := s.assetArgs(a)
	if err != nil {
		return err
	}
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Q(`UPDATE assets SET name = ?, kind = ?, device_type = ?, ips = ?, macs = ?,
			hostnames = ?, vendor = ?, model = ?, os = ?, os_version = ?, firmware = ?, cpes = ?, owner = ?, department = ?,
			location = ?, business_system = ?, importance = ?, medical = ?, services = ?, sources = ?, tags = ?,
			confirmed = ?, first_seen = ?, last_seen = ?, updated_at = ?, version = version + 1
			WHERE tenant_id = ? AND id = ? AND version = ?`), append(args, a.TenantID, a.ID, a.Version)...)
		if err != nil {
			return s.dbErr(err, "update asset")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.staleOrMissing(ctx, tx, "assets", "asset", a.TenantID, a.ID, a.Version)
		}
		return s.setIdentities(ctx, tx, a)
	})
	if err != nil {
		return err
	}
	a.Version++
	return nil
}

// DeleteAsset deletes the tenant's asset, or ENOTFOUND.
func (s *Store) DeleteAsset(ctx context.Context, tenantID, id string) error {
	res, err := s.w.ExecContext(ctx, s.Q(`DELETE FROM assets WHERE tenant_id = ? AND id = ?`), tenantID, id)
	if err != nil {
		return s.dbErr(err, "delete asset")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("asset")
	}
	return nil
}
