package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"bianque"
)

const ticketCols = `id, tenant_id, number, type, severity, state, tier, title, description, category, assignee_id, source,
	asset_ids, resolution, created_by, created_at, updated_at, acknowledged_at, authorized_at, contained_at, closed_at,
	due_at, open_periods, reopen_count, rating, version`

func scanTicket(row interface{ Scan(...any) error }) (*bianque.Ticket, error) {
	t := &bianque.Ticket{}
	err := row.Scan(&t.ID, &t.TenantID, &t.Number, &t.Type, &t.Severity, &t.State, &t.Tier, &t.Title, &t.Description,
		&t.Category, &t.AssigneeID, &t.Source, JSONCol{&t.AssetIDs}, &t.Resolution, &t.CreatedBy,
		TimeCol{&t.CreatedAt}, TimeCol{&t.UpdatedAt}, NullTimeCol{&t.AcknowledgedAt}, NullTimeCol{&t.AuthorizedAt},
		NullTimeCol{&t.ContainedAt}, NullTimeCol{&t.ClosedAt}, NullTimeCol{&t.DueAt}, JSONCol{&t.OpenPeriods},
		&t.ReopenCount, &t.Rating, &t.Version)
	return t, err
}

// ticketArgs returns the values of the mutable columns, in the order of
// ticketCols from type to rating, without created_at.
func (s *Store) ticketArgs(t *bianque.Ticket) ([]any, error) {
	var assets any
	if len(t.AssetIDs) > 0 {
		a, err := JSON(t.AssetIDs)
		if err != nil {
			return nil, err
		}
		assets = a
	}
	periods, err := JSON(t.OpenPeriods)
	if err != nil {
		return nil, err
	}
	return []any{string(t.Type), string(t.Severity), string(t.State), int(t.Tier), t.Title, t.Description, t.Category,
		t.AssigneeID, t.Source, assets, t.Resolution, t.CreatedBy, s.T(t.UpdatedAt), s.NT(t.AcknowledgedAt),
		s.NT(t.AuthorizedAt), s.NT(t.ContainedAt), s.NT(t.ClosedAt), s.NT(t.DueAt), periods, t.ReopenCount, t.Rating}, nil
}

// CreateTicket gives the ticket the tenant's next number and stores it with
// its first timeline entry (if any) in one transaction. The tenant must
// exist (else ENOTFOUND). Version becomes 1.
func (s *Store) CreateTicket(ctx context.Context, t *bianque.Ticket, first *bianque.TimelineEntry) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.clock.Now()
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	if t.ID == "" {
		t.ID = bianque.NewIDAt(t.CreatedAt)
	}
	t.Version = 1
	args, err := s.ticketArgs(t)
	if err != nil {
		return err
	}
	if first != nil {
		if err := s.prepareEntry(t.TenantID, t.ID, first); err != nil {
			return err
		}
	}
	var number int64
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		// The upsert takes the counter row's lock (PostgreSQL) or runs under
		// the single writer (SQLite), so concurrent creations get distinct numbers.
		err := tx.QueryRowContext(ctx, s.Q(`INSERT INTO ticket_counters (tenant_id, last_number) VALUES (?, 1)
			ON CONFLICT (tenant_id) DO UPDATE SET last_number = ticket_counters.last_number + 1
			RETURNING last_number`), t.TenantID).Scan(&number)
		if err != nil {
			return s.dbErr(err, "number ticket")
		}
		all := append([]any{t.ID, t.TenantID, number}, args[:12]...)
		all = append(all, s.T(t.CreatedAt))
		all = append(all, args[12:]...)
		all = append(all, t.Version)
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO tickets (`+ticketCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), all...); err != nil {
			return s.dbErr(err, "create ticket")
		}
		if first != nil {
			return s.insertEntry(ctx, tx, first)
		}
		return nil
	})
	if err != nil {
		t.Version = 0
		return err
	}
	t.Number = number
	return nil
}

// Ticket returns the ticket of the tenant, or ENOTFOUND.
func (s *Store) Ticket(ctx context.Context, tenantID, id string) (*bianque.Ticket, error) {
	t, err := scanTicket(s.r.QueryRowContext(ctx, s.Q(`SELECT `+ticketCols+` FROM tickets WHERE tenant_id = ? AND id = ?`), tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("ticket")
	}
	if err != nil {
		return nil, s.dbErr(err, "read ticket")
	}
	return t, nil
}

// Tickets lists tickets of f.TenantIDs (required, else EINVALID), newest first.
func (s *Store) Tickets(ctx context.Context, f bianque.TicketFilter) ([]*bianque.Ticket, string, error) {
	if len(f.TenantIDs) == 0 {
		return nil, "", bianque.Errorf(bianque.EINVALID, "ticket list needs at least one tenant")
	}
	var w where
	in(&w, "tenant_id", f.TenantIDs)
	in(&w, "type", f.Types)
	in(&w, "state", f.States)
	in(&w, "severity", f.Severities)
	if f.AssigneeID != "" {
		w.add("assignee_id = ?", f.AssigneeID)
	}
	if f.Source != "" {
		w.add("source = ?", f.Source)
	}
	if f.Open != nil {
		if *f.Open {
			w.add("state <> ?", string(bianque.StateClosed))
		} else {
			w.add("state = ?", string(bianque.StateClosed))
		}
	}
	if !f.CreatedFrom.IsZero() {
		w.add("created_at >= ?", s.T(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		w.add("created_at < ?", s.T(f.CreatedTo))
	}
	s.contains(&w, f.Query, "title", "description")
	tail, limit := page(&w, "id", f.Page)
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT `+ticketCols+` FROM tickets`+w.sql()+tail), w.args...)
	if err != nil {
		return nil, "", s.dbErr(err, "list tickets")
	}
	defer rows.Close()
	var out []*bianque.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, "", s.dbErr(err, "list tickets")
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.dbErr(err, "list tickets")
	}
	out, next := trim(out, limit, func(t *bianque.Ticket) string { return t.ID })
	return out, next, nil
}

// UpdateTicket stores t if t.Version is the stored version (else ECONFLICT;
// ENOTFOUND if the ticket does not exist in t.TenantID), increments
// t.Version and appends entry (if non-nil), in one transaction. ID, tenant,
// number and creation time never change.
func (s *Store) UpdateTicket(ctx context.Context, t *bianque.Ticket, entry *bianque.TimelineEntry) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = s.clock.Now()
	}
	args, err := s.ticketArgs(t)
	if err != nil {
		return err
	}
	if entry != nil {
		if err := s.prepareEntry(t.TenantID, t.ID, entry); err != nil {
			return err
		}
	}
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.Q(`UPDATE tickets SET type = ?, severity = ?, state = ?, tier = ?, title = ?,
			description = ?, category = ?, assignee_id = ?, source = ?, asset_ids = ?, resolution = ?, created_by = ?,
			updated_at = ?, acknowledged_at = ?, authorized_at = ?, contained_at = ?, closed_at = ?, due_at = ?,
			open_periods = ?, reopen_count = ?, rating = ?, version = version + 1
			WHERE tenant_id = ? AND id = ? AND version = ?`), append(args, t.TenantID, t.ID, t.Version)...)
		if err != nil {
			return s.dbErr(err, "update ticket")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.staleOrMissing(ctx, tx, "tickets", "ticket", t.TenantID, t.ID, t.Version)
		}
		if entry != nil {
			return s.insertEntry(ctx, tx, entry)
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.Version++
	return nil
}

// staleOrMissing explains an update that matched no row.
func (s *Store) staleOrMissing(ctx context.Context, tx *sql.Tx, table, what, tenantID, id string, version int64) error {
	var current int64
	err := tx.QueryRowContext(ctx, s.Q(`SELECT version FROM `+table+` WHERE tenant_id = ? AND id = ?`), tenantID, id).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(what)
	}
	if err != nil {
		return s.dbErr(err, "read "+what+" version")
	}
	return bianque.Errorf(bianque.ECONFLICT, "%s was changed by someone else (version %d, yours %d); reload and retry", what, current, version)
}

// prepareEntry fills an entry's defaults and checks it belongs to the ticket.
func (s *Store) prepareEntry(tenantID, ticketID string, e *bianque.TimelineEntry) error {
	if e.TenantID == "" {
		e.TenantID = tenantID
	}
	if e.TicketID == "" {
		e.TicketID = ticketID
	}
	if e.TenantID != tenantID || e.TicketID != ticketID {
		return bianque.Errorf(bianque.EINVALID, "timeline entry belongs to another ticket")
	}
	if e.At.IsZero() {
		e.At = s.clock.Now()
	}
	if e.ID == "" {
		e.ID = bianque.NewIDAt(e.At)
	}
	if e.Kind == "" {
		return bianque.Errorf(bianque.EINVALID, "timeline entry kind is required")
	}
	return nil
}

// insertEntry inserts e if its ticket exists in its tenant (else ENOTFOUND).
func (s *Store) insertEntry(ctx context.Context, tx *sql.Tx, e *bianque.TimelineEntry) error {
	var exists int
	err := tx.QueryRowContext(ctx, s.Q(`SELECT 1 FROM tickets WHERE tenant_id = ? AND id = ?`), e.TenantID, e.TicketID).Scan(&exists)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("ticket")
	}
	if err != nil {
		return s.dbErr(err, "read ticket")
	}
	_, err = tx.ExecContext(ctx, s.Q(`INSERT INTO ticket_timeline (id, tenant_id, ticket_id, at, actor_id, actor_name,
		kind, action, from_state, to_state, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.ID, e.TenantID, e.TicketID, s.T(e.At), e.ActorID, e.ActorName, string(e.Kind), string(e.Action),
		string(e.FromState), string(e.ToState), e.Note)
	return s.dbErr(err, "add timeline entry")
}

// AddTimelineEntry appends an entry to a ticket of the entry's tenant.
func (s *Store) AddTimelineEntry(ctx context.Context, e *bianque.TimelineEntry) error {
	if e.TenantID == "" || e.TicketID == "" {
		return bianque.Errorf(bianque.EINVALID, "timeline entry needs a tenant and a ticket")
	}
	if err := s.prepareEntry(e.TenantID, e.TicketID, e); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *sql.Tx) error { return s.insertEntry(ctx, tx, e) })
}

// Timeline returns the ticket's entries in chronological order; ENOTFOUND if
// the ticket is not the tenant's.
func (s *Store) Timeline(ctx context.Context, tenantID, ticketID string) ([]*bianque.TimelineEntry, error) {
	var exists int
	err := s.r.QueryRowContext(ctx, s.Q(`SELECT 1 FROM tickets WHERE tenant_id = ? AND id = ?`), tenantID, ticketID).Scan(&exists)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("ticket")
	}
	if err != nil {
		return nil, s.dbErr(err, "read ticket")
	}
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT id, tenant_id, ticket_id, at, actor_id, actor_name, kind, action,
		from_state, to_state, note FROM ticket_timeline WHERE tenant_id = ? AND ticket_id = ? ORDER BY at, id`), tenantID, ticketID)
	if err != nil {
		return nil, s.dbErr(err, "read timeline")
	}
	defer rows.Close()
	var out []*bianque.TimelineEntry
	for rows.Next() {
		e := &bianque.TimelineEntry{}
		if err := rows.Scan(&e.ID, &e.TenantID, &e.TicketID, TimeCol{&e.At}, &e.ActorID, &e.ActorName, &e.Kind,
			&e.Action, &e.FromState, &e.ToState, &e.Note); err != nil {
			return nil, s.dbErr(err, "read timeline")
		}
		out = append(out, e)
	}
	return out, s.dbErr(rows.Err(), "read timeline")
}

// CountOpenTickets counts the open tickets of the tenants by type, severity
// and state.
func (s *Store) CountOpenTickets(ctx context.Context, tenantIDs []string) (*bianque.TicketCounts, error) {
	if len(tenantIDs) == 0 {
		return nil, bianque.Errorf(bianque.EINVALID, "ticket counts need at least one tenant")
	}
	var w where
	in(&w, "tenant_id", tenantIDs)
	w.add("state <> ?", string(bianque.StateClosed))
	rows, err := s.r.QueryContext(ctx, s.Q(`SELECT type, severity, state, count(*) FROM tickets`+w.sql()+` GROUP BY type, severity, state`), w.args...)
	if err != nil {
		return nil, s.dbErr(err, "count tickets")
	}
	defer rows.Close()
	c := &bianque.TicketCounts{
		ByType:     map[bianque.TicketType]int{},
		BySeverity: map[bianque.Severity]int{},
		ByState:    map[bianque.TicketState]int{},
	}
	for rows.Next() {
		var tt bianque.TicketType
		var sev bianque.Severity
		var st bianque.TicketState
		var n int
		if err := rows.Scan(&tt, &sev, &st, &n); err != nil {
			return nil, s.dbErr(err, "count tickets")
		}
		c.ByType[tt] += n
		c.BySeverity[sev] += n
		c.ByState[st] += n
	}
	return c, s.dbErr(rows.Err(), "count tickets")
}
