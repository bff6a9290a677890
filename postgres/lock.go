package postgres

import (
	"context"
	"fmt"
	"time"
)

// TryLock takes the session-level advisory lock name (scoped to the current
// schema) on a connection of its own, if no other session holds it; release
// unlocks it and returns the connection. Periodic jobs of several platform
// nodes run under such locks (service.JobRunner).
func (db *DB) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	const key = `hashtext('bianque.lock.' || current_schema() || '.' || $1)`
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+key+`)`, name).Scan(&ok); err != nil {
		conn.Release()
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	if !ok {
		conn.Release()
		return nil, false, nil
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(`+key+`)`, name); err != nil {
			conn.Conn().Close(ctx) // closing the session drops its locks
		}
		conn.Release()
	}, true, nil
}
