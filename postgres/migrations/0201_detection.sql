-- Detection wired into the platform: alert filters and persisted
-- aggregation, the tenants' rule settings, custom rules and protection
-- periods, indicators, intelligence feeds, and the revision counters that
-- tell every node what to reload.

-- ATT&CK techniques of an alert as ",T1110,T1110.001," for the technique filter.
ALTER TABLE alerts ADD COLUMN techniques text NOT NULL DEFAULT '';
CREATE INDEX alerts_tenant_attacker ON alerts (tenant_id, attacker_ip);
CREATE INDEX alerts_tenant_victim ON alerts (tenant_id, victim_ip);

-- The aggregation window of each dedup key: the alert repeats fold into
-- and its last occurrence. The row is locked while a repeat folds in, so
-- several nodes never open two alerts (or two tickets) for one key.
CREATE TABLE alert_windows (
	tenant_id       text COLLATE "C" NOT NULL REFERENCES tenants (id),
	dedup_key       text NOT NULL,
	alert_id        text COLLATE "C" NOT NULL,
	last_seen       timestamptz NOT NULL,
	ticket_claimed  boolean NOT NULL DEFAULT false,
	PRIMARY KEY (tenant_id, dedup_key)
);
CREATE INDEX alert_windows_last_seen ON alert_windows (last_seen);

-- A tenant's rule settings (enabled, disabled, level overrides) as JSON.
CREATE TABLE rule_configs (
	tenant_id   text COLLATE "C" PRIMARY KEY REFERENCES tenants (id),
	updated_at  timestamptz NOT NULL,
	data        jsonb NOT NULL
);

-- Custom Sigma rule files of a tenant.
CREATE TABLE custom_rules (
	id          text COLLATE "C" PRIMARY KEY,
	tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants (id),
	name        text NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	data        jsonb NOT NULL,
	UNIQUE (tenant_id, name)
);

-- Major-event protection periods (重保) of a tenant.
CREATE TABLE protection_periods (
	id          text COLLATE "C" PRIMARY KEY,
	tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants (id),
	starts_at   timestamptz NOT NULL,
	ends_at     timestamptz NOT NULL,
	data        jsonb NOT NULL
);
CREATE INDEX protection_periods_tenant ON protection_periods (tenant_id, starts_at);

-- Indicators of compromise; tenant_id NULL is the platform's intelligence
-- (scope '' then, so that (scope, type, value) is unique for both).
CREATE TABLE indicators (
	id           text COLLATE "C" PRIMARY KEY,
	tenant_id    text COLLATE "C" REFERENCES tenants (id),
	scope        text COLLATE "C" NOT NULL,
	type         text NOT NULL,
	value        text NOT NULL,
	source       text NOT NULL DEFAULT '',
	tags         text NOT NULL DEFAULT '',
	valid_until  timestamptz,
	updated_at   timestamptz NOT NULL,
	data         jsonb NOT NULL,
	UNIQUE (scope, type, value)
);
CREATE INDEX indicators_scope ON indicators (scope, id);
CREATE INDEX indicators_valid_until ON indicators (valid_until);

-- Threat-intelligence feeds polled by the platform (TAXII 2.1, MISP).
CREATE TABLE intel_feeds (
	id            text COLLATE "C" PRIMARY KEY,
	tenant_id     text COLLATE "C" REFERENCES tenants (id),
	scope         text COLLATE "C" NOT NULL,
	name          text NOT NULL,
	next_poll_at  timestamptz NOT NULL,
	disabled      boolean NOT NULL DEFAULT false,
	password      text NOT NULL DEFAULT '',
	data          jsonb NOT NULL,
	UNIQUE (scope, name)
);
CREATE INDEX intel_feeds_due ON intel_feeds (next_poll_at);

-- Revision counters of detection data (platform-wide).
CREATE TABLE detection_revisions (
	name      text PRIMARY KEY,
	revision  bigint NOT NULL
);
