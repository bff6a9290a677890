package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"bianque"
)

// Indicators of compromise (migration 0201). scope is the tenant ID, or ""
// for the platform's intelligence (tenant_id NULL); (scope, type, value)
// is unique. Writes bump the indicators revision so that every node
// reloads its matcher.

func tagList(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return "," + strings.Join(tags, ",") + ","
}

func (s *Store) validUntil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.T(t)
}

// UpsertIndicators stores indicators, replacing those with the same scope,
// type and value (their ID and creation time stay); it returns how many
// were new. Every indicator is validated first; one invalid indicator
// stores none.
func (s *Store) UpsertIndicators(ctx context.Context, inds []*bianque.Indicator) (int, error) {
	for _, in := range inds {
		if err := in.Validate(); err != nil {
			return 0, err
		}
	}
	now := s.clock.Now()
	created := 0
	const chunk = 500
	for start := 0; start < len(inds); start += chunk {
		part := inds[start:min(start+chunk, len(inds))]
		n := 0
		err := s.Tx(ctx, func(tx *sql.Tx) error {
			n = 0
			for _, in := range part {
				var id string
				var createdAt time.Time
				err := tx.QueryRowContext(ctx, s.Q(`SELECT id, data FROM indicators WHERE scope = ? AND type = ? AND value = ?`),
					in.TenantID, string(in.Type), in.Value).Scan(&id, JSONCol{&struct {
					CreatedAt *time.Time `json:"created_at"`
				}{&createdAt}})
				isNew := errors.Is(err, sql.ErrNoRows)
				if err != nil && !isNew {
					return s.dbErr(err, "read indicator")
				}
				if isNew {
					if in.CreatedAt.IsZero() {
						in.CreatedAt = now
					}
					in.ID = bianque.NewIDAt(in.CreatedAt)
				} else {
					in.ID, in.CreatedAt = id, createdAt
				}
				in.UpdatedAt = now
				data, err := JSON(in)
				if err != nil {
					return err
				}
				if isNew {
					_, err = tx.ExecContext(ctx, s.Q(`INSERT INTO indicators (id, tenant_id, scope, type, value, source, tags, valid_until, updated_at, data)
						VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), in.ID, nullIfEmpty(in.TenantID), in.TenantID, string(in.Type), in.Value,
						in.Source, tagList(in.Tags), s.validUntil(in.ValidUntil), s.T(in.UpdatedAt), data)
					n++
				} else {
					_, err = tx.ExecContext(ctx, s.Q(`UPDATE indicators SET source = ?, tags = ?, valid_until = ?, updated_at = ?, data = ? WHERE id = ?`),
						in.Source, tagList(in.Tags), s.validUntil(in.ValidUntil), s.T(in.UpdatedAt), data, in.ID)
				}
				if err != nil {
					return s.dbErr(err, "store indicator")
				}
			}
			return s.bump(ctx, tx, bianque.RevisionIndicators)
		})
		if err != nil {
			return created, err
		}
		created += n
	}
	return created, nil
}

func scanIndicator(row interface{ Scan(...any) error }) (*bianque.Indicator, error) {
	var in bianque.Indicator
	var id, tenant string
	if err := row.Scan(&id, NullStr{&tenant}, JSONCol{&in}); err != nil {
		return nil, err
	}
	in.ID, in.TenantID = id, tenant
	return &in, nil
}

// Indicators lists the indicators of f.TenantID ("" the platform's), newest first.
func (s *Store) Indicators(ctx context.Context, f bianque.IndicatorFilter) ([]*bianque.Indicator, string, error) {
	var w where
	w.add("scope = ?", f.TenantID)
	if f.Type != "" {
		w.add("type = ?", string(f.Type))
	}
	if f.Tag != "" {
		w.add("tags LIKE ?", "%,"+strings.ToLower(strings.TrimSpace(f.Tag))+",%")
	}
	if f.Source != "" {
		w.add("source = ?", f.Source)
	}
	s.contains(&w, f.Query, "value")
	tail, limit := page(&w, "id", f.Page)
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT id, tenant_id, data FROM indicators`+w.sql()+tail), w.args...)
	if err != nil {
		return nil, "", s.dbErr(err, "list indicators")
	}
	defer rows.Close()
	var out []*bianque.Indicator
	for rows.Next() {
		in, err := scanIndicator(rows)
		if err != nil {
			return nil, "", s.dbErr(err, "list indicators")
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.dbErr(err, "list indicators")
	}
	out, next := trim(out, limit, func(in *bianque.Indicator) string { return in.ID })
	return out, next, nil
}

// Indicator returns one indicator of the tenant ("" the platform's).
func (s *Store) Indicator(ctx context.Context, tenantID, id string) (*bianque.Indicator, error) {
	in, err := scanIndicator(s.r.QueryRowContext(ctx, s.Q(`SELECT id, tenant_id, data FROM indicators WHERE scope = ? AND id = ?`), tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("indicator")
	}
	if err != nil {
		return nil, s.dbErr(err, "read indicator")
	}
	return in, nil
}

// DeleteIndicator removes an indicator of the tenant ("" the platform's).
func (s *Store) DeleteIndicator(ctx context.Context, tenantID, id string) error {
	return s.deleteAndBump(ctx, `DELETE FROM indicators WHERE scope = ? AND id = ?`, []any{tenantID, id}, "indicator", bianque.RevisionIndicators)
}

// DeleteExpiredIndicators removes the indicators whose validity ended by now.
func (s *Store) DeleteExpiredIndicators(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Q(`DELETE FROM indicators WHERE valid_until IS NOT NULL AND valid_until <= ?`), s.T(now))
		if err != nil {
			return s.dbErr(err, "delete expired indicators")
		}
		if n, _ = res.RowsAffected(); n > 0 {
			return s.bump(ctx, tx, bianque.RevisionIndicators)
		}
		return nil
	})
	return n, err
}

// ScanIndicators calls fn with every indicator not expired at now, in
// batches; no query stays open while fn runs.
func (s *Store) ScanIndicators(ctx context.Context, now time.Time, fn func(*bianque.Indicator) error) error {
	after := ""
	for {
		rows, err := s.r.QueryContext(ctx, s.Q(`SELECT id, tenant_id, data FROM indicators
			WHERE (valid_until IS NULL OR valid_until > ?) AND id > ? ORDER BY id LIMIT 5000`), s.T(now), after)
		if err != nil {
			return s.dbErr(err, "scan indicators")
		}
		var batch []*bianque.Indicator
		for rows.Next() {
			in, err := scanIndicator(rows)
			if err != nil {
				rows.Close()
				return s.dbErr(err, "scan indicators")
			}
			batch = append(batch, in)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return s.dbErr(err, "scan indicators")
		}
		for _, in := range batch {
			if err := fn(in); err != nil {
				return err
			}
		}
		if len(batch) < 5000 {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

var (
	_ bianque.IndicatorStore   = (*Store)(nil)
	_ bianque.IndicatorScanner = (*Store)(nil)
)
