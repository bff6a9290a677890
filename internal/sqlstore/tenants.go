package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"bianque"
)

const tenantCols = `id, code, name, region, contract, retention_days, allowed_cidrs, disabled, created_at, updated_at`

func (s *Store) scanTenant(row interface{ Scan(...any) error }) (*bianque.Tenant, error) {
	t := &bianque.Tenant{}
	err := row.Scan(&t.ID, &t.Code, &t.Name, &t.Region, JSONCol{&t.Contract}, &t.RetentionDays,
		JSONCol{&t.AllowedCIDRs}, &t.Disabled, TimeCol{&t.CreatedAt}, TimeCol{&t.UpdatedAt})
	return t, err
}

func (s *Store) tenantArgs(t *bianque.Tenant) ([]any, error) {
	contract, err := JSON(t.Contract)
	if err != nil {
		return nil, err
	}
	var cidrs any
	if len(t.AllowedCIDRs) > 0 {
		c, err := JSON(t.AllowedCIDRs)
		if err != nil {
			return nil, err
		}
		cidrs = c
	}
	return []any{t.Code, t.Name, t.Region, contract, t.RetentionDays, cidrs, t.Disabled, s.T(t.CreatedAt), s.T(t.UpdatedAt)}, nil
}

// CreateTenant stores a new tenant; a duplicate ID or code is ECONFLICT.
// Empty ID and times are filled in.
func (s *Store) CreateTenant(ctx context.Context, t *bianque.Tenant) error {
	if err := t.Validate(); err != nil {
		return err
	}
	now := s.clock.Now()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	if t.ID == "" {
		t.ID = bianque.NewIDAt(t.CreatedAt)
	}
	args, err := s.tenantArgs(t)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, s.Q(`INSERT INTO tenants (`+tenantCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), append([]any{t.ID}, args...)...)
	return s.dbErr(err, "create tenant "+t.Code)
}

// Tenant returns the tenant with id, or ENOTFOUND.
func (s *Store) Tenant(ctx context.Context, id string) (*bianque.Tenant, error) {
	t, err := s.scanTenant(s.r.QueryRowContext(ctx, s.Q(`SELECT `+tenantCols+` FROM tenants WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("tenant")
	}
	return t, s.dbErr(err, "read tenant")
}

// TenantByCode returns the tenant with code, or ENOTFOUND.
func (s *Store) TenantByCode(ctx context.Context, code string) (*bianque.Tenant, error) {
	t, err := s.scanTenant(s.r.QueryRowContext(ctx, s.Q(`SELECT `+tenantCols+` FROM tenants WHERE code = ?`), code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("tenant")
	}
	return t, s.dbErr(err, "read tenant")
}

// Tenants lists tenants newest first. A non-nil, empty f.IDs yields nothing.
func (s *Store) Tenants(ctx context.Context, f bianque.TenantFilter) ([]*bianque.Tenant, string, error) {
	if f.IDs != nil && len(f.IDs) == 0 {
		return nil, "", nil
	}
	var w where
	in(&w, "id", f.IDs)
	if f.Code != "" {
		w.add("code = ?", f.Code)
	}
	tail, limit := page(&w, "id", f.Page)
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+tenantCols+` FROM tenants`+w.sql()+tail), w.args...)
	if err != nil {
		return nil, "", s.dbErr(err, "list tenants")
	}
	defer rows.Close()
	var out []*bianque.Tenant
	for rows.Next() {
		t, err := s.scanTenant(rows)
		if err != nil {
			return nil, "", s.dbErr(err, "list tenants")
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.dbErr(err, "list tenants")
	}
	out, next := trim(out, limit, func(t *bianque.Tenant) string { return t.ID })
	return out, next, nil
}

// UpdateTenant replaces the tenant's fields (not its ID or creation time).
func (s *Store) UpdateTenant(ctx context.Context, t *bianque.Tenant) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = s.clock.Now()
	}
	args, err := s.tenantArgs(t)
	if err != nil {
		return err
	}
	// Every column but id and created_at.
	args = append(args[:len(args)-2], s.T(t.UpdatedAt), t.ID)
	res, err := s.w.ExecContext(ctx, s.Q(`UPDATE tenants SET code = ?, name = ?, region = ?, contract = ?, retention_days = ?,
		allowed_cidrs = ?, disabled = ?, updated_at = ? WHERE id = ?`), args...)
	if err != nil {
		return s.dbErr(err, "update tenant "+t.Code)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("tenant")
	}
	return nil
}
