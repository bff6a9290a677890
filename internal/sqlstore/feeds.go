package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"bianque"
)

// Threat-intelligence feeds (migration 0201). The password is kept in its
// own column, encrypted with the field key when one is configured, and
// never in the JSON document.

const feedCols = `id, tenant_id, password, data`

func (s *Store) scanFeed(row interface{ Scan(...any) error }, withPassword bool) (*bianque.IntelFeed, error) {
	var f bianque.IntelFeed
	var id, tenant, pw string
	if err := row.Scan(&id, NullStr{&tenant}, &pw, JSONCol{&f}); err != nil {
		return nil, err
	}
	f.ID, f.TenantID, f.HasPassword, f.Password = id, tenant, pw != "", ""
	if withPassword && pw != "" {
		plain, err := s.open(id, "intel_feeds.password", pw)
		if err != nil {
			return nil, err
		}
		f.Password = plain
	}
	return &f, nil
}

func (s *Store) feeds(ctx context.Context, withPassword bool, q string, args ...any) ([]*bianque.IntelFeed, error) {
	rows, err := s.r.QueryContext(ctx, s.Q(q), args...)
	if err != nil {
		return nil, s.dbErr(err, "list feeds")
	}
	defer rows.Close()
	var out []*bianque.IntelFeed
	for rows.Next() {
		f, err := s.scanFeed(rows, withPassword)
		if err != nil {
			return nil, s.dbErr(err, "list feeds")
		}
		out = append(out, f)
	}
	return out, s.dbErr(rows.Err(), "list feeds")
}

// IntelFeeds lists the tenant's feeds ("" the platform-wide ones) by name.
func (s *Store) IntelFeeds(ctx context.Context, tenantID string) ([]*bianque.IntelFeed, error) {
	return s.feeds(ctx, false, `SELECT `+feedCols+` FROM intel_feeds WHERE scope = ? ORDER BY name`, tenantID)
}

// IntelFeed returns one feed of the tenant ("" platform-wide), without its password.
func (s *Store) IntelFeed(ctx context.Context, tenantID, id string) (*bianque.IntelFeed, error) {
	f, err := s.scanFeed(s.r.QueryRowContext(ctx, s.Q(`SELECT `+feedCols+` FROM intel_feeds WHERE scope = ? AND id = ?`), tenantID, id), false)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("feed")
	}
	if err != nil {
		return nil, s.dbErr(err, "read feed")
	}
	return f, nil
}

// DueIntelFeeds lists the enabled feeds of every scope due at now, with passwords.
func (s *Store) DueIntelFeeds(ctx context.Context, now time.Time) ([]*bianque.IntelFeed, error) {
	return s.feeds(ctx, true, `SELECT `+feedCols+` FROM intel_feeds WHERE disabled = ? AND next_poll_at <= ? ORDER BY next_poll_at, id`, false, s.T(now))
}

// CreateIntelFeed stores a new feed (due at once unless NextPollAt is set).
func (s *Store) CreateIntelFeed(ctx context.Context, f *bianque.IntelFeed) error {
	if err := f.Validate(); err != nil {
		return err
	}
	now := s.clock.Now()
	if f.CreatedAt.IsZero() {
		f.CreatedAt = now
	}
	f.UpdatedAt = f.CreatedAt
	if f.NextPollAt.IsZero() {
		f.NextPollAt = now
	}
	if f.ID == "" {
		f.ID = bianque.NewIDAt(f.CreatedAt)
	}
	pw, err := s.seal(f.ID, "intel_feeds.password", f.Password)
	if err != nil {
		return err
	}
	doc := *f
	doc.Password, doc.HasPassword = "", false
	data, err := JSON(&doc)
	if err != nil {
		return err
	}
	err = s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.Q(`INSERT INTO intel_feeds (id, tenant_id, scope, name, next_poll_at, disabled, password, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), f.ID, nullIfEmpty(f.TenantID), f.TenantID, f.Name, s.T(f.NextPollAt), f.Disabled, pw, data); err != nil {
			return s.dbErr(err, "create feed")
		}
		return s.bump(ctx, tx, bianque.RevisionFeeds)
	})
	if err == nil {
		f.HasPassword = f.Password != ""
	}
	return err
}

// updateFeed rewrites a feed's document after fn changed it.
func (s *Store) updateFeed(ctx context.Context, tenantID, id string, fn func(f *bianque.IntelFeed)) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		f, err := s.scanFeed(tx.QueryRowContext(ctx, s.Q(`SELECT `+feedCols+` FROM intel_feeds WHERE scope = ? AND id = ?`+s.d.LockRow), tenantID, id), false)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("feed")
		}
		if err != nil {
			return s.dbErr(err, "read feed")
		}
		fn(f)
		f.HasPassword = false
		data, err := JSON(f)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.Q(`UPDATE intel_feeds SET next_poll_at = ?, data = ? WHERE id = ?`), s.T(f.NextPollAt), data, id)
		return s.dbErr(err, "update feed")
	})
}

// UpdateIntelFeedPoll records the outcome of a poll.
func (s *Store) UpdateIntelFeedPoll(ctx context.Context, tenantID, id string, cursor time.Time, status string, count int, polled, next time.Time) error {
	return s.updateFeed(ctx, tenantID, id, func(f *bianque.IntelFeed) {
		if !cursor.IsZero() {
			f.Cursor = cursor
		}
		f.LastStatus, f.LastCount, f.NextPollAt = status, count, next
		f.LastPollAt = &polled
		f.UpdatedAt = polled
	})
}

// ScheduleIntelFeed sets the next poll of a feed.
func (s *Store) ScheduleIntelFeed(ctx context.Context, tenantID, id string, next time.Time) error {
	return s.updateFeed(ctx, tenantID, id, func(f *bianque.IntelFeed) { f.NextPollAt = next })
}

// DeleteIntelFeed removes a feed of the tenant ("" platform-wide); its indicators stay until they expire.
func (s *Store) DeleteIntelFeed(ctx context.Context, tenantID, id string) error {
	return s.deleteAndBump(ctx, `DELETE FROM intel_feeds WHERE scope = ? AND id = ?`, []any{tenantID, id}, "feed", bianque.RevisionFeeds)
}

var _ bianque.IntelFeedStore = (*Store)(nil)
