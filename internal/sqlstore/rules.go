package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"bianque"
)

// Rule settings, custom rules, protection periods and the detection
// revision counters (migration 0201). Every write increments the revision
// of what it changed in the same transaction, so a node that sees a new
// revision reloads data that is already committed.

// bump increments a detection revision counter inside tx.
func (s *Store) bump(ctx context.Context, tx *sql.Tx, name string) error {
	_, err := tx.ExecContext(ctx, s.Q(`INSERT INTO detection_revisions (name, revision) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET revision = detection_revisions.revision + 1`), name)
	return s.dbErr(err, "bump revision "+name)
}

// DetectionRevision returns the counter name (0 before its first change).
func (s *Store) DetectionRevision(ctx context.Context, name string) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, s.Q(`SELECT revision FROM detection_revisions WHERE name = ?`), name).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, s.dbErr(err, "read revision")
}

// BumpDetectionRevision increments the counter name.
func (s *Store) BumpDetectionRevision(ctx context.Context, name string) error {
	return s.Tx(ctx, func(tx *sql.Tx) error { return s.bump(ctx, tx, name) })
}

// RuleConfig returns the tenant's rule settings, empty when none were saved.
func (s *Store) RuleConfig(ctx context.Context, tenantID string) (*bianque.RuleConfig, error) {
	c, err := s.ruleConfig(ctx, s.r, tenantID)
	if errors.Is(err, sql.ErrNoRows) {
		if err := s.tenantExists(ctx, s.r, tenantID); err != nil {
			return nil, err
		}
		return &bianque.RuleConfig{TenantID: tenantID}, nil
	}
	return c, err
}

func (s *Store) ruleConfig(ctx context.Context, q Querier, tenantID string) (*bianque.RuleConfig, error) {
	var c bianque.RuleConfig
	err := q.QueryRowContext(ctx, s.Q(`SELECT data FROM rule_configs WHERE tenant_id = ?`), tenantID).Scan(JSONCol{&c})
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, s.dbErr(err, "read rule configuration")
	}
	c.TenantID = tenantID
	return &c, nil
}

func (s *Store) tenantExists(ctx context.Context, q Querier, tenantID string) error {
	var one int
	err := q.QueryRowContext(ctx, s.Q(`SELECT 1 FROM tenants WHERE id = ?`), tenantID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("tenant")
	}
	return s.dbErr(err, "read tenant")
}

// RuleConfigs returns every tenant's saved settings.
func (s *Store) RuleConfigs(ctx context.Context) ([]*bianque.RuleConfig, error) {
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT tenant_id, data FROM rule_configs ORDER BY tenant_id`))
	if err != nil {
		return nil, s.dbErr(err, "list rule configurations")
	}
	defer rows.Close()
	var out []*bianque.RuleConfig
	for rows.Next() {
		var c bianque.RuleConfig
		var tenant string
		if err := rows.Scan(&tenant, JSONCol{&c}); err != nil {
			return nil, s.dbErr(err, "list rule configurations")
		}
		c.TenantID = tenant
		out = append(out, &c)
	}
	return out, s.dbErr(rows.Err(), "list rule configurations")
}

// UpdateRuleConfig changes the tenant's settings in one transaction.
func (s *Store) UpdateRuleConfig(ctx context.Context, tenantID string, fn func(c *bianque.RuleConfig) error) (*bianque.RuleConfig, error) {
	var out *bianque.RuleConfig
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.tenantExists(ctx, tx, tenantID); err != nil {
			return err
		}
		// Lock the row (PostgreSQL; SQLite's single writer serialises). A
		// tenant without settings gets an empty row first, so that two first
		// updates cannot both read nothing and the later overwrite the
		// earlier: the second insert waits for the first and finds its row.
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO rule_configs (tenant_id, updated_at, data) VALUES (?, ?, ?)
			ON CONFLICT (tenant_id) DO NOTHING`), tenantID, s.T(s.clock.Now()), "{}"); err != nil {
			return s.dbErr(err, "create rule configuration")
		}
		c := &bianque.RuleConfig{TenantID: tenantID}
		err := tx.QueryRowContext(ctx, s.Q(`SELECT data FROM rule_configs WHERE tenant_id = ?`+s.d.LockRow), tenantID).Scan(JSONCol{c})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return s.dbErr(err, "read rule configuration")
		}
		c.TenantID = tenantID
		if err := fn(c); err != nil {
			return err
		}
		c.TenantID = tenantID
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = s.clock.Now()
		}
		slices.Sort(c.Disabled)
		c.Disabled = slices.Compact(c.Disabled)
		slices.Sort(c.Enabled)
		c.Enabled = slices.Compact(c.Enabled)
		if err := c.Validate(); err != nil {
			return err
		}
		data, err := JSON(c)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO rule_configs (tenant_id, updated_at, data) VALUES (?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET updated_at = excluded.updated_at, data = excluded.data`),
			tenantID, s.T(c.UpdatedAt), data); err != nil {
			return s.dbErr(err, "save rule configuration")
		}
		out = c
		return s.bump(ctx, tx, bianque.RevisionRules)
	})
	return out, err
}

// CustomRules lists a tenant's custom rule files by name, or every tenant's for "".
func (s *Store) CustomRules(ctx context.Context, tenantID string) ([]*bianque.CustomRule, error) {
	q, args := `SELECT id, tenant_id, data FROM custom_rules ORDER BY tenant_id, name`, []any{}
	if tenantID != "" {
		q, args = `SELECT id, tenant_id, data FROM custom_rules WHERE tenant_id = ? ORDER BY name`, []any{tenantID}
	}
	rows, err := s.r.QueryContext(ctx, s.Q(q), args...)
	if err != nil {
		return nil, s.dbErr(err, "list custom rules")
	}
	defer rows.Close()
	var out []*bianque.CustomRule
	for rows.Next() {
		var r bianque.CustomRule
		var id, tenant string
		if err := rows.Scan(&id, &tenant, JSONCol{&r}); err != nil {
			return nil, s.dbErr(err, "list custom rules")
		}
		r.ID, r.TenantID = id, tenant
		out = append(out, &r)
	}
	return out, s.dbErr(rows.Err(), "list custom rules")
}

// CustomRule returns one of the tenant's files.
func (s *Store) CustomRule(ctx context.Context, tenantID, id string) (*bianque.CustomRule, error) {
	var r bianque.CustomRule
	err := s.r.QueryRowContext(ctx, s.Q(`SELECT data FROM custom_rules WHERE tenant_id = ? AND id = ?`), tenantID, id).Scan(JSONCol{&r})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("custom rule")
	}
	if err != nil {
		return nil, s.dbErr(err, "read custom rule")
	}
	r.ID, r.TenantID = id, tenantID
	return &r, nil
}

// PutCustomRule creates the file, or replaces the tenant's file of the
// same name (keeping its ID and creation time).
func (s *Store) PutCustomRule(ctx context.Context, r *bianque.CustomRule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	now := s.clock.Now()
	return s.Tx(ctx, func(tx *sql.Tx) error {
		var id string
		var old bianque.CustomRule
		err := tx.QueryRowContext(ctx, s.Q(`SELECT id, data FROM custom_rules WHERE tenant_id = ? AND name = ?`+s.d.LockRow),
			r.TenantID, r.Name).Scan(&id, JSONCol{&old})
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if r.CreatedAt.IsZero() {
				r.CreatedAt = now
			}
			if r.ID == "" {
				r.ID = bianque.NewIDAt(r.CreatedAt)
			}
		case err != nil:
			return s.dbErr(err, "read custom rule")
		default:
			r.ID, r.CreatedAt = id, old.CreatedAt
		}
		r.UpdatedAt = now
		data, err := JSON(r)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO custom_rules (id, tenant_id, name, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, data = excluded.data`),
			r.ID, r.TenantID, r.Name, s.T(r.CreatedAt), s.T(r.UpdatedAt), data); err != nil {
			return s.dbErr(err, "save custom rule")
		}
		return s.bump(ctx, tx, bianque.RevisionRules)
	})
}

// DeleteCustomRule removes one of the tenant's files.
func (s *Store) DeleteCustomRule(ctx context.Context, tenantID, id string) error {
	return s.deleteAndBump(ctx, `DELETE FROM custom_rules WHERE tenant_id = ? AND id = ?`, []any{tenantID, id}, "custom rule", bianque.RevisionRules)
}

// deleteAndBump deletes one row (ENOTFOUND if none) and bumps revision.
func (s *Store) deleteAndBump(ctx context.Context, q string, args []any, what, revision string) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Q(q), args...)
		if err != nil {
			return s.dbErr(err, "delete "+what)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(what)
		}
		return s.bump(ctx, tx, revision)
	})
}

// ProtectionPeriods lists a tenant's periods (every tenant's for ""), by start.
func (s *Store) ProtectionPeriods(ctx context.Context, tenantID string) ([]*bianque.ProtectionPeriod, error) {
	q, args := `SELECT id, tenant_id, data FROM protection_periods ORDER BY starts_at, id`, []any{}
	if tenantID != "" {
		q, args = `SELECT id, tenant_id, data FROM protection_periods WHERE tenant_id = ? ORDER BY starts_at, id`, []any{tenantID}
	}
	rows, err := s.r.QueryContext(ctx, s.Q(q), args...)
	if err != nil {
		return nil, s.dbErr(err, "list protection periods")
	}
	defer rows.Close()
	var out []*bianque.ProtectionPeriod
	for rows.Next() {
		var p bianque.ProtectionPeriod
		var id, tenant string
		if err := rows.Scan(&id, &tenant, JSONCol{&p}); err != nil {
			return nil, s.dbErr(err, "list protection periods")
		}
		p.ID, p.TenantID = id, tenant
		out = append(out, &p)
	}
	return out, s.dbErr(rows.Err(), "list protection periods")
}

// ProtectionPeriod returns one of the tenant's periods.
func (s *Store) ProtectionPeriod(ctx context.Context, tenantID, id string) (*bianque.ProtectionPeriod, error) {
	var p bianque.ProtectionPeriod
	err := s.r.QueryRowContext(ctx, s.Q(`SELECT data FROM protection_periods WHERE tenant_id = ? AND id = ?`), tenantID, id).Scan(JSONCol{&p})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("protection period")
	}
	if err != nil {
		return nil, s.dbErr(err, "read protection period")
	}
	p.ID, p.TenantID = id, tenantID
	return &p, nil
}

// PutProtectionPeriod creates a period (empty ID) or replaces the tenant's
// period with p's ID (ENOTFOUND when there is none).
func (s *Store) PutProtectionPeriod(ctx context.Context, p *bianque.ProtectionPeriod) error {
	if err := p.Validate(); err != nil {
		return err
	}
	create := p.ID == ""
	if create {
		p.ID = bianque.NewIDAt(s.clock.Now())
	}
	data, err := JSON(p)
	if err != nil {
		return err
	}
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		if create {
			if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO protection_periods (id, tenant_id, starts_at, ends_at, data) VALUES (?, ?, ?, ?, ?)`),
				p.ID, p.TenantID, s.T(p.PreparationStart), s.T(p.End), data); err != nil {
				return s.dbErr(err, "create protection period")
			}
		} else {
			res, err := tx.ExecContext(ctx, s.Q(`UPDATE protection_periods SET starts_at = ?, ends_at = ?, data = ? WHERE tenant_id = ? AND id = ?`),
				s.T(p.PreparationStart), s.T(p.End), data, p.TenantID, p.ID)
			if err != nil {
				return s.dbErr(err, "update protection period")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return notFound("protection period")
			}
		}
		return s.bump(ctx, tx, bianque.RevisionRules)
	})
	if err != nil && create {
		p.ID = ""
	}
	return err
}

// DeleteProtectionPeriod removes one of the tenant's periods.
func (s *Store) DeleteProtectionPeriod(ctx context.Context, tenantID, id string) error {
	return s.deleteAndBump(ctx, `DELETE FROM protection_periods WHERE tenant_id = ? AND id = ?`, []any{tenantID, id}, "protection period", bianque.RevisionRules)
}

var _ bianque.RuleStore = (*Store)(nil)
