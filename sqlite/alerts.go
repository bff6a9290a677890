package sqlite

import "bianque"

// The alerts and suppressions of detection (migration 0200) are stored by
// the shared SQL in internal/sqlstore.
var _ bianque.AlertStore = (*DB)(nil)
