package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"bianque"
)

// Alerts and suppressions (migration 0200): queryable fields as columns,
// the whole record as JSON in data.

const alertCols = `id, tenant_id, kind, rule_id, level, level_rank, status, category, dedup_key, attacker_ip, victim_ip,
	victim_host, count, ticket_id, first_seen, last_seen, created_at, updated_at, version, data`

func scanAlert(row interface{ Scan(...any) error }) (*bianque.Alert, error) {
	var a bianque.Alert
	var id, tenant string
	var version int64
	var k skipCol
	err := row.Scan(&id, &tenant, k, k, k, k, k, k, k, k, k, k, k, k, k, k, k, k, &version, JSONCol{&a})
	if err != nil {
		return nil, err
	}
	a.ID, a.TenantID, a.Version = id, tenant, version
	return &a, nil
}

func (s *Store) alertArgs(a *bianque.Alert) ([]any, error) {
	data, err := JSON(a)
	if err != nil {
		return nil, err
	}
	return []any{string(a.Kind), a.RuleID, string(a.Level), a.Level.Rank(), string(a.Status), a.Category, a.DedupKey,
		a.Attacker.IP, a.Victim.IP, a.Victim.Host, a.Count, a.TicketID, s.T(a.FirstSeen), s.T(a.LastSeen),
		s.T(a.CreatedAt), s.T(a.UpdatedAt), a.Version, data}, nil
}

const alertUpdate = `UPDATE alerts SET kind = ?, rule_id = ?, level = ?, level_rank = ?, status = ?, category = ?, dedup_key = ?,
	attacker_ip = ?, victim_ip = ?, victim_host = ?, count = ?, ticket_id = ?, first_seen = ?, last_seen = ?, created_at = ?,
	updated_at = ?, version = ?, data = ? WHERE tenant_id = ? AND id = ?`

// CreateAlert stores a new alert (Version 1, status open unless set).
func (s *Store) CreateAlert(ctx context.Context, a *bianque.Alert) error {
	now := s.clock.Now()
	if a.Status == "" {
		a.Status = bianque.AlertOpen
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	if a.ID == "" {
		a.ID = bianque.NewIDAt(a.CreatedAt)
	}
	if err := a.Validate(); err != nil {
		return err
	}
	a.Version = 1
	args, err := s.alertArgs(a)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.Q(`INSERT INTO alerts (`+alertCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			append([]any{a.ID, a.TenantID}, args...)...)
		return s.dbErr(err, "create alert")
	})
}

// Alert returns the tenant's alert, or ENOTFOUND.
func (s *Store) Alert(ctx context.Context, tenantID, id string) (*bianque.Alert, error) {
	a, err := scanAlert(s.r.QueryRowContext(ctx, s.Q(`SELECT `+alertCols+` FROM alerts WHERE tenant_id = ? AND id = ?`), tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("alert")
	}
	if err != nil {
		return nil, s.dbErr(err, "read alert")
	}
	return a, nil
}

// Alerts lists alerts of f.TenantIDs (required), newest first.
func (s *Store) Alerts(ctx context.Context, f bianque.AlertFilter) ([]*bianque.Alert, string, error) {
	if len(f.TenantIDs) == 0 {
		return nil, "", bianque.Errorf(bianque.EINVALID, "alert list needs at least one tenant")
	}
	var w where
	in(&w, "tenant_id", f.TenantIDs)
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.MinLevel != "" {
		if !f.MinLevel.Valid() {
			return nil, "", bianque.Errorf(bianque.EINVALID, "alert level %q is unknown", f.MinLevel)
		}
		w.add("level_rank >= ?", f.MinLevel.Rank())
	}
	if f.RuleID != "" {
		w.add("rule_id = ?", f.RuleID)
	}
	if !f.Since.IsZero() {
		w.add("last_seen >= ?", s.T(f.Since))
	}
	tail, limit := page(&w, "id", f.Page)
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+alertCols+` FROM alerts`+w.sql()+tail), w.args...)
	if err != nil {
		return nil, "", s.dbErr(err, "list alerts")
	}
	defer rows.Close()
	var out []*bianque.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, "", s.dbErr(err, "list alerts")
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.dbErr(err, "list alerts")
	}
	out, next := trim(out, limit, func(a *bianque.Alert) string { return a.ID })
	return out, next, nil
}

// UpdateAlert stores a if a.Version is the stored version (else ECONFLICT,
// or ENOTFOUND) and increments a.Version.
func (s *Store) UpdateAlert(ctx context.Context, a *bianque.Alert) error {
	if err := a.Validate(); err != nil {
		return err
	}
	a.UpdatedAt = s.clock.Now()
	want := a.Version
	a.Version = want + 1
	args, err := s.alertArgs(a)
	if err != nil {
		a.Version = want
		return err
	}
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Q(alertUpdate+` AND version = ?`), append(args, a.TenantID, a.ID, want)...)
		if err != nil {
			return s.dbErr(err, "update alert")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.staleOrMissing(ctx, tx, "alerts", "alert", a.TenantID, a.ID, want)
		}
		return nil
	})
	if err != nil {
		a.Version = want
	}
	return err
}

// MergeAlert folds what detection saw since into the stored alert, keeping
// the analysts' status and ticket. a is filled with the stored result.
func (s *Store) MergeAlert(ctx context.Context, a *bianque.Alert) error {
	now := s.clock.Now()
	return s.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := scanAlert(tx.QueryRowContext(ctx, s.Q(`SELECT `+alertCols+` FROM alerts WHERE tenant_id = ? AND id = ?`), a.TenantID, a.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("alert")
		}
		if err != nil {
			return s.dbErr(err, "read alert")
		}
		if a.Count > cur.Count {
			cur.Count = a.Count
		}
		if a.LastSeen.After(cur.LastSeen) {
			cur.LastSeen = a.LastSeen
		}
		if a.Level.Rank() > cur.Level.Rank() {
			cur.Level = a.Level
		}
		if len(a.Trend) >= len(cur.Trend) {
			cur.Trend = a.Trend
		}
		if len(a.Events) > len(cur.Events) {
			cur.Events = a.Events
		}
		for _, r := range a.Reason {
			if !slices.Contains(cur.Reason, r) {
				cur.Reason = append(cur.Reason, r)
			}
		}
		if cur.TicketID == "" {
			cur.TicketID = a.TicketID
		}
		cur.UpdatedAt = now
		cur.Version++
		args, err := s.alertArgs(cur)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.Q(alertUpdate), append(args, cur.TenantID, cur.ID)...); err != nil {
			return s.dbErr(err, "merge alert")
		}
		*a = *cur
		return nil
	})
}

// CreateSuppression stores a suppression (TenantID "" is platform-wide).
func (s *Store) CreateSuppression(ctx context.Context, sp *bianque.Suppression) error {
	if sp.CreatedAt.IsZero() {
		sp.CreatedAt = s.clock.Now()
	}
	if sp.ID == "" {
		sp.ID = bianque.NewIDAt(sp.CreatedAt)
	}
	if err := sp.Validate(); err != nil {
		return err
	}
	data, err := JSON(sp)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.Q(`INSERT INTO alert_suppressions (id, tenant_id, rule_id, expires_at, created_at, data) VALUES (?, ?, ?, ?, ?, ?)`),
			sp.ID, nullIfEmpty(sp.TenantID), sp.RuleID, s.T(sp.ExpiresAt), s.T(sp.CreatedAt), data)
		return s.dbErr(err, "create suppression")
	})
}

// Suppressions lists the suppressions in force at now: the tenant's and the
// platform-wide ones, or all of them for tenantID "".
func (s *Store) Suppressions(ctx context.Context, tenantID string, now time.Time) ([]*bianque.Suppression, error) {
	var w where
	w.add("expires_at > ?", s.T(now))
	if tenantID != "" {
		w.add("(tenant_id = ? OR tenant_id IS NULL)", tenantID)
	}
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT id, tenant_id, data FROM alert_suppressions`+w.sql()+` ORDER BY id`), w.args...)
	if err != nil {
		return nil, s.dbErr(err, "list suppressions")
	}
	defer rows.Close()
	var out []*bianque.Suppression
	for rows.Next() {
		var sp bianque.Suppression
		var id string
		var tenant sql.NullString
		if err := rows.Scan(&id, &tenant, JSONCol{&sp}); err != nil {
			return nil, s.dbErr(err, "list suppressions")
		}
		sp.ID, sp.TenantID = id, tenant.String
		out = append(out, &sp)
	}
	if err := rows.Err(); err != nil {
		return nil, s.dbErr(err, "list suppressions")
	}
	return out, nil
}

// DeleteSuppression removes a suppression of the tenant ("" for a
// platform-wide one), or returns ENOTFOUND.
func (s *Store) DeleteSuppression(ctx context.Context, tenantID, id string) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		q := `DELETE FROM alert_suppressions WHERE id = ? AND tenant_id = ?`
		args := []any{id, tenantID}
		if tenantID == "" {
			q, args = `DELETE FROM alert_suppressions WHERE id = ? AND tenant_id IS NULL`, []any{id}
		}
		res, err := tx.ExecContext(ctx, s.Q(q), args...)
		if err != nil {
			return s.dbErr(err, "delete suppression")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("suppression")
		}
		return nil
	})
}

var _ bianque.AlertStore = (*Store)(nil)
