-- Detection wired into the platform: alert filters and persisted
-- aggregation, the tenants' rule settings, custom rules and protection
-- periods, indicators, intelligence feeds, and the revision counters that
-- tell every node what to reload.

-- ATT&CK techniques of an alert as ",T1110,T1110.001," for the technique filter.
ALTER TABLE alerts ADD COLUMN techniques TEXT NOT NULL DEFAULT '';
CREATE INDEX alerts_tenant_attacker ON alerts (tenant_id, attacker_ip);
CREATE INDEX alerts_tenant_victim ON alerts (tenant_id, victim_ip);

-- The aggregation window of each dedup key: the alert repeats fold into
-- and its last occurrence. The row is locked while a repeat folds in, so
-- several nodes never open two alerts (or two tickets) for one key.
CREATE TABLE alert_windows (
	tenant_id       TEXT NOT NULL REFERENCES tenants (id),
	dedup_key       TEXT NOT NULL,
	alert_id        TEXT NOT NULL,
	last_seen       INTEGER NOT NULL,
	ticket_claimed  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (tenant_id, dedup_key)
) STRICT;
CREATE INDEX alert_windows_last_seen ON alert_windows (last_seen);

-- A tenant's rule settings (enabled, disabled, level overrides) as JSON.
CREATE TABLE rule_configs (
	tenant_id   TEXT PRIMARY KEY REFERENCES tenants (id),
	updated_at  INTEGER NOT NULL,
	data        TEXT NOT NULL
) STRICT;

-- Custom Sigma rule files of a tenant.
CREATE TABLE custom_rules (
	id          TEXT PRIMARY KEY,
	tenant_id   TEXT NOT NULL REFERENCES tenants (id),
	name        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	data        TEXT NOT NULL,
	UNIQUE (tenant_id, name)
) STRICT;

-- Major-event protection periods (重保) of a tenant.
CREATE TABLE protection_periods (
	id          TEXT PRIMARY KEY,
	tenant_id   TEXT NOT NULL REFERENCES tenants (id),
	starts_at   INTEGER NOT NULL,
	ends_at     INTEGER NOT NULL,
	data        TEXT NOT NULL
) STRICT;
CREATE INDEX protection_periods_tenant ON protection_periods (tenant_id, starts_at);

-- Indicators of compromise; tenant_id NULL is the platform's intelligence
-- (scope '' then, so that (scope, type, value) is unique for both).
CREATE TABLE indicators (
	id           TEXT PRIMARY KEY,
	tenant_id    TEXT REFERENCES tenants (id),
	scope        TEXT NOT NULL,
	type         TEXT NOT NULL,
	value        TEXT NOT NULL,
	source       TEXT NOT NULL DEFAULT '',
	tags         TEXT NOT NULL DEFAULT '',
	valid_until  INTEGER,
	updated_at   INTEGER NOT NULL,
	data         TEXT NOT NULL,
	UNIQUE (scope, type, value)
) STRICT;
CREATE INDEX indicators_scope ON indicators (scope, id);
CREATE INDEX indicators_valid_until ON indicators (valid_until);

-- Threat-intelligence feeds polled by the platform (TAXII 2.1, MISP).
CREATE TABLE intel_feeds (
	id            TEXT PRIMARY KEY,
	tenant_id     TEXT REFERENCES tenants (id),
	scope         TEXT NOT NULL,
	name          TEXT NOT NULL,
	next_poll_at  INTEGER NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0,
	password      TEXT NOT NULL DEFAULT '',
	data          TEXT NOT NULL,
	UNIQUE (scope, name)
) STRICT;
CREATE INDEX intel_feeds_due ON intel_feeds (next_poll_at);

-- Revision counters of detection data (platform-wide).
CREATE TABLE detection_revisions (
	name      TEXT PRIMARY KEY,
	revision  INTEGER NOT NULL
) STRICT;
