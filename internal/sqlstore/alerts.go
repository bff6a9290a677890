package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"bianque"
)

// Alerts and suppressions (migration 0200): queryable fields as columns,
// the whole record as JSON in data.

const alertCols = `id, tenant_id, kind, rule_id, level, level_rank, status, category, dedup_key, attacker_ip, victim_ip,
	victim_host, count, ticket_id, first_seen, last_seen, created_at, updated_at, techniques, version, data`

func scanAlert(row interface{ Scan(...any) error }) (*bianque.Alert, error) {
	var a bianque.Alert
	var id, tenant string
	var version int64
	var k skipCol
	err := row.Scan(&id, &tenant, k, k, k, k, k, k, k, k, k, k, k, k, k, k, k, k, k, &version, JSONCol{&a})
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
		s.T(a.CreatedAt), s.T(a.UpdatedAt), techniqueList(a.Techniques), a.Version, data}, nil
}

// techniqueList encodes techniques for the techniques column: ",T1110,T1110.001,".
func techniqueList(ts []string) string {
	if len(ts) == 0 {
		return ""
	}
	return "," + strings.ToUpper(strings.Join(ts, ",")) + ","
}

const alertUpdate = `UPDATE alerts SET kind = ?, rule_id = ?, level = ?, level_rank = ?, status = ?, category = ?, dedup_key = ?,
	attacker_ip = ?, victim_ip = ?, victim_host = ?, count = ?, ticket_id = ?, first_seen = ?, last_seen = ?, created_at = ?,
	updated_at = ?, techniques = ?, version = ?, data = ? WHERE tenant_id = ? AND id = ?`

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
		_, err := tx.ExecContext(ctx, s.Q(`INSERT INTO alerts (`+alertCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
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
	if !f.Until.IsZero() {
		w.add("last_seen < ?", s.T(f.Until))
	}
	if f.Level != "" {
		if !f.Level.Valid() {
			return nil, "", bianque.Errorf(bianque.EINVALID, "alert level %q is unknown", f.Level)
		}
		w.add("level = ?", string(f.Level))
	}
	if f.Kind != "" {
		w.add("kind = ?", string(f.Kind))
	}
	if f.Category != "" {
		w.add("category = ?", f.Category)
	}
	if f.Technique != "" {
		t := strings.ToUpper(strings.TrimSpace(f.Technique))
		if !bianque.ValidTechnique(t) {
			return nil, "", bianque.Errorf(bianque.EINVALID, "technique %q is not an ATT&CK ID like T1110 or T1110.001", f.Technique)
		}
		w.add("(techniques LIKE ? OR techniques LIKE ?)", "%,"+t+",%", "%,"+t+".%")
	}
	if f.AttackerIP != "" {
		w.add("attacker_ip = ?", f.AttackerIP)
	}
	if f.VictimIP != "" {
		w.add("victim_ip = ?", f.VictimIP)
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
		if err != nil {
			return s.dbErr(err, "create suppression")
		}
		return s.bump(ctx, tx, bianque.RevisionSuppress)
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
		return s.bump(ctx, tx, bianque.RevisionSuppress)
	})
}

// FoldAlert stores a candidate alert: folded into the tenant's active
// alert with the same dedup key whose window is still open, or as a new
// alert. The key's row in alert_windows is locked for the transaction
// (PostgreSQL: FOR UPDATE; SQLite: the single writer), so concurrent
// nodes fold into one alert and exactly one of them is told to open its
// ticket.
func (s *Store) FoldAlert(ctx context.Context, cand *bianque.Alert, o bianque.AlertFoldOptions) (*bianque.AlertFoldResult, error) {
	res, err := s.FoldAlerts(ctx, []*bianque.Alert{cand}, o)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// FoldAlerts folds candidates (distinct dedup keys) in one transaction,
// locking their windows in (tenant, key) order. If the batch fails (a
// candidate is invalid, its tenant gone), each candidate is folded on its
// own and the errors are joined: the others are not lost.
func (s *Store) FoldAlerts(ctx context.Context, cands []*bianque.Alert, o bianque.AlertFoldOptions) ([]*bianque.AlertFoldResult, error) {
	if o.Window <= 0 {
		o.Window = 10 * time.Minute
	}
	if o.TrendBucket <= 0 {
		o.TrendBucket = time.Minute
	}
	for _, c := range cands {
		if c.Count < 1 {
			c.Count = 1
		}
		if c.LastSeen.IsZero() {
			c.LastSeen = c.FirstSeen
		}
	}
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := strings.Compare(cands[a].TenantID, cands[b].TenantID); c != 0 {
			return c
		}
		return strings.Compare(cands[a].DedupKey, cands[b].DedupKey)
	})
	out := make([]*bianque.AlertFoldResult, len(cands))
	run := func(idx []int) error {
		return s.Tx(ctx, func(tx *sql.Tx) error {
			now := s.clock.Now()
			for _, i := range idx {
				res, err := s.foldIn(ctx, tx, cands[i], o, now)
				if err != nil {
					return err
				}
				out[i] = res
			}
			return nil
		})
	}
	err := run(order)
	if err == nil || len(cands) == 1 {
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	var errs []error
	for _, i := range order {
		if e := run([]int{i}); e != nil {
			errs = append(errs, fmt.Errorf("alert %s/%s: %w", cands[i].TenantID, cands[i].RuleID, e))
			out[i] = nil
		}
	}
	return out, errors.Join(errs...)
}

// foldIn folds one candidate inside tx.
func (s *Store) foldIn(ctx context.Context, tx *sql.Tx, cand *bianque.Alert, o bianque.AlertFoldOptions, now time.Time) (*bianque.AlertFoldResult, error) {
	if cand.DedupKey == "" {
		return nil, bianque.Errorf(bianque.EINVALID, "alert to fold needs a dedup key")
	}
	if err := cand.Validate(); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO alert_windows (tenant_id, dedup_key, alert_id, last_seen, ticket_claimed)
		VALUES (?, ?, '', ?, ?) ON CONFLICT (tenant_id, dedup_key) DO NOTHING`), cand.TenantID, cand.DedupKey, s.T(cand.LastSeen), false); err != nil {
		return nil, s.dbErr(err, "fold alert")
	}
	var alertID string
	var last time.Time
	var claimed bool
	if err := tx.QueryRowContext(ctx, s.Q(`SELECT alert_id, last_seen, ticket_claimed FROM alert_windows WHERE tenant_id = ? AND dedup_key = ?`+s.d.LockRow),
		cand.TenantID, cand.DedupKey).Scan(&alertID, TimeCol{&last}, &claimed); err != nil {
		return nil, s.dbErr(err, "fold alert: read window")
	}
	var cur *bianque.Alert
	if alertID != "" && cand.FirstSeen.Sub(last) <= o.Window {
		a, err := scanAlert(tx.QueryRowContext(ctx, s.Q(`SELECT `+alertCols+` FROM alerts WHERE tenant_id = ? AND id = ?`), cand.TenantID, alertID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, s.dbErr(err, "fold alert: read alert")
		case a.Status.Active():
			cur = a
		}
	}
	res := &bianque.AlertFoldResult{}
	if cur != nil {
		cur.Fold(cand, o)
		cur.UpdatedAt = now
		cur.Version++
		args, err := s.alertArgs(cur)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, s.Q(alertUpdate), append(args, cur.TenantID, cur.ID)...); err != nil {
			return nil, s.dbErr(err, "fold alert: update")
		}
		res.Alert = cur
	} else {
		a := cloneAlert(cand)
		a.ID = bianque.NewIDAt(now)
		a.Status = bianque.AlertOpen
		a.CreatedAt, a.UpdatedAt, a.Version = now, now, 1
		a.TicketID, a.Triage = "", nil
		if len(a.Trend) == 0 {
			a.Trend = []bianque.TrendPoint{{Start: a.FirstSeen.Truncate(o.TrendBucket), Count: a.Count}}
		}
		if o.MaxEvents > 0 && len(a.Events) > o.MaxEvents {
			a.Events = a.Events[:o.MaxEvents]
		}
		args, err := s.alertArgs(a)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO alerts (`+alertCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			append([]any{a.ID, a.TenantID}, args...)...); err != nil {
			return nil, s.dbErr(err, "fold alert: create")
		}
		res.Alert, res.Created = a, true
		alertID, claimed, last = a.ID, false, time.Time{}
	}
	if o.TicketLevel != "" && !claimed && res.Alert.TicketID == "" && res.Alert.Level.Rank() >= o.TicketLevel.Rank() {
		res.OpenTicket, claimed = true, true
	}
	seen := res.Alert.LastSeen
	if last.After(seen) {
		seen = last
	}
	_, err := tx.ExecContext(ctx, s.Q(`UPDATE alert_windows SET alert_id = ?, last_seen = ?, ticket_claimed = ? WHERE tenant_id = ? AND dedup_key = ?`),
		alertID, s.T(seen), claimed, cand.TenantID, cand.DedupKey)
	if err != nil {
		return nil, s.dbErr(err, "fold alert: window")
	}
	return res, nil
}

func cloneAlert(a *bianque.Alert) *bianque.Alert {
	c := *a
	c.Techniques = slices.Clone(a.Techniques)
	c.Tactics = slices.Clone(a.Tactics)
	c.Tags = slices.Clone(a.Tags)
	c.Reason = slices.Clone(a.Reason)
	c.Events = slices.Clone(a.Events)
	c.Trend = slices.Clone(a.Trend)
	c.Triage = slices.Clone(a.Triage)
	return &c
}

// SetAlertTicket records the alert's threat ticket (keeping a ticket
// already recorded) and increments the version.
func (s *Store) SetAlertTicket(ctx context.Context, tenantID, id, ticketID string) error {
	now := s.clock.Now()
	return s.Tx(ctx, func(tx *sql.Tx) error {
		a, err := scanAlert(tx.QueryRowContext(ctx, s.Q(`SELECT `+alertCols+` FROM alerts WHERE tenant_id = ? AND id = ?`+s.d.LockRow), tenantID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("alert")
		}
		if err != nil {
			return s.dbErr(err, "read alert")
		}
		if a.TicketID != "" {
			return nil
		}
		a.TicketID, a.UpdatedAt = ticketID, now
		a.Version++
		args, err := s.alertArgs(a)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.Q(alertUpdate), append(args, tenantID, id)...)
		return s.dbErr(err, "set alert ticket")
	})
}

// DeleteAlertWindows forgets the aggregation windows last used before the given time.
func (s *Store) DeleteAlertWindows(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Q(`DELETE FROM alert_windows WHERE last_seen < ?`), s.T(before))
		if err != nil {
			return s.dbErr(err, "delete alert windows")
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

var (
	_ bianque.AlertStore  = (*Store)(nil)
	_ bianque.AlertFolder = (*Store)(nil)
)
