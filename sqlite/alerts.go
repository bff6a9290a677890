package sqlite

import "bianque"

// The alerts, suppressions and aggregation windows (migrations 0200,
// 0201), rule settings, custom rules, protection periods, indicators and
// feeds of detection are stored by the shared SQL in internal/sqlstore.
var (
	_ bianque.AlertStore       = (*DB)(nil)
	_ bianque.AlertFolder      = (*DB)(nil)
	_ bianque.RuleStore        = (*DB)(nil)
	_ bianque.IndicatorStore   = (*DB)(nil)
	_ bianque.IndicatorScanner = (*DB)(nil)
	_ bianque.IntelFeedStore   = (*DB)(nil)
)
